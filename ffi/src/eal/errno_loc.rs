//! `rte_errno.h`: the per-thread EAL error number.
use crate::guard::guard;
use dmadev::eal::errno;
use std::cell::RefCell;
use std::ffi::{CString, c_char, c_int};
use std::ptr;

/// Address of the calling thread's `rte_errno` (the header defines
/// `rte_errno` as `(*__rte_errno_location())`).
#[unsafe(no_mangle)]
pub extern "C" fn __rte_errno_location() -> *mut c_int {
    guard(ptr::null_mut(), errno::location)
}

/// Text describing an error number (DPDK's own codes included). The string lives
/// in thread-local storage until the thread's next call.
#[unsafe(no_mangle)]
pub extern "C" fn rte_strerror(errnum: c_int) -> *const c_char {
    thread_local! {
        static BUF: RefCell<CString> = RefCell::new(CString::default());
    }
    guard(c"Unknown error".as_ptr(), || {
        let text = CString::new(errno::strerror(errnum)).unwrap_or_default();
        BUF.with(|b| {
            *b.borrow_mut() = text;
            b.borrow().as_ptr()
        })
    })
}
