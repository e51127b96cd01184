//! `rte_malloc` and friends, over the C library's aligned allocator.
//!
//! DPDK's rules: size 0 gives NULL; alignment 0 means a cache line; an alignment
//! that is not a power of two gives NULL; every block is at least cache-line aligned;
//! `zmalloc`/`calloc` zero the block; freeing NULL does nothing. IOVA is the virtual
//! address. The `socket` argument is accepted for any node id in range and otherwise
//! ignored: memory is not NUMA-placed.
//!
//! All blocks come from [`super::heap`], a shared-memory heap that group members can
//! offer each other as a window.

use core::ffi::c_void;
use core::ptr;

use crate::abi::{RTE_CACHE_LINE_SIZE, rte_iova_t};

/// The IOVA of nothing (`RTE_BAD_IOVA`).
pub const RTE_BAD_IOVA: rte_iova_t = u64::MAX;
/// "Any NUMA node" (`SOCKET_ID_ANY`).
pub const SOCKET_ID_ANY: i32 = -1;
/// Node ids at or above this are refused (`RTE_MAX_NUMA_NODES`).
pub const MAX_NUMA_NODES: i32 = 32;

use super::heap;

/// The alignment to use for a requested one, or `None` if it is invalid.
fn effective_align(align: u32) -> Option<usize> {
    match align {
        0 => Some(RTE_CACHE_LINE_SIZE),
        a if a.is_power_of_two() => Some((a as usize).max(RTE_CACHE_LINE_SIZE)),
        _ => None,
    }
}

fn socket_ok(socket: i32) -> bool {
    (SOCKET_ID_ANY..MAX_NUMA_NODES).contains(&socket)
}

/// `rte_malloc_socket`: `size` bytes aligned to `align`; NULL on bad arguments or
/// when memory runs out.
pub fn malloc_socket(size: usize, align: u32, socket: i32) -> *mut c_void {
    if size == 0 || !socket_ok(socket) {
        return ptr::null_mut();
    }
    match effective_align(align) {
        Some(a) => heap::alloc(size, a),
        None => ptr::null_mut(),
    }
}

/// `rte_malloc`.
pub fn malloc(size: usize, align: u32) -> *mut c_void {
    malloc_socket(size, align, SOCKET_ID_ANY)
}

/// `rte_zmalloc_socket`: as [`malloc_socket`], zero-filled.
pub fn zmalloc_socket(size: usize, align: u32, socket: i32) -> *mut c_void {
    let p = malloc_socket(size, align, socket);
    if !p.is_null() {
        // SAFETY: `p` is a fresh block of at least `size` writable bytes.
        unsafe { ptr::write_bytes(p.cast::<u8>(), 0, size) };
    }
    p
}

/// `rte_zmalloc`.
pub fn zmalloc(size: usize, align: u32) -> *mut c_void {
    zmalloc_socket(size, align, SOCKET_ID_ANY)
}

/// `rte_calloc_socket`: `num * size` zeroed bytes; NULL if the product overflows.
pub fn calloc_socket(num: usize, size: usize, align: u32, socket: i32) -> *mut c_void {
    match num.checked_mul(size) {
        Some(total) => zmalloc_socket(total, align, socket),
        None => ptr::null_mut(),
    }
}

/// `rte_calloc`.
pub fn calloc(num: usize, size: usize, align: u32) -> *mut c_void {
    calloc_socket(num, size, align, SOCKET_ID_ANY)
}

/// `rte_realloc_socket`: resizes a block, keeping its contents up to the smaller
/// size. NULL `ptr` allocates. Returns NULL (and leaves `ptr` valid) on bad
/// arguments, size 0, or when memory runs out. The block moves when it is too small
/// or not aligned to `align`.
///
/// # Safety
/// `ptr` is null or a live block from this module.
pub unsafe fn realloc_socket(
    ptr: *mut c_void,
    size: usize,
    align: u32,
    socket: i32,
) -> *mut c_void {
    if ptr.is_null() {
        return malloc_socket(size, align, socket);
    }
    let Some(a) = effective_align(align) else {
        return ptr::null_mut();
    };
    if size == 0 || !socket_ok(socket) {
        return ptr::null_mut();
    }
    // SAFETY: `ptr` is a live block from this module (caller's contract).
    let old_size = unsafe { heap::usable_size(ptr) };
    if old_size >= size && (ptr as usize).is_multiple_of(a) {
        return ptr;
    }
    let new = heap::alloc(size, a);
    if new.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: both blocks are live, distinct, and at least `min(old_size, size)` long.
    unsafe {
        ptr::copy_nonoverlapping(ptr.cast::<u8>(), new.cast::<u8>(), old_size.min(size));
        heap::release(ptr);
    }
    new
}

/// `rte_realloc`.
///
/// # Safety
/// As [`realloc_socket`].
pub unsafe fn realloc(ptr: *mut c_void, size: usize, align: u32) -> *mut c_void {
    // SAFETY: forwarded contract.
    unsafe { realloc_socket(ptr, size, align, SOCKET_ID_ANY) }
}

/// `rte_free`: releases a block; NULL does nothing.
///
/// # Safety
/// `ptr` is null or a live block from this module, not used afterwards.
pub unsafe fn free(ptr: *mut c_void) {
    if !ptr.is_null() {
        // SAFETY: caller's contract.
        unsafe { heap::release(ptr) }
    }
}

/// `rte_free_sensitive`: zeroes the block before releasing it.
///
/// # Safety
/// As [`free`].
pub unsafe fn free_sensitive(ptr: *mut c_void) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: `ptr` is a live block (caller's contract) of `usable_size` bytes; the
    // volatile writes keep the compiler from dropping the wipe before the release.
    unsafe {
        let len = heap::usable_size(ptr);
        let bytes = ptr.cast::<u8>();
        for i in 0..len {
            ptr::write_volatile(bytes.add(i), 0);
        }
        heap::release(ptr);
    }
}

/// `rte_malloc_virt2iova` / `rte_mem_virt2iova`: the address itself (IOVA as VA),
/// or [`RTE_BAD_IOVA`] for NULL.
pub fn virt2iova(addr: *const c_void) -> rte_iova_t {
    if addr.is_null() {
        RTE_BAD_IOVA
    } else {
        addr as usize as rte_iova_t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aligned(p: *mut c_void, a: usize) -> bool {
        !p.is_null() && (p as usize).is_multiple_of(a)
    }

    #[test]
    fn alignment_rules() {
        for (align, expect) in [
            (0u32, 64usize),
            (1, 64),
            (8, 64),
            (64, 64),
            (256, 256),
            (4096, 4096),
        ] {
            let p = malloc(100, align);
            assert!(aligned(p, expect), "align {align}");
            // SAFETY: fresh block from this module.
            unsafe { free(p) };
        }
        assert!(malloc(100, 3).is_null());
        assert!(malloc(100, 48).is_null());
        assert!(zmalloc(100, 6).is_null());
        assert!(calloc(2, 8, 12).is_null());
    }

    #[test]
    fn alignments_above_a_page_are_honoured() {
        // Fresh blocks, then blocks that could come back from a free list: a freed
        // 64 KiB block aligned to a page only must not serve a 64 KiB alignment.
        for round in 0..2 {
            let mut held = Vec::new();
            for shift in [13u32, 16, 21, 24, 30] {
                for size in [100usize, 1 << shift, 3 << shift] {
                    let p = malloc(size, 1 << shift);
                    assert!(
                        aligned(p, 1 << shift),
                        "round {round} size {size} align 2^{shift}: {p:?}"
                    );
                    held.push(p);
                }
            }
            let page_only: Vec<_> = (0..8).map(|_| malloc(1 << 16, 4096)).collect();
            for p in page_only.into_iter().chain(held) {
                // SAFETY: live blocks from this module, freed once.
                unsafe { free(p) };
            }
        }
        // SAFETY: a live block, resized then freed once.
        unsafe {
            let p = malloc(16, 0);
            let r = realloc(p, 32, 1 << 16);
            assert!(aligned(r, 1 << 16), "{r:?}");
            free(r);
        }
    }

    #[test]
    fn bad_sizes_and_sockets() {
        assert!(malloc(0, 0).is_null());
        assert!(zmalloc(0, 64).is_null());
        assert!(calloc(0, 8, 0).is_null());
        assert!(calloc(usize::MAX, 2, 0).is_null());
        assert!(malloc(usize::MAX - 4096, 0).is_null());
        assert!(malloc_socket(8, 0, -2).is_null());
        assert!(malloc_socket(8, 0, MAX_NUMA_NODES).is_null());
        for socket in [SOCKET_ID_ANY, 0, 1] {
            let p = malloc_socket(8, 0, socket);
            assert!(!p.is_null());
            // SAFETY: fresh block from this module.
            unsafe { free(p) };
        }
    }

    #[test]
    fn zeroing() {
        // Dirty some memory first so a reused block would show garbage.
        let dirty = malloc(4096, 0);
        // SAFETY: fresh 4096-byte block.
        unsafe {
            ptr::write_bytes(dirty.cast::<u8>(), 0xa5, 4096);
            free(dirty);
        }
        for p in [
            zmalloc(4096, 0),
            calloc(512, 8, 0),
            zmalloc_socket(4096, 128, 0),
            calloc_socket(4, 1024, 0, 0),
        ] {
            assert!(!p.is_null());
            // SAFETY: the block has 4096 readable bytes.
            let bytes = unsafe { core::slice::from_raw_parts(p.cast::<u8>(), 4096) };
            assert!(bytes.iter().all(|&b| b == 0));
            // SAFETY: fresh block from this module.
            unsafe { free(p) };
        }
    }

    #[test]
    fn realloc_keeps_contents() {
        // SAFETY: every pointer below is a live block from this module, freed once.
        unsafe {
            let p = realloc(ptr::null_mut(), 16, 0);
            assert!(aligned(p, 64));
            for i in 0..16u8 {
                *p.cast::<u8>().add(i as usize) = i;
            }
            let q = realloc(p, 1 << 20, 0);
            assert!(aligned(q, 64));
            let moved = core::slice::from_raw_parts(q.cast::<u8>(), 16);
            assert_eq!(moved, (0..16).collect::<Vec<u8>>().as_slice());
            // Stricter alignment moves the block and keeps the data.
            let r = realloc(q, 32, 1 << 16);
            assert!(aligned(r, 1 << 16));
            assert_eq!(
                core::slice::from_raw_parts(r.cast::<u8>(), 16),
                moved_copy()
            );
            // Bad arguments return NULL and leave the block alone.
            assert!(realloc(r, 0, 0).is_null());
            assert!(realloc(r, 64, 5).is_null());
            assert!(realloc_socket(r, 64, 0, -7).is_null());
            assert_eq!(*r.cast::<u8>().add(15), 15);
            free_sensitive(r);
        }
        fn moved_copy() -> Vec<u8> {
            (0..16).collect()
        }
    }

    #[test]
    fn free_null_and_iova() {
        // SAFETY: NULL is allowed.
        unsafe {
            free(ptr::null_mut());
            free_sensitive(ptr::null_mut());
        }
        assert_eq!(virt2iova(ptr::null()), RTE_BAD_IOVA);
        let p = malloc(8, 0);
        assert_eq!(virt2iova(p), p as usize as u64);
        // SAFETY: fresh block from this module.
        unsafe { free(p) };
    }
}
