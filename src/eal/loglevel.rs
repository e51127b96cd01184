//! The value of `--log-level`: `level`, `pattern:level` (glob) or `regex,level`
//! (POSIX basic regular expression, matched with the C library as DPDK does), and
//! applying the parsed values to the log module.
//!
//! Levels are DPDK's numbers 1 (emergency) … 8 (debug), or a prefix of a level's name
//! (`err`, `warn`, `info`, ...).

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

/// Which log types a `--log-level` value sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    /// `level`: the global level.
    Global,
    /// `pattern:level`: a glob over type names (`fnmatch`).
    Glob(String),
    /// `regex,level`: a POSIX basic regular expression over type names.
    Regex(String),
}

/// One parsed `--log-level` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLevelArg {
    pub target: LogTarget,
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

/// Parses a whole `--log-level` value, in DPDK's order: split at the first ','
/// (regex) or else the first ':' (glob), parse the level, then compile the regex.
pub fn parse_log_level(arg: &str) -> Result<LogLevelArg, String> {
    let (target, level_str) = if let Some((regex, level)) = arg.split_once(',') {
        if regex.is_empty() {
            return Err("empty log type regex".to_string());
        }
        (LogTarget::Regex(regex.to_string()), level)
    } else if let Some((glob, level)) = arg.split_once(':') {
        if glob.is_empty() {
            return Err(format!("empty log type pattern in '{arg}'"));
        }
        (LogTarget::Glob(glob.to_string()), level)
    } else {
        (LogTarget::Global, arg)
    };
    let given = parse_level(level_str).ok_or_else(|| format!("invalid log level '{level_str}'"))?;
    let (level, clamped_from) = if given > u64::from(LOG_MAX) {
        (LOG_MAX, Some(given))
    } else {
        (given as u32, None)
    };
    if let LogTarget::Regex(regex) = &target
        && crate::regex::Regex::new(regex).is_none()
    {
        return Err(format!("cannot set log level {regex},{level}"));
    }
    Ok(LogLevelArg {
        target,
        level,
        clamped_from,
    })
}

/// Applies the parsed `--log-level` values in order.
pub fn apply(levels: &[(LogTarget, u32)]) -> crate::Result<()> {
    for (target, level) in levels {
        match target {
            LogTarget::Global => crate::log::set_global_level(*level),
            LogTarget::Glob(p) => crate::log::set_level_pattern(p, *level).inspect_err(|_| {
                crate::eal_log!(ERR, "cannot set log level {p}:{level}");
            })?,
            LogTarget::Regex(r) => crate::log::set_level_regexp(r, *level).inspect_err(|_| {
                crate::eal_log!(ERR, "cannot set log level {r},{level}");
            })?,
        }
    }
    Ok(())
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
        use LogTarget::*;
        let regex = |r: &str| Regex(r.to_string());
        let glob = |g: &str| Glob(g.to_string());
        for (arg, target, level, clamped) in [
            ("debug", Global, 8, None),
            ("lib.dmadev:info", glob("lib.dmadev"), 7, None),
            ("lib.*:12", glob("lib.*"), 8, Some(12)),
            // ':' is a glob even when it looks like a regex, as in DPDK.
            ("lib.(eal|dmadev):debug", glob("lib.(eal|dmadev)"), 8, None),
            ("dma,5", regex("dma"), 5, None),
            ("^lib\\.dmadev$,err", regex("^lib\\.dmadev$"), 4, None),
            (
                "lib.\\(eal\\|dmadev\\),debug",
                regex("lib.\\(eal\\|dmadev\\)"),
                8,
                None,
            ),
            // Basic syntax: accepted, '(' and '|' match themselves (as in DPDK).
            ("lib.(eal|dmadev),debug", regex("lib.(eal|dmadev)"), 8, None),
            ("a|b,7", regex("a|b"), 7, None),
            // The first ',' ends the regex, even after a ':'.
            ("a:b,3", regex("a:b"), 3, None),
        ] {
            let got = parse_log_level(arg).unwrap_or_else(|e| panic!("{arg:?}: {e}"));
            let expected = LogLevelArg {
                target,
                level,
                clamped_from: clamped,
            };
            assert_eq!(got, expected, "{arg:?}");
        }
        for (bad, message) in [
            ("", "invalid log level ''"),
            (":7", "empty log type pattern in ':7'"),
            ("lib:", "invalid log level ''"),
            ("lib:0", "invalid log level '0'"),
            ("lib:loud", "invalid log level 'loud'"),
            ("x,", "invalid log level ''"),
            (",7", "empty log type regex"),
            // DPDK's message for an expression regcomp refuses.
            ("lib.\\(eal,debug", "cannot set log level lib.\\(eal,8"),
            ("[,12", "cannot set log level [,8"),
            // The level is checked before the expression.
            ("[,loud", "invalid log level 'loud'"),
        ] {
            assert_eq!(parse_log_level(bad), Err(message.to_string()), "{bad:?}");
        }
    }

    #[test]
    fn applied_regexes_and_globs_reach_the_log_types() {
        use crate::log;
        let eal = log::register("test.ll.eal", log::RTE_LOG_INFO);
        let ring = log::register("test.ll.ring", log::RTE_LOG_INFO);
        let parsed: Vec<(LogTarget, u32)> =
            ["test\\.ll\\.\\(eal\\|dmadev\\)$,debug", "test.ll.r*:err"]
                .iter()
                .map(|arg| parse_log_level(arg).map(|p| (p.target, p.level)).unwrap())
                .collect();
        apply(&parsed).unwrap();
        assert_eq!(log::get_level(eal), Some(log::RTE_LOG_DEBUG));
        assert_eq!(log::get_level(ring), Some(log::RTE_LOG_ERR));
        // Types registered later take the level too.
        let dmadev = log::register("test.ll.dmadev", log::RTE_LOG_INFO);
        assert_eq!(log::get_level(dmadev), Some(log::RTE_LOG_DEBUG));
        let other = log::register("test.ll.dmadevx", log::RTE_LOG_INFO);
        assert_eq!(log::get_level(other), Some(log::RTE_LOG_INFO));
    }
}
