//! The EAL subset, one module per DPDK header: `rte_eal.h`, `rte_errno.h`,
//! `rte_lcore.h`, `rte_launch.h`, `rte_malloc.h`, `rte_memzone.h`, `rte_cycles.h` and `rte_bus_vdev.h`.
use crate::guard::c_str;
use dmadev::eal::errno;
use dmadev::{Error, Result};
use std::ffi::{c_char, c_int};

mod cycles;
mod errno_loc;
mod init;
mod launch;
mod lcore;
mod malloc;
mod memzone;
mod vdev;

fn fail(e: Error) -> c_int {
    errno::set(-e.errno());
    -1
}

/// Decodes a C string argument: NULL or non-UTF-8 gives `InvalidArgument`.
///
/// # Safety
/// A non-NULL `p` points to a NUL-terminated string.
unsafe fn utf8<'a>(p: *const c_char) -> Result<&'a str> {
    // SAFETY: forwarded contract.
    let s = unsafe { c_str(p)? };
    s.to_str().map_err(|_| Error::InvalidArgument)
}

#[cfg(test)]
mod tests {
    use super::{cycles::*, errno_loc::*, init::*, lcore::*, malloc::*, vdev::*};
    use dmadev::abi::RTE_MAX_LCORE;
    #[allow(unused_imports)]
    use dmadev::eal::{
        self, cycles as core_cycles, errno, lcore as core_lcore, malloc as core_malloc,
    };
    #[allow(unused_imports)]
    use std::ffi::{CStr, c_char, c_int, c_uint, c_void};
    #[allow(unused_imports)]
    use std::ptr;

    #[test]
    fn strings_and_errno() {
        // SAFETY: the pointer is this thread's rte_errno.
        unsafe { *__rte_errno_location() = 7 };
        assert_eq!(errno::get(), 7);
        errno::set(0);
        // SAFETY: rte_strerror returns a NUL-terminated string.
        let text = unsafe { CStr::from_ptr(rte_strerror(libc::EINVAL)) };
        assert_eq!(text.to_str().unwrap(), "Invalid argument");
        // SAFETY: static NUL-terminated string.
        let version = unsafe { CStr::from_ptr(rte_version()) };
        assert_eq!(version.to_str().unwrap(), "DPDK 26.11.0");
    }

    #[test]
    fn vdev_argument_checks() {
        // SAFETY: NULL and valid C strings only.
        unsafe {
            assert_eq!(rte_vdev_init(ptr::null(), ptr::null()), -libc::EINVAL);
            assert_eq!(rte_vdev_uninit(ptr::null()), -libc::EINVAL);
            assert_eq!(
                rte_vdev_init(c"\xff\xfe".as_ptr(), ptr::null()),
                -libc::EINVAL
            );
            assert_eq!(
                rte_vdev_init(c"no_such_driver0".as_ptr(), ptr::null()),
                -libc::ENOENT
            );
            assert_eq!(rte_vdev_uninit(c"no_such_device0".as_ptr()), -libc::ENOENT);
        }
    }

    #[test]
    fn eal_init_argument_checks() {
        // SAFETY: NULL argv / negative argc are refused before any dereference.
        unsafe {
            assert_eq!(rte_eal_init(0, ptr::null_mut()), -1);
            assert_eq!(errno::get(), libc::EINVAL);
            assert_eq!(rte_eal_init(-1, ptr::null_mut()), -1);
            let mut argv = [ptr::null_mut::<c_char>()];
            assert_eq!(rte_eal_init(1, argv.as_mut_ptr()), -1);
            assert_eq!(errno::get(), libc::EINVAL);
        }
        assert_eq!(rte_socket_id_by_idx(1), -1);
        assert_eq!(errno::get(), libc::EINVAL);
        assert_eq!(rte_socket_id_by_idx(0), 0);
    }

    #[test]
    fn malloc_through_c() {
        let p = rte_zmalloc(ptr::null(), 100, 0);
        assert!(!p.is_null() && (p as usize).is_multiple_of(64));
        assert_eq!(rte_malloc_virt2iova(p), p as u64);
        assert_eq!(rte_mem_virt2iova(ptr::null()), u64::MAX);
        assert!(rte_malloc(c"x".as_ptr(), 10, 3).is_null());
        // SAFETY: `p` is a live block, freed once; NULL is allowed.
        unsafe {
            let q = rte_realloc(p, 4096, 0);
            assert!(!q.is_null());
            rte_free(q);
            rte_free(ptr::null_mut());
        }
    }

    #[test]
    fn lcore_queries_outside_eal_threads() {
        assert_eq!(rte_lcore_id(), u32::MAX);
        assert_eq!(rte_lcore_index(-1), -1);
        assert_eq!(rte_lcore_to_cpu_id(-1), -1);
        assert_eq!(rte_lcore_index(RTE_MAX_LCORE as c_int), -1);
        assert_eq!(rte_socket_id(), 0);
        assert!(rte_get_timer_hz() > 0);
        assert!(rte_get_tsc_cycles() > 0);
    }
}
