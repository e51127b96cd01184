//! Keeps panics on the Rust side of the boundary and converts core results to C codes.
use dmadev::{Error, Result};
use std::ffi::{CStr, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `f`; if it panics, returns `on_panic` instead of unwinding into C.
pub fn guard<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

/// Runs a call returning `Result<()>` and gives DPDK's `0` / negative errno.
pub fn status(f: impl FnOnce() -> Result<()>) -> c_int {
    guard(-libc::EIO, || dmadev::error::to_code(f()))
}

/// Runs a call returning `Result<N>` and gives `N` or the negative errno.
pub fn value<N: Into<c_int>>(f: impl FnOnce() -> Result<N>) -> c_int {
    guard(-libc::EIO, || match f() {
        Ok(v) => v.into(),
        Err(e) => e.errno(),
    })
}

/// A C string argument, `-EINVAL` when NULL.
///
/// # Safety
/// A non-NULL `p` must point to a NUL-terminated string.
pub unsafe fn c_str<'a>(p: *const c_char) -> Result<&'a CStr> {
    if p.is_null() {
        return Err(Error::InvalidArgument);
    }
    // SAFETY: non-NULL and NUL-terminated per the contract.
    Ok(unsafe { CStr::from_ptr(p) })
}

/// A pointer argument that must not be NULL.
///
/// # Safety
/// A non-NULL `p` must be valid for reads of `T` (and writes, if used so).
pub unsafe fn non_null<'a, T>(p: *mut T) -> Result<&'a mut T> {
    // SAFETY: per the contract.
    unsafe { p.as_mut() }.ok_or(Error::InvalidArgument)
}
