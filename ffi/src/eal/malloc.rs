//! `rte_malloc.h` (and `rte_mem_virt2iova`): memory for DMA.
use crate::guard::guard;
use dmadev::abi::rte_iova_t;
use dmadev::eal::malloc;
use std::ffi::{c_char, c_int, c_uint, c_void};
use std::ptr;

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
    guard(malloc::RTE_BAD_IOVA, || malloc::virt2iova(addr))
}

/// The IO address of `virt`: the address itself (IOVA as VA), `RTE_BAD_IOVA` for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn rte_mem_virt2iova(virt: *const c_void) -> rte_iova_t {
    guard(malloc::RTE_BAD_IOVA, || malloc::virt2iova(virt))
}
