//! `rte_eal.h`: start-up and shutdown of the EAL.
use super::fail;
use crate::guard::guard;
use dmadev::Error;
use dmadev::eal::{self};
use std::ffi::{CStr, c_char, c_int};

/// Initialises the EAL from the program's command line: parses the EAL options
/// (those before `--`), sets up the lcores (the calling thread becomes the main
/// lcore and is pinned to its CPU), and creates the `--vdev` devices.
///
/// Returns the number of arguments consumed; the application then does
/// `argc -= ret; argv += ret;` and finds its own arguments, `argv[0]` being the
/// program name again. `argv` is rearranged in place for that, as DPDK does.
/// On failure returns -1 with `rte_errno` set: EINVAL for bad arguments or `-h`,
/// EALREADY if already initialised, ENOTSUP for `--proc-type=secondary`, or the
/// error of a device that could not be created. The reason is printed to stderr.
///
/// # Safety
/// `argv` is NULL or holds `argc` pointers to NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_eal_init(argc: c_int, argv: *mut *mut c_char) -> c_int {
    let outcome = guard(Err(Error::Errno(libc::EFAULT)), || {
        let count = usize::try_from(argc).unwrap_or(0);
        if count == 0 || argv.is_null() {
            eprintln!("EAL: FATAL: rte_eal_init needs argc >= 1 and an argv array");
            return Err(Error::InvalidArgument);
        }
        // SAFETY: `argv` holds `argc` pointers (caller's contract).
        let slots = unsafe { std::slice::from_raw_parts_mut(argv, count) };
        if let Some(i) = slots.iter().position(|p| p.is_null()) {
            eprintln!("EAL: FATAL: argv[{i}] is NULL");
            return Err(Error::InvalidArgument);
        }
        // Words that are not UTF-8 become lossy copies: the parser refuses them as
        // options, and the application's own words travel by pointer, untouched.
        let words: Vec<String> = slots
            .iter()
            // SAFETY: each pointer is a NUL-terminated string (caller's contract).
            .map(|&p| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
            .collect();
        let layout = dmadev::runtime::init(&words)?;
        layout.apply(slots);
        c_int::try_from(layout.consumed).map_err(|_| Error::InvalidArgument)
    });
    outcome.unwrap_or_else(fail)
}

/// Releases what `rte_eal_init` set up: destroys the virtual devices and forgets
/// the lcores. Returns 0, or -1 with `rte_errno` EALREADY if the EAL is not
/// initialised (or was already cleaned up).
#[unsafe(no_mangle)]
pub extern "C" fn rte_eal_cleanup() -> c_int {
    match guard(Err(Error::Errno(libc::EFAULT)), dmadev::runtime::cleanup) {
        Ok(()) => 0,
        Err(e) => fail(e),
    }
}

/// Kinds of DPDK process (only primary processes exist here).
#[repr(C)]
#[allow(non_camel_case_types, dead_code)] // every value is part of the C API
pub enum rte_proc_type_t {
    RTE_PROC_AUTO = -1,
    RTE_PROC_PRIMARY = 0,
    RTE_PROC_SECONDARY = 1,
    RTE_PROC_INVALID = 2,
}

/// How IO addresses relate to memory addresses.
#[repr(C)]
#[allow(non_camel_case_types, dead_code)] // every value is part of the C API
pub enum rte_iova_mode {
    RTE_IOVA_DC = 0,
    RTE_IOVA_PA = 1,
    RTE_IOVA_VA = 2,
}

/// The process type: always `RTE_PROC_PRIMARY`.
#[unsafe(no_mangle)]
pub extern "C" fn rte_eal_process_type() -> rte_proc_type_t {
    const _: () = assert!(eal::RTE_PROC_PRIMARY == rte_proc_type_t::RTE_PROC_PRIMARY as i32);
    rte_proc_type_t::RTE_PROC_PRIMARY
}

/// The IOVA mode: always `RTE_IOVA_VA`, IO addresses are virtual addresses.
#[unsafe(no_mangle)]
pub extern "C" fn rte_eal_iova_mode() -> rte_iova_mode {
    const _: () = assert!(eal::RTE_IOVA_VA == rte_iova_mode::RTE_IOVA_VA as i32);
    rte_iova_mode::RTE_IOVA_VA
}

/// The version string, "DPDK 26.11.0".
#[unsafe(no_mangle)]
pub extern "C" fn rte_version() -> *const c_char {
    const VERSION: &CStr = c"DPDK 26.11.0";
    VERSION.as_ptr()
}

/// The calling thread's system thread id (`gettid`); DPDK's inline `rte_gettid`
/// caches it in `per_lcore__thread_id`.
#[unsafe(no_mangle)]
pub extern "C" fn rte_sys_gettid() -> c_int {
    guard(-1, || {
        // SAFETY: gettid has no memory effects.
        unsafe { libc::gettid() }
    })
}
