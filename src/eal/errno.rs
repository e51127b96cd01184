//! `rte_errno`: DPDK's per-thread error number.
//!
//! It is DPDK's thread-local C variable `per_lcore__rte_errno` (`per_lcore.rs`), which
//! C code compiled against DPDK's or our `rte_errno.h` reads by name.

use super::per_lcore;

/// First DPDK-specific error number (`RTE_MIN_ERRNO`, above the system's).
pub const RTE_MIN_ERRNO: i32 = 1000;
/// "Operation not allowed in secondary processes" (`E_RTE_SECONDARY`).
pub const E_RTE_SECONDARY: i32 = 1001;
/// "Missing rte_config" (`E_RTE_NO_CONFIG`).
pub const E_RTE_NO_CONFIG: i32 = 1002;

/// The calling thread's `rte_errno`.
pub fn get() -> i32 {
    per_lcore::rte_errno::get()
}

/// Sets the calling thread's `rte_errno` (a positive errno value, or 0).
pub fn set(value: i32) {
    per_lcore::rte_errno::set(value);
}

/// Address of the calling thread's `rte_errno`; valid until the thread exits and
/// only to be used from that thread.
pub fn location() -> *mut i32 {
    per_lcore::rte_errno::addr()
}

/// The text for an error number: DPDK's own for its codes, the C library's otherwise.
pub fn strerror(errnum: i32) -> String {
    match errnum {
        E_RTE_SECONDARY => return "Invalid call in secondary process".to_string(),
        E_RTE_NO_CONFIG => return "Missing rte_config structure".to_string(),
        _ => {}
    }
    let mut buf = [0 as libc::c_char; 256];
    // SAFETY: `buf` is writable for its whole length, which is what we pass; the
    // XSI strerror_r NUL-terminates within it on success.
    let rc = unsafe { libc::strerror_r(errnum, buf.as_mut_ptr(), buf.len()) };
    if rc != 0 {
        return format!("Unknown error {errnum}");
    }
    // SAFETY: on success the buffer holds a NUL-terminated string.
    let text = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    text.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_thread_value() {
        set(libc::EINVAL);
        assert_eq!(get(), libc::EINVAL);
        // SAFETY: the pointer is this thread's, used on this thread.
        unsafe { *location() = libc::ENOMEM };
        assert_eq!(get(), libc::ENOMEM);
        std::thread::spawn(|| assert_eq!(get(), 0)).join().unwrap();
        assert_eq!(get(), libc::ENOMEM);
        set(0);
    }

    #[test]
    fn messages() {
        assert_eq!(strerror(libc::EINVAL), "Invalid argument");
        assert_eq!(
            strerror(E_RTE_SECONDARY),
            "Invalid call in secondary process"
        );
        assert!(!strerror(999_999).is_empty());
    }
}
