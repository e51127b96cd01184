//! The Rust side of `csrc/varargs.c` (`rte_vlog`, `rte_log`, `rte_exit`,
//! `__rte_panic`): C linkage for that file only; the version script leaves every
//! `dmadev_rs_*` name unexported and no header declares them.
use crate::guard::guard;
use dmadev::log;
use std::ffi::{c_char, c_int};

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
pub unsafe extern "C" fn dmadev_rs_log_write(text: *const c_char, len: usize) -> c_int {
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
