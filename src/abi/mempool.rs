//! `rte_mempool.h`: the structures DPDK's inline code and DPDK's dmadev tests read
//! (`ops_index`, the per-lcore caches' `len`), at DPDK 26.11's offsets. Fields
//! nothing here uses keep their place as reserved words.
use super::common::rte_iova_t;
use core::ffi::{c_char, c_int, c_uint, c_void};

/// Longest pool name including its NUL (`RTE_RING_NAMESIZE - sizeof("MP_") + 1`).
pub const RTE_MEMPOOL_NAMESIZE: usize = 26;
/// Longest ops name including its NUL.
pub const RTE_MEMPOOL_OPS_NAMESIZE: usize = 32;
/// Largest per-lcore cache (`rte_config.h`).
pub const RTE_MEMPOOL_CACHE_MAX_SIZE: u32 = 512;
/// Registered ops entries at most.
pub const RTE_MEMPOOL_MAX_OPS_IDX: u32 = 16;
/// Objects are not aligned on cache lines.
pub const RTE_MEMPOOL_F_NO_CACHE_ALIGN: u32 = 0x0002;
/// Single-producer put (accepted; every put is thread-safe here).
pub const RTE_MEMPOOL_F_SP_PUT: u32 = 0x0004;
/// Single-consumer get (accepted; every get is thread-safe here).
pub const RTE_MEMPOOL_F_SC_GET: u32 = 0x0008;
/// A per-lcore cache of free objects: the lcore's thread alone touches it.
#[repr(C, align(64))]
pub struct rte_mempool_cache {
    /// Objects the cache holds when full.
    pub size: u32,
    /// Kept for DPDK's ABI; a put that would pass it flushes the cache first.
    pub flushthresh: u32,
    /// Objects in the cache now.
    pub len: u32,
    pub _pad: [u32; 13],
    /// The cached objects, `objs[0..len]` (2 * `RTE_MEMPOOL_CACHE_MAX_SIZE`).
    pub objs: [*mut c_void; 1024],
}

/// A memory pool of fixed-size objects (DPDK's layout up to `mem_list`).
#[repr(C, align(64))]
pub struct rte_mempool {
    pub name: [c_char; RTE_MEMPOOL_NAMESIZE],
    /// The library's own state of the pool.
    pub pool_data: *mut c_void,
    pub pool_config: *mut c_void,
    pub mz: *const c_void,
    /// `RTE_MEMPOOL_F_*`.
    pub flags: c_uint,
    pub socket_id: c_int,
    /// Objects in the pool.
    pub size: u32,
    /// Objects each lcore's cache holds (0: no caches).
    pub cache_size: u32,
    /// Bytes of an object.
    pub elt_size: u32,
    /// Bytes before each object (its `rte_mempool_objhdr`).
    pub header_size: u32,
    /// Bytes after each object (padding).
    pub trailer_size: u32,
    /// Bytes of the pool's private area.
    pub private_data_size: c_uint,
    /// The pool's entry in the ops table (`rte_mempool_get_ops`).
    pub ops_index: i32,
    /// `RTE_MAX_LCORE` caches, right after this structure.
    pub local_cache: *mut rte_mempool_cache,
    pub populated_size: u32,
    /// DPDK's object and chunk lists (not kept here).
    pub _lists: [u64; 5],
}

/// What precedes every object (DPDK's `rte_mempool_objhdr`, without debug cookies).
#[repr(C)]
pub struct rte_mempool_objhdr {
    pub next: *mut rte_mempool_objhdr,
    /// The pool the object belongs to.
    pub mp: *mut rte_mempool,
    /// The object's IO address.
    pub iova: rte_iova_t,
}

/// How objects leave and enter a pool's common store (one entry, index 0).
#[repr(C, align(64))]
pub struct rte_mempool_ops {
    pub name: [c_char; RTE_MEMPOOL_OPS_NAMESIZE],
    pub alloc: Option<unsafe extern "C" fn(*mut rte_mempool) -> c_int>,
    pub free: Option<unsafe extern "C" fn(*mut rte_mempool)>,
    /// Puts `n` objects back in the common store.
    pub enqueue:
        Option<unsafe extern "C" fn(*mut rte_mempool, *const *mut c_void, c_uint) -> c_int>,
    /// Takes `n` objects from the common store (all or none).
    pub dequeue: Option<unsafe extern "C" fn(*mut rte_mempool, *mut *mut c_void, c_uint) -> c_int>,
    /// Objects in the common store (not in lcore caches).
    pub get_count: Option<unsafe extern "C" fn(*const rte_mempool) -> c_uint>,
    pub calc_mem_size: *const c_void,
    pub populate: *const c_void,
    pub get_info: *const c_void,
    pub dequeue_contig_blocks: *const c_void,
}

/// Called once per pool by `rte_mempool_create` before the objects.
pub type rte_mempool_ctor_t = Option<unsafe extern "C" fn(*mut rte_mempool, *mut c_void)>;
/// Called once per object by `rte_mempool_create`.
pub type rte_mempool_obj_cb_t =
    Option<unsafe extern "C" fn(*mut rte_mempool, *mut c_void, *mut c_void, c_uint)>;

#[cfg(test)]
mod layout_tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn mempool_matches_dpdk() {
        assert_eq!(offset_of!(rte_mempool, pool_data), 32);
        assert_eq!(offset_of!(rte_mempool, flags), 56);
        assert_eq!(offset_of!(rte_mempool, size), 64);
        assert_eq!(offset_of!(rte_mempool, cache_size), 68);
        assert_eq!(offset_of!(rte_mempool, elt_size), 72);
        assert_eq!(offset_of!(rte_mempool, ops_index), 88);
        assert_eq!(offset_of!(rte_mempool, local_cache), 96);
        assert_eq!(offset_of!(rte_mempool, populated_size), 104);
        assert_eq!(size_of::<rte_mempool>(), 192);
        assert_eq!(offset_of!(rte_mempool_cache, len), 8);
        assert_eq!(offset_of!(rte_mempool_cache, objs), 64);
        assert_eq!(size_of::<rte_mempool_cache>(), 64 + 8 * 1024);
        assert_eq!(size_of::<rte_mempool_objhdr>(), 24);
        assert_eq!(offset_of!(rte_mempool_ops, get_count), 64);
        assert_eq!(size_of::<rte_mempool_ops>(), 128);
    }
}
