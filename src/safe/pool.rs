//! Pools of equal DMA buffers (`rte_mempool`), the kind a memory-to-device vchan
//! frees its sources back to by itself (`RTE_DMA_CAPA_M2D_AUTO_FREE`).
use super::Eal;
use crate::abi::rte_iova_t;
use crate::eal::malloc;
use crate::mempool::{self, Pool, PoolSpec};
use crate::{Error, Result};
use core::ffi::c_void;
use core::marker::PhantomData;
use core::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The pool itself, freed when the last of its [`DmaPool`], [`PoolBuf`]s and the
/// vchan setups that name it is gone.
pub(super) struct PoolInner {
    pool: Pool,
    elt_size: u32,
}

impl PoolInner {
    pub(super) fn as_ptr(&self) -> NonNull<crate::abi::rte_mempool> {
        // SAFETY: a pool `mempool::create` returned is never NULL.
        unsafe { NonNull::new_unchecked(self.pool.as_ptr()) }
    }
}

impl core::fmt::Debug for PoolInner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "DmaPool({})", self.pool.name())
    }
}

impl Drop for PoolInner {
    fn drop(&mut self) {
        // SAFETY: the pool we created; nothing refers to it any more (every holder
        // keeps this value alive).
        unsafe { mempool::free(self.as_ptr()) };
    }
}

/// A pool of `n` buffers of `elt_size` bytes each, in the library's heap. Its
/// buffers ([`PoolBuf`]) go back to it when dropped, or, moved into
/// [`DevVchan::copy_to_dev_auto_free`](super::DevVchan::copy_to_dev_auto_free), the
/// device puts them back once copied.
///
/// ```
/// use dmadev::safe::*;
/// let eal = Eal::builder().init()?;
/// let pool = DmaPool::new(&eal, 4, 2048)?;
/// let buf = pool.get()?;
/// assert_eq!((buf.len(), pool.available()), (2048, 3));
/// drop(buf);
/// assert_eq!(pool.available(), 4);
/// # Ok::<(), dmadev::Error>(())
/// ```
pub struct DmaPool<'e> {
    inner: Arc<PoolInner>,
    _eal: PhantomData<&'e Eal>,
}

/// Names of our pools: mempool names are unique.
static NEXT: AtomicU32 = AtomicU32::new(0);

impl<'e> DmaPool<'e> {
    /// A pool of `n` zeroed buffers of `elt_size` bytes; errors as
    /// `rte_mempool_create` (`InvalidArgument` for 0, `NoMemory`).
    pub fn new(_eal: &'e Eal, n: u32, elt_size: u32) -> Result<DmaPool<'e>> {
        let name = format!("safe_dma_pool_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let pool = mempool::create(&PoolSpec {
            name: &name,
            n,
            elt_size,
            cache_size: 0,
            private_data_size: 0,
            socket_id: -1,
            flags: 0,
            mbufs: false,
        })?;
        Ok(DmaPool {
            inner: Arc::new(PoolInner { pool, elt_size }),
            _eal: PhantomData,
        })
    }

    /// A free buffer; `NoMemory` if every one is in use.
    pub fn get(&self) -> Result<PoolBuf<'e>> {
        let mut obj = [core::ptr::null_mut::<c_void>()];
        self.inner
            .pool
            .get_bulk(&mut obj)
            .map_err(|_| Error::NoMemory)?;
        Ok(PoolBuf {
            ptr: NonNull::new(obj[0].cast::<u8>()).ok_or(Error::NoMemory)?,
            inner: Arc::clone(&self.inner),
            _eal: PhantomData,
        })
    }

    /// Buffers free in the pool.
    pub fn available(&self) -> u32 {
        self.inner.pool.avail_count()
    }

    pub(super) fn inner(&self) -> &Arc<PoolInner> {
        &self.inner
    }
}

/// One buffer of a [`DmaPool`], owned: its bytes, its IOVA. Dropping it puts it
/// back in its pool.
pub struct PoolBuf<'e> {
    ptr: NonNull<u8>,
    inner: Arc<PoolInner>,
    _eal: PhantomData<&'e Eal>,
}

// SAFETY: the buffer's bytes are ours alone until it goes back to the pool, whose
// store is locked.
unsafe impl Send for PoolBuf<'_> {}
// SAFETY: shared access only reads the bytes.
unsafe impl Sync for PoolBuf<'_> {}

impl PoolBuf<'_> {
    /// The address at which the device reaches its first byte.
    pub fn iova(&self) -> rte_iova_t {
        malloc::virt2iova(self.ptr.as_ptr().cast())
    }

    /// Whether it is a buffer of `pool`'s.
    pub(super) fn is_of(&self, pool: NonNull<crate::abi::rte_mempool>) -> bool {
        self.inner.as_ptr() == pool
    }

    /// Gives the buffer up without putting it back: the device frees it (or, after
    /// a failure, may have), so it must never be reused from here.
    pub(super) fn give_up(self) {
        let me = core::mem::ManuallyDrop::new(self);
        // SAFETY: `me` is never used again; the Arc is released once, here.
        drop(unsafe { core::ptr::read(&me.inner) });
    }
}

impl core::ops::Deref for PoolBuf<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: an object of `elt_size` bytes, ours alone until it goes back.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.inner.elt_size as usize) }
    }
}

impl core::ops::DerefMut for PoolBuf<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`, and `&mut self` makes the access exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.inner.elt_size as usize) }
    }
}

impl Drop for PoolBuf<'_> {
    fn drop(&mut self) {
        self.inner.pool.put_bulk(&[self.ptr.as_ptr().cast()]);
    }
}

impl core::fmt::Debug for PoolBuf<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "PoolBuf({} bytes at IOVA {:#x})",
            self.len(),
            self.iova()
        )
    }
}
