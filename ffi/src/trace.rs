//! `rte_trace.h` / `rte_trace_point.h`: turning trace points on and off, saving and
//! dumping the trace.
#![allow(non_camel_case_types)]
use crate::guard::{c_str, guard};
use dmadev::trace::{self, TracePoint, points};
use std::ffi::{c_char, c_int};

/// A trace point's enable word (the `__rte_dma_trace_*` variables are ones).
pub type rte_trace_point_t = u64;

/// How a full per-thread trace buffer behaves.
#[repr(C)]
pub enum rte_trace_mode {
    /// Start again from the beginning, losing the oldest events.
    RTE_TRACE_MODE_OVERWRITE = 0,
    /// Drop new events.
    RTE_TRACE_MODE_DISCARD = 1,
}

/// An `enum rte_trace_mode` argument as C passes it: any 32-bit value.
pub type rte_trace_mode_raw = u32;

fn point_of(t: *const rte_trace_point_t) -> Option<&'static TracePoint> {
    points::ALL
        .iter()
        .copied()
        .find(|p| core::ptr::eq(p.word().as_ptr(), t))
}

/// Whether tracing is on (some trace point was enabled).
#[unsafe(no_mangle)]
pub extern "C" fn rte_trace_is_enabled() -> bool {
    guard(false, trace::is_enabled)
}

/// Enables or disables the trace points whose names match the glob `pattern`.
/// Returns 1 if some matched, 0 if none, -EINVAL for a bad pattern.
///
/// # Safety
/// `pattern` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_trace_pattern(pattern: *const c_char, enable: bool) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        match unsafe { c_str(pattern) }.ok().and_then(|p| p.to_str().ok()) {
            Some(p) => trace::pattern(p, enable).map_or(-libc::EINVAL, c_int::from),
            None => -libc::EINVAL,
        }
    })
}

/// Like `rte_trace_pattern` with a POSIX regular expression.
///
/// # Safety
/// `regex` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_trace_regexp(regex: *const c_char, enable: bool) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        match unsafe { c_str(regex) }.ok().and_then(|p| p.to_str().ok()) {
            Some(p) => trace::regexp(p, enable).map_or(-libc::EINVAL, c_int::from),
            None => -libc::EINVAL,
        }
    })
}

/// Writes the trace so far to a new directory under the trace directory.
#[unsafe(no_mangle)]
pub extern "C" fn rte_trace_save() -> c_int {
    guard(-libc::EIO, || match trace::save() {
        Ok(_) => 0,
        Err(e) => -(e.raw_os_error().unwrap_or(libc::EIO)),
    })
}

/// Prints the trace settings and every trace point's state.
///
/// # Safety
/// `f` is NULL or an open stream.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_trace_dump(f: *mut libc::FILE) {
    guard((), || {
        // SAFETY: forwarded contract (`f` NULL or open).
        if let Some(f) = unsafe { dmadev::abi::CStream::new(f) } {
            let _ = f.write(&trace::dump_text());
        }
    })
}

/// Sets the full-buffer behaviour of trace points enabled from now on. The mode is
/// taken as an integer: a C caller may pass any value, which no Rust enum may hold.
#[unsafe(no_mangle)]
pub extern "C" fn rte_trace_mode_set(mode: rte_trace_mode_raw) {
    guard((), || {
        let mut c = trace::config();
        // As DPDK: anything but OVERWRITE discards.
        c.discard = mode != rte_trace_mode::RTE_TRACE_MODE_OVERWRITE as u32;
        trace::set_config(c);
    })
}

/// The full-buffer behaviour.
#[unsafe(no_mangle)]
pub extern "C" fn rte_trace_mode_get() -> rte_trace_mode {
    guard(rte_trace_mode::RTE_TRACE_MODE_OVERWRITE, || {
        if trace::config().discard {
            rte_trace_mode::RTE_TRACE_MODE_DISCARD
        } else {
            rte_trace_mode::RTE_TRACE_MODE_OVERWRITE
        }
    })
}

/// The trace point called `name` (e.g. "lib.dmadev.copy"), or NULL.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_trace_point_lookup(name: *const c_char) -> *mut rte_trace_point_t {
    guard(core::ptr::null_mut(), || {
        // SAFETY: forwarded contract.
        let name = unsafe { c_str(name) }.ok().and_then(|n| n.to_str().ok());
        name.and_then(trace::lookup)
            .map_or(core::ptr::null_mut(), |p| p.word().as_ptr())
    })
}

/// Whether trace point `t` is enabled.
#[unsafe(no_mangle)]
pub extern "C" fn rte_trace_point_is_enabled(t: *mut rte_trace_point_t) -> bool {
    guard(false, || point_of(t).is_some_and(TracePoint::is_enabled))
}

/// Enables trace point `t`; -ERANGE if it is not a trace point.
#[unsafe(no_mangle)]
pub extern "C" fn rte_trace_point_enable(t: *mut rte_trace_point_t) -> c_int {
    guard(-libc::ERANGE, || {
        point_of(t).map_or(-libc::ERANGE, |p| {
            p.set_enabled(true);
            0
        })
    })
}

/// Disables trace point `t`; -ERANGE if it is not a trace point.
#[unsafe(no_mangle)]
pub extern "C" fn rte_trace_point_disable(t: *mut rte_trace_point_t) -> c_int {
    guard(-libc::ERANGE, || {
        point_of(t).map_or(-libc::ERANGE, |p| {
            p.set_enabled(false);
            0
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mode_outside_the_enum_is_taken_as_dpdk_does() {
        rte_trace_mode_set(7);
        assert!(matches!(
            rte_trace_mode_get(),
            rte_trace_mode::RTE_TRACE_MODE_DISCARD
        ));
        rte_trace_mode_set(rte_trace_mode::RTE_TRACE_MODE_OVERWRITE as u32);
        assert!(matches!(
            rte_trace_mode_get(),
            rte_trace_mode::RTE_TRACE_MODE_OVERWRITE
        ));
    }
}
