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

// The Rust side of ffi/csrc/varargs.c (rte_vlog, rte_log, rte_exit, __rte_panic).
// Internal: the version script leaves every `dmadev_rs_*` name unexported.

/// For `rte_vlog`: -1 for an unknown log type, 0 if the level is off for it, 1 if
/// the message is to be written.
#[unsafe(no_mangle)]
pub extern "C" fn dmadev_rs_log_check(level: u32, logtype: u32) -> c_int {
    guard(-1, || {
        if !log::is_registered(logtype) {
            -1
        } else {
            c_int::from(log::can_log(logtype, level))
        }
    })
}

/// Writes a message `rte_vlog` formatted; returns its length, or -1.
///
/// # Safety
/// `text` points at `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmadev_rs_log_write(
    level: u32,
    logtype: u32,
    text: *const c_char,
    len: usize,
) -> c_int {
    let _ = (level, logtype);
    guard(-1, || {
        if text.is_null() {
            return -1;
        }
        // SAFETY: per the contract.
        let bytes = unsafe { std::slice::from_raw_parts(text.cast::<u8>(), len) };
        if log::write_text(bytes) {
            c_int::try_from(len).unwrap_or(c_int::MAX)
        } else {
            -1
        }
    })
}

/// `rte_exit`'s end: the EAL cleaned up (as DPDK's), then the process exits.
#[unsafe(no_mangle)]
pub extern "C" fn dmadev_rs_exit(exit_code: c_int) -> ! {
    guard((), || {
        if let Err(e) = dmadev::runtime::cleanup()
            && e.errno() != -libc::EALREADY
        {
            dmadev::eal_log!(CRIT, "EAL could not release all resources");
        }
    });
    std::process::exit(exit_code)
}

/// `rte_panic`'s end: the stack written to the log, then abort (a core dump if
/// enabled), as DPDK's `rte_dump_stack` and `abort`.
#[unsafe(no_mangle)]
pub extern "C" fn dmadev_rs_panic(funcname: *const c_char) -> ! {
    let _ = funcname;
    guard((), || {
        let trace = std::backtrace::Backtrace::force_capture();
        log::write_text(format!("{trace}\n").as_bytes());
    });
    std::process::abort()
}
