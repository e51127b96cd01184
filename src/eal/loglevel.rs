//! The value of `--log-level`: `level`, `pattern:level` (glob) or `regex,level`.
//!
//! Levels are DPDK's numbers 1 (emergency) … 8 (debug), or a prefix of a level's name
//! (`err`, `warn`, `info`, ...). A regular expression is turned into the equivalent
//! glob because the log module matches globs; expressions a glob cannot express are
//! refused with a message.

/// Highest log level (`RTE_LOG_DEBUG`).
pub const LOG_MAX: u32 = 8;

/// Level names, index + 1 = level.
const LEVEL_NAMES: [&str; 8] = [
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "notice",
    "info",
    "debug",
];

/// One parsed `--log-level` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLevelArg {
    /// Glob over log type names; `None` sets the global level.
    pub pattern: Option<String>,
    /// Level, 1..=8.
    pub level: u32,
    /// Set when the given level was above 8 and has been lowered to 8.
    pub clamped_from: Option<u64>,
}

/// The name of a level (`"error"` for 4), or `"unknown"`.
pub fn level_name(level: u32) -> &'static str {
    match level {
        1..=LOG_MAX => LEVEL_NAMES[level as usize - 1],
        _ => "unknown",
    }
}

/// Parses a level: a prefix of a level name or a number (C base rules), not 0.
/// Returns the level as given (it may exceed [`LOG_MAX`]).
pub fn parse_level(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    if let Some(i) = LEVEL_NAMES.iter().position(|name| name.starts_with(s)) {
        return Some(i as u64 + 1);
    }
    match super::num::parse_uint_auto(s) {
        Some(n) if n > 0 && n < u64::from(u32::MAX) => Some(n),
        _ => None,
    }
}

/// Parses a whole `--log-level` value.
pub fn parse_log_level(arg: &str) -> Result<LogLevelArg, String> {
    let (pattern, level_str) = if let Some((regex, level)) = arg.split_once(',') {
        (Some(regex_to_glob(regex)?), level)
    } else if let Some((glob, level)) = arg.split_once(':') {
        if glob.is_empty() {
            return Err(format!("empty log type pattern in '{arg}'"));
        }
        (Some(glob.to_string()), level)
    } else {
        (None, arg)
    };
    let given = parse_level(level_str).ok_or_else(|| format!("invalid log level '{level_str}'"))?;
    let (level, clamped_from) = if given > u64::from(LOG_MAX) {
        (LOG_MAX, Some(given))
    } else {
        (given as u32, None)
    };
    Ok(LogLevelArg {
        pattern,
        level,
        clamped_from,
    })
}

/// Turns a POSIX extended regular expression into a glob matching the same log type
/// names. Supported: literal characters, `.`, `.*`, `.+`, `^`, `$` and backslash
/// escapes of punctuation. Unanchored ends become `*` (a regex matches anywhere).
pub fn regex_to_glob(regex: &str) -> Result<String, String> {
    let unsupported = |what: &str| {
        Err(format!(
            "log type regex '{regex}' uses {what}, which dmadev-rs cannot match; \
             use the glob form 'pattern:level' instead"
        ))
    };
    if regex.is_empty() {
        return Err("empty log type regex".to_string());
    }
    let (anchored_start, body) = match regex.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, regex),
    };
    let (anchored_end, body) = match body.strip_suffix('$') {
        Some(rest) if !rest.ends_with('\\') || rest.ends_with("\\\\") => (true, rest),
        _ => (false, body),
    };
    let mut glob = String::new();
    if !anchored_start {
        glob.push('*');
    }
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => match chars.peek() {
                Some('*') => {
                    chars.next();
                    glob.push('*');
                }
                Some('+') => {
                    chars.next();
                    glob.push_str("?*");
                }
                _ => glob.push('?'),
            },
            '\\' => match chars.next() {
                Some('*' | '?' | '[' | ']') => return unsupported("an escaped glob character"),
                Some(e) if e.is_ascii_punctuation() => glob.push(e),
                _ => return unsupported("a backslash class"),
            },
            '*' | '+' | '?' | '{' | '}' => return unsupported("a repetition"),
            '[' | ']' => return unsupported("a bracket expression"),
            '(' | ')' | '|' => return unsupported("a group or alternation"),
            '^' | '$' => return unsupported("an inner anchor"),
            other => glob.push(other),
        }
    }
    if !anchored_end {
        glob.push('*');
    }
    while glob.contains("**") {
        glob = glob.replace("**", "*");
    }
    Ok(glob)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(parse_level("debug"), Some(8));
        assert_eq!(parse_level("err"), Some(4));
        assert_eq!(parse_level("error"), Some(4));
        assert_eq!(parse_level("emerg"), Some(1));
        assert_eq!(parse_level("crit"), Some(3));
        assert_eq!(parse_level("warning"), Some(5));
        assert_eq!(parse_level("notice"), Some(6));
        assert_eq!(parse_level("info"), Some(7));
        assert_eq!(parse_level("alert"), Some(2));
        assert_eq!(parse_level("7"), Some(7));
        assert_eq!(parse_level("0x8"), Some(8));
        assert_eq!(parse_level("9"), Some(9));
        for bad in ["", "0", "-1", "errors", "verbose", "8x", "4294967295"] {
            assert_eq!(parse_level(bad), None, "{bad:?}");
        }
        assert_eq!(level_name(4), "error");
        assert_eq!(level_name(0), "unknown");
    }

    #[test]
    fn forms() {
        let global = parse_log_level("debug").unwrap();
        assert_eq!((global.pattern, global.level), (None, 8));
        let glob = parse_log_level("lib.dmadev:info").unwrap();
        assert_eq!(glob.pattern.as_deref(), Some("lib.dmadev"));
        assert_eq!(glob.level, 7);
        let regex = parse_log_level("dma,5").unwrap();
        assert_eq!(regex.pattern.as_deref(), Some("*dma*"));
        assert_eq!(regex.level, 5);
        let clamped = parse_log_level("lib.*:12").unwrap();
        assert_eq!((clamped.level, clamped.clamped_from), (8, Some(12)));
        for bad in ["", ":7", "lib:", "lib:0", "lib:loud", "a|b,7", "x,"] {
            assert!(parse_log_level(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn regexes() {
        assert_eq!(regex_to_glob("^lib\\.dmadev$").unwrap(), "lib.dmadev");
        assert_eq!(regex_to_glob("^pmd.dma.*").unwrap(), "pmd?dma*");
        assert_eq!(regex_to_glob("dma").unwrap(), "*dma*");
        assert_eq!(regex_to_glob(".*").unwrap(), "*");
        assert_eq!(regex_to_glob("^a.+$").unwrap(), "a?*");
        for bad in [
            "", "a|b", "(a)", "[ab]", "a*", "a+", "a?", "\\d", "a^b", "\\*",
        ] {
            assert!(regex_to_glob(bad).is_err(), "{bad:?} accepted");
        }
    }
}
