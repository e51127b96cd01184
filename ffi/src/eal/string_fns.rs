//! `rte_string_fns.h`: DPDK's string helpers (`rte_strlcpy` and `rte_strlcat` are
//! inline in the header).
use crate::guard::guard;
use dmadev::eal::strings;
use std::ffi::{c_char, c_int};

/// Splits `string` (at most `stringlen` bytes, or up to its NUL) in place at each
/// `delim`, storing up to `maxtokens` token pointers in `tokens`; returns how many,
/// or -1 with `errno` `EINVAL` if `string` or `tokens` is NULL.
///
/// # Safety
/// `string` has `stringlen` readable and writable bytes or a NUL before them;
/// `tokens` has room for `maxtokens` pointers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_strsplit(
    string: *mut c_char,
    stringlen: c_int,
    tokens: *mut *mut c_char,
    maxtokens: c_int,
    delim: c_char,
) -> c_int {
    guard(-1, || {
        if string.is_null() || tokens.is_null() {
            // SAFETY: the C library's errno of this thread.
            unsafe { *libc::__errno_location() = libc::EINVAL };
            return -1;
        }
        // Only up to the first NUL is ever read or written, as in DPDK.
        // SAFETY: forwarded contract (the bytes up to `stringlen` or the NUL).
        let len = (0..stringlen.max(0) as usize)
            .find(|&i| unsafe { *string.add(i) } == 0)
            .unwrap_or(stringlen.max(0) as usize);
        // SAFETY: `len` bytes are readable and writable (forwarded contract).
        let bytes = unsafe { std::slice::from_raw_parts_mut(string.cast::<u8>(), len) };
        let max = maxtokens.max(0) as usize;
        let mut n = 0;
        strings::split_in_place(bytes, max, delim as u8, |at| {
            // SAFETY: fewer than `maxtokens` tokens so far; `at` is within `string`.
            unsafe { *tokens.add(n) = string.add(at) };
            n += 1;
        }) as c_int
    })
}
