//! The EAL subset: `rte_eal.h`, `rte_errno.h`, `rte_lcore.h`, `rte_malloc.h`,
//! `rte_memory.h`, `rte_cycles.h`, `rte_version.h` and `rte_bus_vdev.h`.
use crate::guard::{c_str, guard, status};
use dmadev::abi::{RTE_MAX_LCORE, rte_iova_t};
use dmadev::eal::{self, cycles, errno, lcore, malloc, vdev};
use dmadev::{Error, Result};
use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};
use std::ptr;

/// Sets `rte_errno` from an error and returns -1 (the EAL's failure convention).
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
        let layout = eal::init_with_layout(&words)?;
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
    match guard(Err(Error::Errno(libc::EFAULT)), eal::cleanup) {
        Ok(()) => 0,
        Err(e) => fail(e),
    }
}

/// The process type: always `RTE_PROC_PRIMARY` (0).
#[unsafe(no_mangle)]
pub extern "C" fn rte_eal_process_type() -> c_int {
    eal::RTE_PROC_PRIMARY
}

/// The IOVA mode: always `RTE_IOVA_VA` (2), IO addresses are virtual addresses.
#[unsafe(no_mangle)]
pub extern "C" fn rte_eal_iova_mode() -> c_int {
    eal::RTE_IOVA_VA
}

/// The version string, "DPDK 26.11.0".
#[unsafe(no_mangle)]
pub extern "C" fn rte_version() -> *const c_char {
    const VERSION: &CStr = c"DPDK 26.11.0";
    VERSION.as_ptr()
}

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

/// Creates virtual device `name` (e.g. "dma_skeleton0") with the driver whose name
/// prefixes it. `args` ("key=value,...") may be NULL. Returns 0, -EINVAL for a
/// NULL or bad name, -EEXIST if it exists, -ENOENT if no driver matches, or the
/// driver's error.
///
/// # Safety
/// `name` and `args` are NULL or NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_vdev_init(name: *const c_char, args: *const c_char) -> c_int {
    status(|| {
        // SAFETY: forwarded contract.
        let name = unsafe { utf8(name)? };
        let args = if args.is_null() {
            ""
        } else {
            // SAFETY: forwarded contract.
            unsafe { utf8(args)? }
        };
        vdev::init(name, args)
    })
}

/// Destroys virtual device `name`. Returns 0, -EINVAL for NULL, -ENOENT if there
/// is no such device, or the driver's error (the device then stays).
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_vdev_uninit(name: *const c_char) -> c_int {
    // SAFETY: forwarded contract.
    status(|| vdev::uninit(unsafe { utf8(name)? }))
}

/// Allocates `size` bytes aligned to `align` (0 = cache line; must be a power of
/// two; at least a cache line). `type` is ignored. NULL if `size` is 0, `align` is
/// bad or memory runs out.
#[unsafe(no_mangle)]
pub extern "C" fn rte_malloc(r#type: *const c_char, size: usize, align: c_uint) -> *mut c_void {
    let _ = r#type;
    guard(ptr::null_mut(), || malloc::malloc(size, align))
}

/// As `rte_malloc`, with the memory zeroed.
#[unsafe(no_mangle)]
pub extern "C" fn rte_zmalloc(r#type: *const c_char, size: usize, align: c_uint) -> *mut c_void {
    let _ = r#type;
    guard(ptr::null_mut(), || malloc::zmalloc(size, align))
}

/// Allocates `num * size` zeroed bytes (NULL if the product overflows).
#[unsafe(no_mangle)]
pub extern "C" fn rte_calloc(
    r#type: *const c_char,
    num: usize,
    size: usize,
    align: c_uint,
) -> *mut c_void {
    let _ = r#type;
    guard(ptr::null_mut(), || malloc::calloc(num, size, align))
}

/// As `rte_malloc`; `socket` may be `SOCKET_ID_ANY` (-1) or a node id below 32
/// and is otherwise ignored (memory is not NUMA-placed).
#[unsafe(no_mangle)]
pub extern "C" fn rte_malloc_socket(
    r#type: *const c_char,
    size: usize,
    align: c_uint,
    socket: c_int,
) -> *mut c_void {
    let _ = r#type;
    guard(ptr::null_mut(), || {
        malloc::malloc_socket(size, align, socket)
    })
}

/// As `rte_zmalloc`, with a `socket` as in `rte_malloc_socket`.
#[unsafe(no_mangle)]
pub extern "C" fn rte_zmalloc_socket(
    r#type: *const c_char,
    size: usize,
    align: c_uint,
    socket: c_int,
) -> *mut c_void {
    let _ = r#type;
    guard(ptr::null_mut(), || {
        malloc::zmalloc_socket(size, align, socket)
    })
}

/// As `rte_calloc`, with a `socket` as in `rte_malloc_socket`.
#[unsafe(no_mangle)]
pub extern "C" fn rte_calloc_socket(
    r#type: *const c_char,
    num: usize,
    size: usize,
    align: c_uint,
    socket: c_int,
) -> *mut c_void {
    let _ = r#type;
    guard(ptr::null_mut(), || {
        malloc::calloc_socket(num, size, align, socket)
    })
}

/// Resizes a block from `rte_malloc` and friends, keeping its contents; NULL `ptr`
/// allocates. Returns the (possibly moved) block, or NULL with `ptr` still valid.
///
/// # Safety
/// `ptr` is NULL or a live block from these allocation functions.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_realloc(ptr: *mut c_void, size: usize, align: c_uint) -> *mut c_void {
    // SAFETY: forwarded contract.
    guard(ptr::null_mut(), || unsafe {
        malloc::realloc(ptr, size, align)
    })
}

/// As `rte_realloc`, with a `socket` as in `rte_malloc_socket`.
///
/// # Safety
/// `ptr` is NULL or a live block from these allocation functions.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_realloc_socket(
    ptr: *mut c_void,
    size: usize,
    align: c_uint,
    socket: c_int,
) -> *mut c_void {
    // SAFETY: forwarded contract.
    guard(ptr::null_mut(), || unsafe {
        malloc::realloc_socket(ptr, size, align, socket)
    })
}

/// Frees a block from `rte_malloc` and friends; NULL does nothing.
///
/// # Safety
/// `ptr` is NULL or a live block from these allocation functions.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_free(ptr: *mut c_void) {
    // SAFETY: forwarded contract.
    guard((), || unsafe { malloc::free(ptr) })
}

/// Zeroes a block, then frees it; NULL does nothing.
///
/// # Safety
/// `ptr` is NULL or a live block from these allocation functions.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_free_sensitive(ptr: *mut c_void) {
    // SAFETY: forwarded contract.
    guard((), || unsafe { malloc::free_sensitive(ptr) })
}

/// The IO address of `addr`: the address itself (IOVA as VA), `RTE_BAD_IOVA` for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn rte_malloc_virt2iova(addr: *const c_void) -> rte_iova_t {
    malloc::virt2iova(addr)
}

/// The IO address of `virt`: the address itself (IOVA as VA), `RTE_BAD_IOVA` for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn rte_mem_virt2iova(virt: *const c_void) -> rte_iova_t {
    malloc::virt2iova(virt)
}

/// Current timer value in cycles (the TSC on x86_64).
#[unsafe(no_mangle)]
pub extern "C" fn rte_get_timer_cycles() -> u64 {
    cycles::timer_cycles()
}

/// Timer cycles per second (measured once, on first use, on x86_64).
#[unsafe(no_mangle)]
pub extern "C" fn rte_get_timer_hz() -> u64 {
    guard(1_000_000_000, cycles::timer_hz)
}

/// Current TSC value (the same clock as `rte_get_timer_cycles`).
#[unsafe(no_mangle)]
pub extern "C" fn rte_get_tsc_cycles() -> u64 {
    cycles::timer_cycles()
}

/// TSC cycles per second.
#[unsafe(no_mangle)]
pub extern "C" fn rte_get_tsc_hz() -> u64 {
    guard(1_000_000_000, cycles::timer_hz)
}

/// Waits at least `us` microseconds with the registered delay function (by
/// default `rte_delay_us_block`).
#[unsafe(no_mangle)]
pub extern "C" fn rte_delay_us(us: c_uint) {
    guard((), || cycles::delay_us(us))
}

/// Waits at least `ms` milliseconds, as `rte_delay_us(ms * 1000)`.
#[unsafe(no_mangle)]
pub extern "C" fn rte_delay_ms(ms: c_uint) {
    guard((), || cycles::delay_us(ms.saturating_mul(1000)))
}

/// Spins for at least `us` microseconds.
#[unsafe(no_mangle)]
pub extern "C" fn rte_delay_us_block(us: c_uint) {
    guard((), || cycles::delay_us_block(us))
}

/// Sleeps for at least `us` microseconds, giving the CPU away.
#[unsafe(no_mangle)]
pub extern "C" fn rte_delay_us_sleep(us: c_uint) {
    guard((), || cycles::delay_us_sleep(us))
}

/// Makes `rte_delay_us` call `userfunc` instead; NULL restores the default.
#[unsafe(no_mangle)]
pub extern "C" fn rte_delay_us_callback_register(userfunc: Option<unsafe extern "C" fn(c_uint)>) {
    guard((), || cycles::set_delay_hook(userfunc))
}

/// The calling thread's lcore id, or `LCORE_ID_ANY` (UINT32_MAX) for a thread the
/// EAL did not set up.
#[unsafe(no_mangle)]
pub extern "C" fn rte_lcore_id() -> c_uint {
    guard(lcore::LCORE_ID_ANY, lcore::current_id)
}

/// Number of enabled lcores (0 before `rte_eal_init`).
#[unsafe(no_mangle)]
pub extern "C" fn rte_lcore_count() -> c_uint {
    guard(0, lcore::count)
}

/// The main lcore's id (0 before `rte_eal_init`).
#[unsafe(no_mangle)]
pub extern "C" fn rte_get_main_lcore() -> c_uint {
    guard(0, || lcore::main_lcore().unwrap_or(0))
}

/// 1 if `lcore_id` is an enabled lcore, else 0.
#[unsafe(no_mangle)]
pub extern "C" fn rte_lcore_is_enabled(lcore_id: c_uint) -> c_int {
    guard(0, || c_int::from(lcore::is_enabled(lcore_id)))
}

/// The next enabled lcore after `i` (skipping the main lcore if `skip_main`,
/// wrapping around if `wrap`), or `RTE_MAX_LCORE` if there is none.
#[unsafe(no_mangle)]
pub extern "C" fn rte_get_next_lcore(i: c_uint, skip_main: c_int, wrap: c_int) -> c_uint {
    guard(RTE_MAX_LCORE, || {
        lcore::next_lcore(i, skip_main != 0, wrap != 0)
    })
}

/// Resolves the lcore argument of `rte_lcore_index`/`rte_lcore_to_cpu_id`:
/// negative means the calling thread's.
fn lcore_arg(lcore_id: c_int) -> Option<u32> {
    match u32::try_from(lcore_id) {
        Ok(id) if id < RTE_MAX_LCORE => Some(id),
        Ok(_) => None,
        Err(_) => Some(lcore::current_id()).filter(|&id| id != lcore::LCORE_ID_ANY),
    }
}

/// The position of `lcore_id` among the enabled lcores (negative `lcore_id`: the
/// calling thread's lcore), or -1.
#[unsafe(no_mangle)]
pub extern "C" fn rte_lcore_index(lcore_id: c_int) -> c_int {
    guard(-1, || {
        lcore_arg(lcore_id)
            .and_then(lcore::index_of)
            .and_then(|i| c_int::try_from(i).ok())
            .unwrap_or(-1)
    })
}

/// The CPU `lcore_id` runs on (negative `lcore_id`: the calling thread's lcore),
/// or -1.
#[unsafe(no_mangle)]
pub extern "C" fn rte_lcore_to_cpu_id(lcore_id: c_int) -> c_int {
    guard(-1, || {
        lcore_arg(lcore_id)
            .and_then(lcore::cpu_of_lcore)
            .and_then(|c| c_int::try_from(c).ok())
            .unwrap_or(-1)
    })
}

/// The NUMA node of an lcore: always 0 (memory is not NUMA-placed).
#[unsafe(no_mangle)]
pub extern "C" fn rte_lcore_to_socket_id(lcore_id: c_uint) -> c_uint {
    let _ = lcore_id;
    0
}

/// The calling thread's NUMA node: always 0.
#[unsafe(no_mangle)]
pub extern "C" fn rte_socket_id() -> c_uint {
    0
}

/// Number of NUMA nodes seen: always 1.
#[unsafe(no_mangle)]
pub extern "C" fn rte_socket_count() -> c_uint {
    1
}

/// The id of the `idx`-th NUMA node: 0 for index 0, else -1 with `rte_errno` EINVAL.
#[unsafe(no_mangle)]
pub extern "C" fn rte_socket_id_by_idx(idx: c_uint) -> c_int {
    if idx == 0 {
        0
    } else {
        fail(Error::InvalidArgument)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            unsafe { CStr::from_ptr(rte_version()) }.to_str().unwrap(),
            "DPDK 26.11.0"
        );
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
        assert!(!p.is_null() && (p as usize) % 64 == 0);
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
