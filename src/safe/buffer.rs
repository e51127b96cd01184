//! Memory a device may read or write: owned buffers with their IOVA, and addresses
//! in another process of an access pair group.
use crate::abi::rte_iova_t;
use crate::eal::malloc;
use crate::{Error, Result};
use core::ptr::NonNull;
use std::sync::Arc;

/// One allocation, freed when the last buffer carved from it drops.
struct Allocation {
    base: NonNull<u8>,
    owner: Owner,
}

/// Who frees an allocation.
enum Owner {
    /// A block of the library's heap (`rte_malloc`).
    Heap,
    /// Memory handed over by the application, with what gives it back.
    Foreign(Option<Box<dyn FnOnce() + Send>>),
}

// SAFETY: the allocation is only freed (once, at drop); the release closure is Send.
unsafe impl Send for Allocation {}
// SAFETY: shared access does nothing with the memory.
unsafe impl Sync for Allocation {}

impl Drop for Allocation {
    fn drop(&mut self) {
        match &mut self.owner {
            // SAFETY: a block `malloc` returned, released once (the last owner).
            Owner::Heap => unsafe { malloc::free(self.base.as_ptr().cast()) },
            Owner::Foreign(release) => {
                if let Some(release) = release.take() {
                    release();
                }
            }
        }
    }
}

/// An owned buffer the device may use: its bytes, its length and its IOVA.
///
/// Moving a `DmaBuf` into an operation ([`Vchan::copy`](super::Vchan::copy), ...)
/// hands it to the device until the operation's
/// [`Completion`](super::Completion) gives it back; meanwhile nothing else can
/// touch or free it. A buffer can be split into disjoint parts
/// ([`DmaBuf::split_off`]), each owned and moved on its own (one operation per
/// chunk of a large buffer), and joined again ([`DmaBuf::unsplit`]); the memory
/// is freed when the last part drops.
///
/// ```
/// use dmadev::safe::DmaBuf;
/// let mut buf = DmaBuf::new(4096)?;
/// let tail = buf.split_off(1024);
/// assert_eq!((buf.len(), tail.len()), (1024, 3072));
/// assert_eq!(tail.iova(), buf.iova() + 1024);
/// buf.unsplit(tail).expect("adjacent parts join");
/// assert_eq!(buf.len(), 4096);
/// # Ok::<(), dmadev::Error>(())
/// ```
pub struct DmaBuf {
    ptr: NonNull<u8>,
    len: usize,
    iova: rte_iova_t,
    alloc: Arc<Allocation>,
}

// SAFETY: a `DmaBuf` owns its bytes exclusively (parts of one allocation never
// overlap); the allocation itself is Send and Sync.
unsafe impl Send for DmaBuf {}
// SAFETY: shared access only reads the bytes.
unsafe impl Sync for DmaBuf {}

/// Alignment of heap buffers: a cache line, as DPDK's applications use.
const HEAP_ALIGN: u32 = 64;

impl DmaBuf {
    /// `len` zero bytes from the library's heap (`rte_zmalloc`); `NoMemory` when
    /// it is exhausted, `InvalidArgument` for 0 bytes.
    pub fn new(len: usize) -> Result<DmaBuf> {
        Self::heap(len, malloc::zmalloc(len, HEAP_ALIGN))
    }

    fn heap(len: usize, p: *mut core::ffi::c_void) -> Result<DmaBuf> {
        let base = NonNull::new(p.cast::<u8>()).ok_or(if len == 0 {
            Error::InvalidArgument
        } else {
            Error::NoMemory
        })?;
        Ok(DmaBuf {
            ptr: base,
            len,
            iova: malloc::virt2iova(p),
            alloc: Arc::new(Allocation {
                base,
                owner: Owner::Heap,
            }),
        })
    }

    /// A boxed slice as a DMA buffer (its heap memory does not move while owned).
    /// Devices reach it by its virtual address (IOVA as VA); `dma_interdomain` moves
    /// such memory with a system call per batch, slower than `rte_malloc` memory.
    pub fn from_boxed(bytes: Box<[u8]>) -> Result<DmaBuf> {
        let len = bytes.len();
        if len == 0 {
            return Err(Error::InvalidArgument);
        }
        let raw = Box::into_raw(bytes);
        let addr = raw as *mut u8 as usize;
        // The closure must be Send: it carries the address, not the pointer.
        let release = move || {
            let slice = core::ptr::slice_from_raw_parts_mut(addr as *mut u8, len);
            // SAFETY: `slice` is the box given up above, rebuilt once.
            drop(unsafe { Box::from_raw(slice) });
        };
        // SAFETY: the box's memory is ours alone until `release` runs at drop.
        Ok(unsafe { DmaBuf::from_raw_parts(raw as *mut u8, len, addr as rte_iova_t, release) })
    }

    /// Any memory as a DMA buffer: `release` runs when the buffer (its last part)
    /// drops. A NULL `ptr` makes an empty buffer.
    ///
    /// # Safety
    /// `ptr` is valid for reads and writes of `len` initialised bytes, which nothing
    /// else reads, writes, moves or frees until `release` runs; `iova` is the address
    /// at which the device reaches `ptr`.
    pub unsafe fn from_raw_parts(
        ptr: *mut u8,
        len: usize,
        iova: rte_iova_t,
        release: impl FnOnce() + Send + 'static,
    ) -> DmaBuf {
        let base = NonNull::new(ptr).unwrap_or(NonNull::dangling());
        DmaBuf {
            ptr: base,
            len: if ptr.is_null() { 0 } else { len },
            iova,
            alloc: Arc::new(Allocation {
                base,
                owner: Owner::Foreign(Some(Box::new(release))),
            }),
        }
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The address at which the device reaches its first byte.
    pub fn iova(&self) -> rte_iova_t {
        self.iova
    }

    /// Splits the buffer in two at `at` (clamped to its length): `self` keeps
    /// `[0, at)`, the result owns `[at, len)`.
    pub fn split_off(&mut self, at: usize) -> DmaBuf {
        let at = at.min(self.len);
        let tail = DmaBuf {
            // SAFETY: `at <= len`: inside (or one past) our bytes.
            ptr: unsafe { NonNull::new_unchecked(self.ptr.as_ptr().add(at)) },
            len: self.len - at,
            iova: self.iova + at as rte_iova_t,
            alloc: self.alloc.clone(),
        };
        self.len = at;
        tail
    }

    /// Joins `other` back onto the end of `self` if it is the part that directly
    /// follows it in the same allocation; otherwise gives it back.
    pub fn unsplit(&mut self, other: DmaBuf) -> core::result::Result<(), DmaBuf> {
        let follows = Arc::ptr_eq(&self.alloc, &other.alloc)
            && self.ptr.as_ptr().wrapping_add(self.len) == other.ptr.as_ptr();
        if !follows {
            return Err(other);
        }
        self.len += other.len;
        Ok(())
    }
}

impl core::ops::Deref for DmaBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr` is valid for `len` bytes we own (see the constructors).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl core::ops::DerefMut for DmaBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`, and `&mut self` makes the access exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl core::fmt::Debug for DmaBuf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "DmaBuf({} bytes at IOVA {:#x})", self.len, self.iova)
    }
}

/// Memory in another process (or, in an OS-domain group, another OS) of an access
/// pair group: its address there and a length. Only a vchan side that is that process (set up from a peer's
/// [`Member`](super::Member)) takes one; the device checks every byte of it, and a
/// bad range completes with an error status instead of touching anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerMem {
    /// The address in the peer's address space.
    pub addr: rte_iova_t,
    /// Its length in bytes.
    pub len: u32,
}

/// One side of an operation: a buffer of ours, or memory of a peer.
#[derive(Debug)]
pub enum Region {
    /// Our own memory, owned by the operation until it completes.
    Local(DmaBuf),
    /// A peer's memory (inter-process vchans only).
    Peer(PeerMem),
}

impl Region {
    /// The buffer, if the region is ours.
    pub fn as_local(&self) -> Option<&DmaBuf> {
        match self {
            Region::Local(b) => Some(b),
            Region::Peer(_) => None,
        }
    }

    /// The buffer, if the region is ours, taken out.
    pub fn into_local(self) -> Option<DmaBuf> {
        match self {
            Region::Local(b) => Some(b),
            Region::Peer(_) => None,
        }
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Region::Local(b) => b.len(),
            Region::Peer(p) => p.len as usize,
        }
    }

    /// Whether it has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn iova(&self) -> rte_iova_t {
        match self {
            Region::Local(b) => b.iova(),
            Region::Peer(p) => p.addr,
        }
    }

    pub(super) fn is_peer(&self) -> bool {
        matches!(self, Region::Peer(_))
    }
}

impl From<DmaBuf> for Region {
    fn from(b: DmaBuf) -> Region {
        Region::Local(b)
    }
}

impl From<PeerMem> for Region {
    fn from(p: PeerMem) -> Region {
        Region::Peer(p)
    }
}
