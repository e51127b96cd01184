//! `rte_log.h`: log types and levels (`lib.dmadev` among them).
use crate::guard::{c_str, guard};
use dmadev::log;
use std::ffi::{c_char, c_int};

/// Sets the level of every log type matching the glob `pattern` (also of types
/// registered later). Returns 0, or -1 for a bad pattern or level.
///
/// # Safety
/// `pattern` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_log_set_level_pattern(pattern: *const c_char, level: u32) -> c_int {
    guard(-1, || {
        // SAFETY: forwarded contract.
        let Ok(p) = (unsafe { c_str(pattern) }) else {
            return -1;
        };
        match p.to_str().map(|p| log::set_level_pattern(p, level)) {
            Ok(Ok(())) => 0,
            _ => -1,
        }
    })
}

/// Sets one log type's level. Returns 0 or -1.
#[unsafe(no_mangle)]
pub extern "C" fn rte_log_set_level(logtype: u32, level: u32) -> c_int {
    guard(-1, || {
        if log::set_level(logtype, level).is_ok() {
            0
        } else {
            -1
        }
    })
}

/// A log type's level, or -1 for an unknown type.
#[unsafe(no_mangle)]
pub extern "C" fn rte_log_get_level(logtype: u32) -> c_int {
    guard(-1, || log::get_level(logtype).map_or(-1, |l| l as c_int))
}

/// Sets the level above which nothing is logged, whatever the type.
#[unsafe(no_mangle)]
pub extern "C" fn rte_log_set_global_level(level: u32) {
    guard((), || log::set_global_level(level))
}

/// The global log level.
#[unsafe(no_mangle)]
pub extern "C" fn rte_log_get_global_level() -> u32 {
    guard(log::RTE_LOG_DEBUG, log::global_level)
}

/// Registers a log type (or finds it) and returns its id, or -1.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_log_register(name: *const c_char) -> c_int {
    guard(-1, || {
        // SAFETY: forwarded contract.
        match unsafe { c_str(name) }.ok().and_then(|n| n.to_str().ok()) {
            Some(n) => log::register(n, log::RTE_LOG_INFO) as c_int,
            None => -1,
        }
    })
}

/// Whether a message of `level` on `logtype` would be written.
#[unsafe(no_mangle)]
pub extern "C" fn rte_log_can_log(logtype: u32, level: u32) -> bool {
    guard(false, || log::can_log(logtype, level))
}
