//! `rte_mbuf.h`: packet buffers from a pktmbuf pool.
use crate::guard::{c_str, guard};
use crate::mempool::{pool, refused};
use dmadev::abi::*;
use dmadev::mempool::mbuf;
use std::ffi::{c_char, c_int, c_uint};
use std::ptr;

/// Creates a pool of `n` mbufs with `data_room_size` bytes of buffer (headroom
/// included) and a `priv_size`-byte private area each (a multiple of 8). NULL with
/// `rte_errno` set on failure.
///
/// # Safety
/// `name` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_pktmbuf_pool_create(
    name: *const c_char,
    n: c_uint,
    cache_size: c_uint,
    priv_size: u16,
    data_room_size: u16,
    socket_id: c_int,
) -> *mut rte_mempool {
    guard(ptr::null_mut(), || {
        // SAFETY: forwarded contract.
        let Some(name) = unsafe { c_str(name) }.ok().and_then(|s| s.to_str().ok()) else {
            return refused(dmadev::Error::InvalidArgument);
        };
        mbuf::pool_create(name, n, cache_size, priv_size, data_room_size, socket_id)
            .map_or_else(refused, |p| p.as_ptr())
    })
}

/// Takes `count` mbufs, reset to empty: 0, or -ENOENT and none.
///
/// # Safety
/// `pool` is a live pktmbuf pool; `mbufs` has room for `count` pointers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_pktmbuf_alloc_bulk(
    pool_: *mut rte_mempool,
    mbufs: *mut *mut rte_mbuf,
    count: c_uint,
) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        let Some(p) = (unsafe { pool(pool_) }) else {
            return -libc::EINVAL;
        };
        if mbufs.is_null() {
            return -libc::EINVAL;
        }
        // SAFETY: forwarded contract.
        let out = unsafe { std::slice::from_raw_parts_mut(mbufs, count as usize) };
        mbuf::alloc_bulk(p, out).map_or_else(|e| e.errno(), |()| 0)
    })
}

/// Takes one mbuf, reset to empty, or NULL.
///
/// # Safety
/// `pool` is a live pktmbuf pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_pktmbuf_alloc(pool_: *mut rte_mempool) -> *mut rte_mbuf {
    guard(ptr::null_mut(), || {
        let mut m = ptr::null_mut();
        // SAFETY: forwarded contract; room for one pointer.
        match unsafe { rte_pktmbuf_alloc_bulk(pool_, &mut m, 1) } {
            0 => m,
            _ => ptr::null_mut(),
        }
    })
}

/// Drops a reference to every segment of the packet; segments left without one
/// return to their pool. NULL: nothing.
///
/// # Safety
/// `m` is NULL or an mbuf the caller holds, from a live pktmbuf pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_pktmbuf_free(m: *mut rte_mbuf) {
    // SAFETY: forwarded contract.
    guard((), || unsafe { mbuf::free(m, false) })
}

/// `rte_pktmbuf_free` on each of `count` packets (NULL entries are skipped).
///
/// # Safety
/// `mbufs` holds `count` entries, each as for `rte_pktmbuf_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_pktmbuf_free_bulk(mbufs: *mut *mut rte_mbuf, count: c_uint) {
    guard((), || {
        if mbufs.is_null() {
            return;
        }
        // SAFETY: forwarded contract.
        for &m in unsafe { std::slice::from_raw_parts(mbufs, count as usize) } {
            // SAFETY: forwarded contract.
            unsafe { mbuf::free(m, false) };
        }
    })
}
