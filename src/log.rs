//! DPDK-style logging: named log types with levels, a global level, and level patterns.
//!
//! Levels use DPDK's numbers (`RTE_LOG_EMERG` = 1 … `RTE_LOG_DEBUG` = 8). A line is
//! written when its level is at or below both the global level and its type's level.
//! Patterns set with `set_level_pattern` (globs) or `set_level_regexp` (POSIX regular
//! expressions) also apply to types registered later, as in DPDK, so
//! `--log-level=lib.dmadev:debug` works before the library registers its type.
use crate::regex::{Regex, glob_matches};
use crate::{Error, Result};
use std::io::Write;
use std::sync::Mutex;

pub const RTE_LOG_EMERG: u32 = 1;
pub const RTE_LOG_ALERT: u32 = 2;
pub const RTE_LOG_CRIT: u32 = 3;
pub const RTE_LOG_ERR: u32 = 4;
pub const RTE_LOG_WARNING: u32 = 5;
pub const RTE_LOG_NOTICE: u32 = 6;
pub const RTE_LOG_INFO: u32 = 7;
pub const RTE_LOG_DEBUG: u32 = 8;
pub const RTE_LOG_MAX: u32 = RTE_LOG_DEBUG;

/// Name of the dmadev library's log type, as in DPDK.
pub const DMADEV_LOGTYPE_NAME: &str = "lib.dmadev";
/// Name of the EAL's log type.
pub const EAL_LOGTYPE_NAME: &str = "lib.eal";

struct LogType {
    name: String,
    level: u32,
}

struct LogState {
    global_level: u32,
    types: Vec<LogType>,
    /// Patterns in the order they were set; the last match wins for new types.
    patterns: Vec<(Matcher, u32)>,
}

/// How a saved level names its types.
enum Matcher {
    Glob(String),
    Regex(Regex),
}

impl Matcher {
    fn matches(&self, name: &str) -> bool {
        match self {
            Matcher::Glob(p) => glob_matches(p, name),
            Matcher::Regex(r) => r.is_match(name),
        }
    }
}

static STATE: Mutex<LogState> = Mutex::new(LogState {
    global_level: RTE_LOG_DEBUG,
    types: Vec::new(),
    patterns: Vec::new(),
});

fn state() -> std::sync::MutexGuard<'static, LogState> {
    // A panic while holding the log lock leaves plain data behind; keep using it.
    STATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn valid_level(level: u32) -> bool {
    (1..=RTE_LOG_MAX).contains(&level)
}

/// Registers `name` (or finds it) and returns its id. A new type takes the level of
/// the last pattern matching it, else `default_level`.
pub fn register(name: &str, default_level: u32) -> u32 {
    let mut st = state();
    if let Some(id) = st.types.iter().position(|t| t.name == name) {
        return id as u32;
    }
    let level = st
        .patterns
        .iter()
        .rev()
        .find(|(m, _)| m.matches(name))
        .map_or(default_level, |&(_, l)| l);
    st.types.push(LogType {
        name: name.to_owned(),
        level,
    });
    (st.types.len() - 1) as u32
}

/// Id of a registered type.
pub fn lookup(name: &str) -> Option<u32> {
    state()
        .types
        .iter()
        .position(|t| t.name == name)
        .map(|i| i as u32)
}

/// Sets the level of every type whose name matches the glob `pattern`, now and later.
pub fn set_level_pattern(pattern: &str, level: u32) -> Result<()> {
    set_level_matching(Matcher::Glob(pattern.to_owned()), level)
}

/// Sets the level of every type whose name the POSIX basic regular expression `regex`
/// matches, now and later (DPDK's `rte_log_set_level_regexp`). `InvalidArgument` if
/// the level is out of range or the expression does not compile.
pub fn set_level_regexp(regex: &str, level: u32) -> Result<()> {
    let regex = Regex::new(regex).ok_or(Error::InvalidArgument)?;
    set_level_matching(Matcher::Regex(regex), level)
}

fn set_level_matching(matcher: Matcher, level: u32) -> Result<()> {
    if !valid_level(level) {
        return Err(Error::InvalidArgument);
    }
    let mut st = state();
    for t in st.types.iter_mut().filter(|t| matcher.matches(&t.name)) {
        t.level = level;
    }
    st.patterns.push((matcher, level));
    Ok(())
}

/// Sets one type's level.
pub fn set_level(logtype: u32, level: u32) -> Result<()> {
    if !valid_level(level) {
        return Err(Error::InvalidArgument);
    }
    let mut st = state();
    let t = st
        .types
        .get_mut(logtype as usize)
        .ok_or(Error::InvalidArgument)?;
    t.level = level;
    Ok(())
}

/// A type's level, or `None` for an unknown id.
pub fn get_level(logtype: u32) -> Option<u32> {
    state().types.get(logtype as usize).map(|t| t.level)
}

pub fn set_global_level(level: u32) {
    state().global_level = level.min(RTE_LOG_MAX);
}

pub fn global_level() -> u32 {
    state().global_level
}

/// Whether a line of `level` on `logtype` would be written.
pub fn can_log(logtype: u32, level: u32) -> bool {
    let st = state();
    level <= st.global_level
        && st
            .types
            .get(logtype as usize)
            .is_some_and(|t| level <= t.level)
}

/// Writes one line (a newline is added) to stderr if `level` is enabled for `logtype`.
pub fn write_line(logtype: u32, level: u32, prefix: &str, args: core::fmt::Arguments<'_>) {
    if !can_log(logtype, level) {
        return;
    }
    let mut line = String::with_capacity(96);
    line.push_str(prefix);
    let _ = core::fmt::write(&mut line, args);
    line.push('\n');
    write_text(line.as_bytes());
}

/// Writes an already formatted message to the log stream (stderr) in one write, so
/// lines from several threads do not interleave; false if it could not be written.
pub fn write_text(text: &[u8]) -> bool {
    std::io::stderr().lock().write_all(text).is_ok()
}

/// Whether `logtype` is a registered type (DPDK's `rte_vlog` refuses others).
pub fn is_registered(logtype: u32) -> bool {
    (logtype as usize) < state().types.len()
}

/// The `lib.dmadev` log type's id (registered on first use at INFO, DPDK's default).
pub fn dmadev_logtype() -> u32 {
    static ID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *ID.get_or_init(|| register(DMADEV_LOGTYPE_NAME, RTE_LOG_INFO))
}

/// The `lib.eal` log type's id.
pub fn eal_logtype() -> u32 {
    static ID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *ID.get_or_init(|| register(EAL_LOGTYPE_NAME, RTE_LOG_INFO))
}

/// Logs one line under `lib.dmadev` with DPDK's `DMADEV: ` prefix:
/// `dma_log!(ERR, "Device {} configure zero vchans", dev_id)`.
#[macro_export]
macro_rules! dma_log {
    ($level:ident, $($arg:tt)*) => {
        $crate::log::write_line(
            $crate::log::dmadev_logtype(),
            $crate::log::level_of(stringify!($level)),
            "DMADEV: ",
            format_args!($($arg)*),
        )
    };
}

/// Logs one line under `lib.eal` with DPDK's `EAL: ` prefix.
#[macro_export]
macro_rules! eal_log {
    ($level:ident, $($arg:tt)*) => {
        $crate::log::write_line(
            $crate::log::eal_logtype(),
            $crate::log::level_of(stringify!($level)),
            "EAL: ",
            format_args!($($arg)*),
        )
    };
}

/// DPDK's level number for a level name (`ERR`, `warning`, `7`, ...).
pub fn level_of(name: &str) -> u32 {
    parse_level(name).unwrap_or(RTE_LOG_ERR)
}

/// Parses a level given as a number (1-8) or a name (case-insensitive).
pub fn parse_level(s: &str) -> Option<u32> {
    if let Ok(n) = s.parse::<u32>() {
        return valid_level(n).then_some(n);
    }
    let level = match s.to_ascii_lowercase().as_str() {
        "emerg" => RTE_LOG_EMERG,
        "alert" => RTE_LOG_ALERT,
        "crit" => RTE_LOG_CRIT,
        "err" | "error" => RTE_LOG_ERR,
        "warning" | "warn" => RTE_LOG_WARNING,
        "notice" => RTE_LOG_NOTICE,
        "info" => RTE_LOG_INFO,
        "debug" => RTE_LOG_DEBUG,
        _ => return None,
    };
    Some(level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_applies_to_existing_and_later_types() {
        let a = register("test.logA.one", RTE_LOG_INFO);
        set_level_pattern("test.logA.*", RTE_LOG_CRIT).unwrap();
        assert_eq!(get_level(a), Some(RTE_LOG_CRIT));
        let b = register("test.logA.two", RTE_LOG_INFO);
        assert_eq!(get_level(b), Some(RTE_LOG_CRIT));
        assert!(!can_log(b, RTE_LOG_ERR));
        assert!(can_log(b, RTE_LOG_CRIT));
        let other = register("test.logB", RTE_LOG_INFO);
        assert_eq!(get_level(other), Some(RTE_LOG_INFO));
    }

    #[test]
    fn regexp_applies_to_existing_and_later_types() {
        let eal = register("test.logR.eal", RTE_LOG_INFO);
        let ring = register("test.logR.ring", RTE_LOG_INFO);
        set_level_regexp("^test\\.logR\\.\\(eal\\|dmadev\\)$", RTE_LOG_DEBUG).unwrap();
        assert_eq!(get_level(eal), Some(RTE_LOG_DEBUG));
        assert_eq!(get_level(ring), Some(RTE_LOG_INFO));
        let dmadev = register("test.logR.dmadev", RTE_LOG_INFO);
        assert_eq!(get_level(dmadev), Some(RTE_LOG_DEBUG));
        assert_eq!(
            set_level_regexp("test.logR.\\(", RTE_LOG_ERR),
            Err(Error::InvalidArgument)
        );
        assert_eq!(set_level_regexp("x", 0), Err(Error::InvalidArgument));
        assert_eq!(get_level(eal), Some(RTE_LOG_DEBUG));
    }

    #[test]
    fn register_is_idempotent_and_levels_are_checked() {
        let a = register("test.idem", RTE_LOG_NOTICE);
        assert_eq!(register("test.idem", RTE_LOG_DEBUG), a);
        assert_eq!(lookup("test.idem"), Some(a));
        assert_eq!(set_level(a, 0), Err(Error::InvalidArgument));
        assert_eq!(set_level(a, 9), Err(Error::InvalidArgument));
        assert_eq!(set_level_pattern("x", 9), Err(Error::InvalidArgument));
        set_level(a, RTE_LOG_DEBUG).unwrap();
        assert_eq!(get_level(a), Some(RTE_LOG_DEBUG));
    }

    #[test]
    fn level_names_parse() {
        assert_eq!(parse_level("err"), Some(RTE_LOG_ERR));
        assert_eq!(parse_level("ERR"), Some(RTE_LOG_ERR));
        assert_eq!(parse_level("8"), Some(RTE_LOG_DEBUG));
        assert_eq!(parse_level("9"), None);
        assert_eq!(parse_level("loud"), None);
        assert_eq!(level_of("WARNING"), RTE_LOG_WARNING);
    }
}
