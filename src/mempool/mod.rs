//! DPDK's mempool (`rte_mempool_*`) and packet buffers (`rte_pktmbuf_*`, in [`mbuf`]).
//!
//! A pool's objects sit in one `rte_malloc` block, so they lie in the shared heap and
//! are valid in inter-domain windows. Free objects wait in a common store (a stack of
//! addresses behind a mutex: the slow path) and in per-lcore caches (DPDK's
//! `rte_mempool_cache`, read by DPDK's tests): an lcore's thread alone touches its
//! cache, so the fast path takes no lock. Threads without an lcore id use the store.
pub mod mbuf;

use crate::abi::*;
use crate::eal::{lcore, malloc};
use crate::{Error, Result};
use core::ffi::{c_char, c_void};
use core::ptr::NonNull;
use std::sync::{Mutex, MutexGuard};

/// Flags `rte_mempool_create` accepts (DPDK's `RTE_MEMPOOL_VALID_USER_FLAGS`).
pub const VALID_USER_FLAGS: u32 = 0x0001 | 0x0002 | 0x0004 | 0x0008 | 0x0010 | 0x0020;

/// What `rte_mempool_create` is asked for.
#[derive(Clone, Copy, Debug)]
pub struct PoolSpec<'a> {
    pub name: &'a str,
    pub n: u32,
    pub elt_size: u32,
    pub cache_size: u32,
    pub private_data_size: u32,
    pub socket_id: i32,
    pub flags: u32,
    /// The objects are `rte_mbuf`s (`rte_pktmbuf_pool_create`): freeing one goes by
    /// its reference count.
    pub mbufs: bool,
}

/// The library's side of a pool (`pool_data`): where the objects are and which are free.
struct Store {
    /// Free objects not in any cache, as addresses.
    free: Mutex<Vec<usize>>,
    /// The `rte_malloc` block holding every object.
    block: usize,
    /// Address of object 0 and the distance between two objects.
    first: usize,
    stride: usize,
    count: usize,
    mbufs: bool,
}

impl Store {
    fn free(&self) -> MutexGuard<'_, Vec<usize>> {
        self.free.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Every live pool, by address, for names and lookups.
static POOLS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

fn pools() -> MutexGuard<'static, Vec<usize>> {
    POOLS.lock().unwrap_or_else(|p| p.into_inner())
}

/// A pool of `POOLS`.
fn registered(p: usize) -> Pool {
    // SAFETY: entries of POOLS are live pools (`free` removes one before freeing it).
    Pool(unsafe { NonNull::new_unchecked(p as *mut rte_mempool) })
}

fn round_up(v: usize, to: usize) -> usize {
    v.div_ceil(to) * to
}

/// A pool made by [`create`] and not freed yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool(NonNull<rte_mempool>);

// SAFETY: a pool's shared state is behind the store's mutex; the per-lcore caches are
// touched only by their lcore's thread (DPDK's rule, the contract of `Pool::from_c`).
unsafe impl Send for Pool {}
// SAFETY: as for `Send`.
unsafe impl Sync for Pool {}

impl Pool {
    /// # Safety
    /// `mp` was returned by [`create`] and is not freed while the `Pool` is used, and
    /// no two threads use the same lcore id (DPDK's rule for the per-lcore caches).
    pub unsafe fn from_c(mp: NonNull<rte_mempool>) -> Pool {
        Pool(mp)
    }

    pub fn as_ptr(self) -> *mut rte_mempool {
        self.0.as_ptr()
    }

    fn c(&self) -> &rte_mempool {
        // SAFETY: live pool (`from_c`'s contract); its C fields change only in `create`.
        unsafe { self.0.as_ref() }
    }

    fn store(&self) -> &Store {
        // SAFETY: `pool_data` is the `Store` that `create` leaked, freed only by `free`.
        unsafe { &*(self.c().pool_data as *const Store) }
    }

    /// The calling lcore's cache, if the pool has caches and the thread an lcore id.
    #[allow(clippy::mut_from_ref)]
    fn cache(&self) -> Option<&mut rte_mempool_cache> {
        let id = lcore::current_id();
        if self.c().cache_size == 0 || id >= RTE_MAX_LCORE {
            return None;
        }
        // SAFETY: `local_cache` holds RTE_MAX_LCORE caches; only this lcore's thread
        // touches entry `id` (`from_c`'s contract), so this is the only reference.
        Some(unsafe { &mut *self.c().local_cache.add(id as usize) })
    }

    /// Objects the pool was made with.
    pub fn size(&self) -> u32 {
        self.c().size
    }

    /// Objects in the common store (DPDK's ops `get_count`).
    pub fn common_count(&self) -> u32 {
        self.store().free().len() as u32
    }

    /// Objects free in the store and in every cache (`rte_mempool_avail_count`).
    pub fn avail_count(&self) -> u32 {
        let cached: u32 = if self.c().cache_size == 0 {
            0
        } else {
            (0..RTE_MAX_LCORE as usize)
                // SAFETY: in range; a racy read of another lcore's `len`, as DPDK's.
                .map(|i| unsafe { (*self.c().local_cache.add(i)).len })
                .sum()
        };
        (self.common_count() + cached).min(self.c().size)
    }

    /// Takes `objs.len()` objects from the common store: all of them or none.
    pub fn dequeue(&self, objs: &mut [*mut c_void]) -> Result<()> {
        let mut free = self.store().free();
        if free.len() < objs.len() {
            return Err(Error::NotFound);
        }
        let from = free.len() - objs.len();
        for (o, a) in objs.iter_mut().zip(free.drain(from..)) {
            *o = a as *mut c_void;
        }
        Ok(())
    }

    /// Puts objects back in the common store; addresses that are not one of the
    /// pool's free-able objects (outside it, misaligned, or more than it holds) are
    /// dropped, so the store never holds a foreign or duplicate-beyond-size address.
    pub fn enqueue(&self, objs: &[*mut c_void]) {
        let store = self.store();
        let mut free = store.free();
        for &o in objs {
            if self.index_of(o as usize).is_some() && free.len() < store.count {
                free.push(o as usize);
            }
        }
    }

    /// `rte_mempool_get_bulk` (DPDK's order): the caller's cache first; what it lacks
    /// comes from the store, through the cache (refilled by half its size) when that
    /// is enough, else straight. All of `objs` or nothing.
    pub fn get_bulk(&self, objs: &mut [*mut c_void]) -> Result<()> {
        let n = objs.len();
        let Some(cache) = self.cache() else {
            return self.dequeue(objs);
        };
        let (len, half) = (cache.len as usize, cache.size as usize / 2);
        if n > len {
            let remaining = n - len;
            if remaining <= half && self.dequeue(&mut cache.objs[len..len + half]).is_ok() {
                cache.len = (len + half) as u32;
            } else {
                self.dequeue(&mut objs[..remaining])?;
                objs[remaining..].copy_from_slice(&cache.objs[..len]);
                cache.len = 0;
                return Ok(());
            }
        }
        let top = cache.len as usize;
        objs.copy_from_slice(&cache.objs[top - n..top]);
        cache.len = (top - n) as u32;
        Ok(())
    }

    /// `rte_mempool_put_bulk`: into the caller's cache (flushed to the store when it
    /// would overflow), else into the store.
    pub fn put_bulk(&self, objs: &[*mut c_void]) {
        let Some(cache) = self.cache() else {
            return self.enqueue(objs);
        };
        let size = cache.size as usize;
        if objs.len() > size {
            return self.enqueue(objs);
        }
        if cache.len as usize + objs.len() > size {
            self.enqueue(&cache.objs[..cache.len as usize]);
            cache.len = 0;
        }
        let len = cache.len as usize;
        cache.objs[len..len + objs.len()].copy_from_slice(objs);
        cache.len = (len + objs.len()) as u32;
    }

    /// The index of the object at `addr` (its first byte), if it is one.
    fn index_of(&self, addr: usize) -> Option<usize> {
        let s = self.store();
        let off = addr.checked_sub(s.first)?;
        (off % s.stride == 0 && off / s.stride < s.count).then_some(off / s.stride)
    }

    /// Whether the objects are `rte_mbuf`s.
    pub fn holds_mbufs(&self) -> bool {
        self.store().mbufs
    }

    /// The object whose bytes contain `addr`, if any.
    pub fn object_containing(&self, addr: u64) -> Option<*mut c_void> {
        let s = self.store();
        let off = usize::try_from(addr).ok()?.checked_sub(s.first)?;
        let i = off / s.stride;
        (i < s.count && off % s.stride < self.c().elt_size as usize)
            .then(|| (s.first + i * s.stride) as *mut c_void)
    }

    /// Every object's address, in order.
    pub fn objects(&self) -> impl Iterator<Item = *mut c_void> + use<> {
        let s = self.store();
        let (first, stride) = (s.first, s.stride);
        (0..s.count).map(move |i| (first + i * stride) as *mut c_void)
    }

    /// The pool's private area (after the caches, as in DPDK).
    pub fn private_area(&self) -> *mut c_void {
        let caches = if self.c().cache_size == 0 {
            0
        } else {
            RTE_MAX_LCORE as usize * size_of::<rte_mempool_cache>()
        };
        (self.0.as_ptr() as usize + size_of::<rte_mempool>() + caches) as *mut c_void
    }

    pub fn name(&self) -> String {
        let n = &self.c().name;
        let bytes: Vec<u8> = n
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// `rte_mempool_create_empty` + populate: a pool of `n` zeroed objects, all free in
/// the store. Errors as DPDK's (`rte_errno`): `EINVAL` for a bad count, cache size
/// or flag, `ENAMETOOLONG`, `EEXIST` for a name in use, `ENOMEM`.
pub fn create(spec: &PoolSpec<'_>) -> Result<Pool> {
    if spec.n == 0
        || spec.cache_size > RTE_MEMPOOL_CACHE_MAX_SIZE
        || spec.cache_size > spec.n
        || spec.flags & !VALID_USER_FLAGS != 0
        || spec.elt_size == 0
    {
        return Err(Error::InvalidArgument);
    }
    if spec.name.len() >= RTE_MEMPOOL_NAMESIZE {
        return Err(Error::Errno(libc::ENAMETOOLONG));
    }
    let mut all = pools();
    if all.iter().any(|&p| registered(p).name() == spec.name) {
        return Err(Error::Exists);
    }
    let align = if spec.flags & RTE_MEMPOOL_F_NO_CACHE_ALIGN != 0 {
        8
    } else {
        RTE_CACHE_LINE_SIZE
    };
    let header = round_up(size_of::<rte_mempool_objhdr>(), align);
    let elt = round_up(spec.elt_size as usize, 8);
    let stride = round_up(header + elt, align);
    let count = spec.n as usize;
    let caches = if spec.cache_size == 0 {
        0
    } else {
        RTE_MAX_LCORE as usize * size_of::<rte_mempool_cache>()
    };
    let priv_size = round_up(spec.private_data_size as usize, RTE_CACHE_LINE_SIZE);
    let head_size = size_of::<rte_mempool>() + caches + priv_size;
    let total = stride.checked_mul(count).ok_or(Error::NoMemory)?;

    let head = malloc::zmalloc_socket(head_size, RTE_CACHE_LINE_SIZE as u32, spec.socket_id);
    let Some(mp) = NonNull::new(head.cast::<rte_mempool>()) else {
        return Err(Error::NoMemory);
    };
    let block = malloc::zmalloc_socket(total, RTE_CACHE_LINE_SIZE as u32, spec.socket_id);
    if block.is_null() {
        // SAFETY: `head` came from `zmalloc_socket` and nothing else holds it.
        unsafe { malloc::free(head) };
        return Err(Error::NoMemory);
    }
    let first = block as usize + header;
    let store = Box::new(Store {
        free: Mutex::new((0..count).rev().map(|i| first + i * stride).collect()),
        block: block as usize,
        first,
        stride,
        count,
        mbufs: spec.mbufs,
    });
    // SAFETY: `head` is a fresh zeroed block big enough for the pool, its caches and
    // private area, aligned to a cache line; nothing else refers to it yet.
    let c = unsafe { &mut *mp.as_ptr() };
    for (d, s) in c.name.iter_mut().zip(spec.name.bytes()) {
        *d = s as c_char;
    }
    c.pool_data = Box::into_raw(store).cast();
    c.flags = spec.flags;
    c.socket_id = spec.socket_id;
    c.size = spec.n;
    c.cache_size = spec.cache_size;
    c.elt_size = elt as u32;
    c.header_size = header as u32;
    c.trailer_size = (stride - header - elt) as u32;
    c.private_data_size = priv_size as u32;
    c.ops_index = 0;
    c.populated_size = spec.n;
    c.local_cache = (head as usize + size_of::<rte_mempool>()) as *mut rte_mempool_cache;
    for i in 0..if caches == 0 {
        0
    } else {
        RTE_MAX_LCORE as usize
    } {
        // SAFETY: cache `i` lies in the block just allocated (`caches` bytes).
        let cache = unsafe { &mut *c.local_cache.add(i) };
        cache.size = spec.cache_size;
        cache.flushthresh = spec.cache_size;
    }
    if caches == 0 {
        c.local_cache = core::ptr::null_mut();
    }
    let pool = Pool(mp);
    for obj in pool.objects() {
        // SAFETY: each object is preceded by `header` >= 24 bytes of its block.
        let hdr = unsafe {
            &mut *((obj as usize - size_of::<rte_mempool_objhdr>()) as *mut rte_mempool_objhdr)
        };
        hdr.mp = mp.as_ptr();
        hdr.iova = malloc::virt2iova(obj);
    }
    all.push(mp.as_ptr() as usize);
    Ok(pool)
}

/// The pool at `mp`, if it is a live pool of ours.
pub fn registered_at(mp: *const rte_mempool) -> Option<Pool> {
    pools()
        .iter()
        .find(|&&p| p == mp as usize)
        .map(|&p| registered(p))
}

/// `rte_mempool_lookup`.
pub fn lookup(name: &str) -> Option<Pool> {
    pools()
        .iter()
        .map(|&p| registered(p))
        .find(|p| p.name() == name)
}

/// `rte_mempool_free`: forgets the pool and frees its memory. A pool not made by
/// [`create`] (or already freed) is left alone.
///
/// # Safety
/// No object of the pool and no `Pool` of it is used afterwards.
pub unsafe fn free(mp: NonNull<rte_mempool>) {
    let mut all = pools();
    let Some(i) = all.iter().position(|&p| p == mp.as_ptr() as usize) else {
        return;
    };
    all.swap_remove(i);
    // SAFETY: a live pool (it was in POOLS); `pool_data` is the leaked `Store`.
    unsafe {
        let store = Box::from_raw((*mp.as_ptr()).pool_data as *mut Store);
        malloc::free(store.block as *mut c_void);
        malloc::free(mp.as_ptr().cast());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, n: u32, cache: u32) -> PoolSpec<'_> {
        PoolSpec {
            name,
            n,
            elt_size: 100,
            cache_size: cache,
            private_data_size: 0,
            socket_id: -1,
            flags: 0,
            mbufs: false,
        }
    }

    #[test]
    fn refuses_dpdks_bad_arguments() {
        assert_eq!(
            create(&spec("t0", 0, 0)).unwrap_err(),
            Error::InvalidArgument
        );
        assert_eq!(
            create(&spec("t0", 8, 9)).unwrap_err(),
            Error::InvalidArgument
        );
        assert_eq!(
            create(&spec("t0", 1024, 513)).unwrap_err(),
            Error::InvalidArgument
        );
        assert_eq!(
            create(&spec("a-name-of-26-characters-xx", 8, 0)).unwrap_err(),
            Error::Errno(libc::ENAMETOOLONG)
        );
        let p = create(&spec("dup", 8, 0)).unwrap();
        assert_eq!(create(&spec("dup", 8, 0)).unwrap_err(), Error::Exists);
        // SAFETY: nothing uses the pool afterwards.
        unsafe { free(NonNull::new(p.as_ptr()).unwrap()) };
        assert!(lookup("dup").is_none());
    }

    #[test]
    fn objects_cycle_through_cache_and_store_without_loss() {
        let p = create(&spec("cyc", 64, 8)).unwrap();
        lcore::set_current_id(3);
        let mut got = [core::ptr::null_mut(); 64];
        p.get_bulk(&mut got[..5]).unwrap();
        assert_eq!(p.common_count(), 64 - 5 - p.cache().unwrap().len);
        p.get_bulk(&mut got[5..]).unwrap();
        let mut extra = [core::ptr::null_mut(); 1];
        assert_eq!(p.get_bulk(&mut extra).unwrap_err(), Error::NotFound);
        let mut sorted: Vec<usize> = got.iter().map(|&o| o as usize).collect();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 64, "every object handed out once");
        assert!(
            sorted
                .iter()
                .all(|&a| p.index_of(a).is_some() && a % 64 == 0)
        );
        for chunk in got.chunks(3) {
            p.put_bulk(chunk);
        }
        assert_eq!(p.avail_count(), 64);
        assert_eq!(p.object_containing(got[0] as u64 + 103), Some(got[0]));
        assert_eq!(p.object_containing(got[0] as u64 + 104), None);
        p.enqueue(&[16usize as *mut c_void]);
        assert_eq!(p.avail_count(), 64, "a foreign address is not taken");
        lcore::set_current_id(u32::MAX);
        // SAFETY: nothing uses the pool afterwards.
        unsafe { free(NonNull::new(p.as_ptr()).unwrap()) };
    }
}
