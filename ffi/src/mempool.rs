//! `rte_mempool.h`: pools of fixed-size objects with per-lcore caches.
use crate::guard::{c_str, guard};
use dmadev::abi::*;
use dmadev::eal::errno;
use dmadev::mempool::{self, Pool, PoolSpec};
use std::ffi::{c_char, c_int, c_uint, c_void};
use std::ptr::{self, NonNull};

/// The pool behind a C pointer, if it is one.
///
/// # Safety
/// `mp` is NULL or a pool returned by `rte_mempool_create`/`rte_pktmbuf_pool_create`
/// and not freed.
pub(crate) unsafe fn pool(mp: *const rte_mempool) -> Option<Pool> {
    // SAFETY: forwarded contract.
    NonNull::new(mp.cast_mut()).map(|p| unsafe { Pool::from_c(p) })
}

/// Sets `rte_errno` from a refusal and returns NULL.
pub(crate) fn refused(e: dmadev::Error) -> *mut rte_mempool {
    errno::set(-e.errno());
    ptr::null_mut()
}

unsafe extern "C" fn ops_enqueue(
    mp: *mut rte_mempool,
    objs: *const *mut c_void,
    n: c_uint,
) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: DPDK's ops contract: a live pool and `n` objects.
        match unsafe { (pool(mp), objs.as_ref()) } {
            (Some(p), Some(_)) => {
                // SAFETY: as above.
                p.enqueue(unsafe { std::slice::from_raw_parts(objs, n as usize) });
                0
            }
            _ => -libc::EINVAL,
        }
    })
}

unsafe extern "C" fn ops_dequeue(mp: *mut rte_mempool, objs: *mut *mut c_void, n: c_uint) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: DPDK's ops contract: a live pool and room for `n` objects.
        match unsafe { (pool(mp), objs.as_mut()) } {
            (Some(p), Some(_)) => {
                // SAFETY: as above.
                let out = unsafe { std::slice::from_raw_parts_mut(objs, n as usize) };
                match p.dequeue(out) {
                    Ok(()) => 0,
                    Err(e) => e.errno(),
                }
            }
            _ => -libc::EINVAL,
        }
    })
}

unsafe extern "C" fn ops_get_count(mp: *const rte_mempool) -> c_uint {
    // SAFETY: DPDK's ops contract: a live pool.
    guard(0, || unsafe { pool(mp) }.map_or(0, |p| p.common_count()))
}

/// The one ops entry (index 0): the library's common store.
struct OpsTable(rte_mempool_ops);
// SAFETY: immutable after compilation; the raw pointers in it are all NULL.
unsafe impl Sync for OpsTable {}

static OPS: OpsTable = OpsTable(rte_mempool_ops {
    name: {
        let mut n = [0 as c_char; RTE_MEMPOOL_OPS_NAMESIZE];
        let s = b"ring_mp_mc";
        let mut i = 0;
        while i < s.len() {
            n[i] = s[i] as c_char;
            i += 1;
        }
        n
    },
    alloc: None,
    free: None,
    enqueue: Some(ops_enqueue),
    dequeue: Some(ops_dequeue),
    get_count: Some(ops_get_count),
    calc_mem_size: ptr::null(),
    populate: ptr::null(),
    get_info: ptr::null(),
    dequeue_contig_blocks: ptr::null(),
});

/// The ops of a pool's `ops_index` (only index 0 exists), or NULL.
#[unsafe(no_mangle)]
pub extern "C" fn rte_mempool_get_ops(ops_index: c_int) -> *mut rte_mempool_ops {
    guard(ptr::null_mut(), || {
        if ops_index == 0 {
            (&raw const OPS.0).cast_mut()
        } else {
            ptr::null_mut()
        }
    })
}

/// Creates a pool of `n` objects of `elt_size` bytes in `rte_malloc` memory, with
/// per-lcore caches of `cache_size` objects; calls `mp_init` once and `obj_init` for
/// each object. NULL with `rte_errno` set (`EINVAL`, `EEXIST`, `ENAMETOOLONG`,
/// `ENOMEM`) on failure.
///
/// # Safety
/// `name` is a NUL-terminated string; the callbacks, if given, are valid functions.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn rte_mempool_create(
    name: *const c_char,
    n: c_uint,
    elt_size: c_uint,
    cache_size: c_uint,
    private_data_size: c_uint,
    mp_init: rte_mempool_ctor_t,
    mp_init_arg: *mut c_void,
    obj_init: rte_mempool_obj_cb_t,
    obj_init_arg: *mut c_void,
    socket_id: c_int,
    flags: c_uint,
) -> *mut rte_mempool {
    guard(ptr::null_mut(), || {
        // SAFETY: forwarded contract.
        let Some(name) = unsafe { c_str(name) }.ok().and_then(|s| s.to_str().ok()) else {
            return refused(dmadev::Error::InvalidArgument);
        };
        let spec = PoolSpec {
            name,
            n,
            elt_size,
            cache_size,
            private_data_size,
            socket_id,
            flags,
            mbufs: false,
        };
        let p = match mempool::create(&spec) {
            Ok(p) => p,
            Err(e) => return refused(e),
        };
        if let Some(init) = mp_init {
            // SAFETY: the caller's callback, on the fresh pool.
            unsafe { init(p.as_ptr(), mp_init_arg) };
        }
        if let Some(init) = obj_init {
            for (i, obj) in p.objects().enumerate() {
                // SAFETY: the caller's callback, on each object of the fresh pool.
                unsafe { init(p.as_ptr(), obj_init_arg, obj, i as c_uint) };
            }
        }
        p.as_ptr()
    })
}

/// Frees a pool and its objects (NULL: nothing).
///
/// # Safety
/// `mp` is NULL or a live pool none of whose objects is used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_mempool_free(mp: *mut rte_mempool) {
    guard((), || {
        if let Some(p) = NonNull::new(mp) {
            // SAFETY: forwarded contract.
            unsafe { mempool::free(p) }
        }
    })
}

/// The pool called `name`, or NULL with `rte_errno` `ENOENT`.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_mempool_lookup(name: *const c_char) -> *mut rte_mempool {
    guard(ptr::null_mut(), || {
        // SAFETY: forwarded contract.
        let found = unsafe { c_str(name) }
            .ok()
            .and_then(|s| s.to_str().ok())
            .and_then(mempool::lookup);
        found.map_or_else(|| refused(dmadev::Error::NotFound), |p| p.as_ptr())
    })
}

/// Takes `n` objects (the calling lcore's cache first): 0, or -ENOENT and nothing.
///
/// # Safety
/// `mp` is a live pool; `obj_table` has room for `n` pointers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_mempool_get_bulk(
    mp: *mut rte_mempool,
    obj_table: *mut *mut c_void,
    n: c_uint,
) -> c_int {
    guard(-libc::EINVAL, || {
        // SAFETY: forwarded contract.
        let Some(p) = (unsafe { pool(mp) }) else {
            return -libc::EINVAL;
        };
        if obj_table.is_null() {
            return -libc::EINVAL;
        }
        // SAFETY: forwarded contract.
        let objs = unsafe { std::slice::from_raw_parts_mut(obj_table, n as usize) };
        p.get_bulk(objs).map_or_else(|e| e.errno(), |()| 0)
    })
}

/// Takes one object: 0, or -ENOENT.
///
/// # Safety
/// As `rte_mempool_get_bulk` with `n` = 1.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_mempool_get(mp: *mut rte_mempool, obj: *mut *mut c_void) -> c_int {
    // SAFETY: forwarded contract.
    guard(-libc::EINVAL, || unsafe {
        rte_mempool_get_bulk(mp, obj, 1)
    })
}

/// Returns `n` objects to their pool (the calling lcore's cache first).
///
/// # Safety
/// `mp` is a live pool; `obj_table` holds `n` objects taken from it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_mempool_put_bulk(
    mp: *mut rte_mempool,
    obj_table: *const *mut c_void,
    n: c_uint,
) {
    guard((), || {
        // SAFETY: forwarded contract.
        if let (Some(p), false) = (unsafe { pool(mp) }, obj_table.is_null()) {
            // SAFETY: forwarded contract.
            p.put_bulk(unsafe { std::slice::from_raw_parts(obj_table, n as usize) });
        }
    })
}

/// Returns one object.
///
/// # Safety
/// As `rte_mempool_put_bulk` with `n` = 1.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_mempool_put(mp: *mut rte_mempool, obj: *mut c_void) {
    // SAFETY: forwarded contract.
    guard((), || unsafe { rte_mempool_put_bulk(mp, &obj, 1) })
}

/// Free objects in the pool (its store and every lcore cache).
///
/// # Safety
/// `mp` is a live pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_mempool_avail_count(mp: *const rte_mempool) -> c_uint {
    // SAFETY: forwarded contract.
    guard(0, || unsafe { pool(mp) }.map_or(0, |p| p.avail_count()))
}

/// Objects taken from the pool.
///
/// # Safety
/// `mp` is a live pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_mempool_in_use_count(mp: *const rte_mempool) -> c_uint {
    guard(0, || {
        // SAFETY: forwarded contract.
        unsafe { pool(mp) }.map_or(0, |p| p.size() - p.avail_count())
    })
}
