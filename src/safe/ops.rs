//! Operation lists (`rte_dma_enqueue_ops` / `rte_dma_dequeue_ops`, a device
//! configured with `RTE_DMA_CFG_FLAG_ENQ_DEQ`): each operation is a [`DmaOp`], an
//! `rte_dma_op` with its segments and the buffers they name, owned by the vchan
//! from enqueue to dequeue and handed back with its status and user metadata.
use super::vchan::{DRAIN_TIMEOUT, OpFlags, StatusCode, Vchan};
use super::{Device, DmaBuf};
use crate::abi::*;
use crate::config::ConfigFlags;
use crate::{Error, Result, dma_log};
use core::ptr::NonNull;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Most operations one enqueue or dequeue call passes (the pointer list is on the
/// stack).
const BURST: usize = 64;

/// Most segments per side of one operation (the device's `max_sges` may be less).
const SEGS_MAX: usize = 64;

const WORD: usize = core::mem::size_of::<u64>();
const HEADER_WORDS: usize = core::mem::size_of::<rte_dma_op>() / WORD;
const SGE_WORDS: usize = core::mem::size_of::<rte_dma_sge>() / WORD;
// The segments follow the op directly (C's flexible array member), in u64 words.
const _: () = assert!(core::mem::size_of::<rte_dma_op>().is_multiple_of(WORD));
const _: () = assert!(core::mem::size_of::<rte_dma_sge>().is_multiple_of(WORD));
const _: () = assert!(core::mem::align_of::<rte_dma_op>() <= WORD);
const _: () = assert!(core::mem::align_of::<rte_dma_sge>() <= WORD);

/// One scatter-gather copy as an `rte_dma_op`: the `src` buffers, in order, into
/// the `dst` ones. Build it, enqueue it on an [`OpVchan`] (which owns it and its
/// buffers until it is dequeued), and read its [`DmaOp::status`] and
/// [`DmaOp::user_meta`] once it is back.
///
/// ```
/// use dmadev::safe::*;
/// let eal = Eal::builder().vdev("dma_skeleton").init()?;
/// let mut dev = eal.device("dma_skeleton")?;
/// let conf = DeviceConfig { nb_vchans: 1, flags: ConfigFlags::ENQ_DEQ, ..Default::default() };
/// dev.configure(&conf)?;
/// dev.vchan_setup(0, &VchanSetup::mem_to_mem(64))?;
/// dev.start()?;
/// let mut vchan = dev.op_vchan(0)?;
/// let mut src = DmaBuf::new(256)?;
/// src.fill(9);
/// let op = DmaOp::copy(vec![src], vec![DmaBuf::new(256)?]).with_user_meta(42);
/// let mut list = vec![op];
/// assert_eq!(vchan.enqueue(&mut list)?, 1);
/// let done = vchan.wait(1, std::time::Duration::from_secs(5))?;
/// assert!(done[0].is_ok() && done[0].user_meta() == 42);
/// assert!(done[0].dst()[0].iter().all(|&b| b == 9));
/// # Ok::<(), dmadev::Error>(())
/// ```
pub struct DmaOp {
    /// The `rte_dma_op` and its `nb_src + nb_dst` segments, as `u64` words (the
    /// op's alignment), from `Box::into_raw`. The device reads and writes it by
    /// address between enqueue and dequeue, so it is held as a pointer, never as a
    /// `Box` that moving would re-assert unique.
    raw: NonNull<[u64]>,
    src: Vec<DmaBuf>,
    dst: Vec<DmaBuf>,
    flags: OpFlags,
    user_meta: u64,
}

// SAFETY: a `DmaOp` owns its words and buffers; outside an `OpVchan` nothing else
// refers to them.
unsafe impl Send for DmaOp {}
// SAFETY: shared access only reads.
unsafe impl Sync for DmaOp {}

impl DmaOp {
    /// A copy of the `src` buffers' bytes, in order, into the `dst` ones (as far
    /// as the shorter side goes). Each side needs 1..=`max_sges` buffers of the
    /// device, checked at enqueue.
    pub fn copy(src: Vec<DmaBuf>, dst: Vec<DmaBuf>) -> DmaOp {
        let words = HEADER_WORDS + (src.len() + dst.len()) * SGE_WORDS;
        let raw = Box::into_raw(vec![0u64; words].into_boxed_slice());
        DmaOp {
            // SAFETY: `Box::into_raw` never returns null.
            raw: unsafe { NonNull::new_unchecked(raw) },
            src,
            dst,
            flags: OpFlags::empty(),
            user_meta: 0,
        }
    }

    /// Sets the value handed back with the operation (`user_meta`).
    pub fn with_user_meta(mut self, user_meta: u64) -> DmaOp {
        self.user_meta = user_meta;
        self
    }

    /// Sets the operation's flags (`FENCE`, `LLC`; enqueued operations are always
    /// submitted).
    pub fn with_flags(mut self, flags: OpFlags) -> DmaOp {
        self.flags = flags;
        self
    }

    /// The value given with [`DmaOp::with_user_meta`].
    pub fn user_meta(&self) -> u64 {
        self.user_meta
    }

    fn header(&self) -> *mut rte_dma_op {
        self.raw.as_ptr().cast::<rte_dma_op>()
    }

    /// How it ended, as the device reported at dequeue (`SUCCESSFUL` before it was
    /// ever enqueued).
    pub fn status(&self) -> StatusCode {
        // SAFETY: our own op, not in flight (the vchan owns in-flight ones), so
        // nothing writes it now.
        let raw = unsafe { (*self.header()).status };
        StatusCode::from_raw(raw).unwrap_or(StatusCode::RTE_DMA_STATUS_ERROR_UNKNOWN)
    }

    /// Whether it succeeded.
    pub fn is_ok(&self) -> bool {
        self.status() == StatusCode::RTE_DMA_STATUS_SUCCESSFUL
    }

    /// The source buffers.
    pub fn src(&self) -> &[DmaBuf] {
        &self.src
    }

    /// The destination buffers.
    pub fn dst(&self) -> &[DmaBuf] {
        &self.dst
    }

    /// Both sides, to write (to reuse the operation: the segments are written
    /// again from the buffers at each enqueue).
    pub fn buffers_mut(&mut self) -> (&mut [DmaBuf], &mut [DmaBuf]) {
        (&mut self.src, &mut self.dst)
    }

    /// The buffers, given back.
    pub fn into_buffers(self) -> (Vec<DmaBuf>, Vec<DmaBuf>) {
        let mut me = core::mem::ManuallyDrop::new(self);
        let (src, dst) = (core::mem::take(&mut me.src), core::mem::take(&mut me.dst));
        // SAFETY: the words from `Box::into_raw`, freed once (`me` is not dropped).
        drop(unsafe { Box::from_raw(me.raw.as_ptr()) });
        (src, dst)
    }

    /// Writes the op for enqueue on `vchan` of `dev_id`: its header and one
    /// segment per buffer. False (nothing written) if a side has no buffer or more
    /// than `max_sges`, or a buffer is 4 GiB or more.
    fn prepare(&mut self, dev_id: i16, vchan: u16, max_sges: usize) -> bool {
        let side_ok = |side: &[DmaBuf]| {
            (1..=max_sges).contains(&side.len())
                && side.iter().all(|b| b.len() <= u32::MAX as usize)
        };
        if !side_ok(&self.src) || !side_ok(&self.dst) {
            return false;
        }
        let header = rte_dma_op {
            flags: (self.flags & !OpFlags::SUBMIT).bits(),
            op_mp: core::ptr::null_mut(),
            status: 0,
            rsvd: 0,
            impl_opaque: [0; 2],
            user_meta: self.user_meta,
            event_meta: 0,
            dma_dev_id: dev_id,
            vchan,
            nb_src: self.src.len() as u16,
            nb_dst: self.dst.len() as u16,
        };
        let segs = self.header().wrapping_add(1).cast::<rte_dma_sge>();
        // SAFETY: our own op, not in flight; the allocation holds the header and
        // `src.len() + dst.len()` segments after it (see `copy`), all 8-aligned.
        unsafe {
            self.header().write(header);
            for (i, b) in self.src.iter().chain(&self.dst).enumerate() {
                segs.add(i).write(rte_dma_sge {
                    addr: b.iova(),
                    length: b.len() as u32,
                });
            }
        }
        true
    }

    /// Reads back what the device may have changed: the user metadata.
    fn settle(&mut self) {
        // SAFETY: handed back by the device, so ours alone again.
        self.user_meta = unsafe { (*self.header()).user_meta };
    }
}

impl Drop for DmaOp {
    fn drop(&mut self) {
        // SAFETY: the words from `Box::into_raw`, freed once; a dropped op is not
        // in flight (the vchan leaks, never drops, those).
        drop(unsafe { Box::from_raw(self.raw.as_ptr()) });
    }
}

impl core::fmt::Debug for DmaOp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DmaOp")
            .field("src", &self.src)
            .field("dst", &self.dst)
            .field("user_meta", &self.user_meta)
            .field("status", &self.status())
            .finish()
    }
}

/// One vchan of a device configured with [`ConfigFlags::ENQ_DEQ`]: operations go
/// in as [`DmaOp`] lists and come back, finished, with their status. As
/// [`Vchan`], it is `Send`, not `Sync`, and borrows the device. Dropping it waits
/// for the operations in flight; ones that never finish are leaked rather than
/// freed under the device.
pub struct OpVchan<'d> {
    inner: Vchan<'d>,
    /// Enqueued operations, oldest first (the order devices hand them back in).
    in_flight: VecDeque<DmaOp>,
    max_sges: usize,
}

impl<'e> Device<'e> {
    /// Takes vchan `vchan` of a started device configured with
    /// [`ConfigFlags::ENQ_DEQ`] (errors as [`Device::vchan`]). Only vchans of this
    /// process (both sides local) are offered.
    pub fn op_vchan(&self, vchan: u16) -> Result<OpVchan<'_>> {
        let inner = self.take_vchan(vchan, ConfigFlags::ENQ_DEQ, false)?;
        if inner.has_peer_side() {
            return Err(Error::InvalidArgument);
        }
        let info = self.info()?;
        Ok(OpVchan {
            inner,
            in_flight: VecDeque::with_capacity(self.setup_of(vchan).map_or(0, |(_, n)| n as usize)),
            max_sges: (info.max_sges as usize).min(SEGS_MAX),
        })
    }
}

impl OpVchan<'_> {
    /// Its number on the device.
    pub fn id(&self) -> u16 {
        self.inner.id()
    }

    /// Operations enqueued and not yet dequeued.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Enqueues operations from the front of `ops` (at most 64 per call), which
    /// the device submits at once; returns how many it took, which leave `ops`.
    /// The rest stay in `ops`: those after a full ring, or after an operation
    /// with no buffer or too many on a side (`InvalidArgument` if that is the
    /// first one).
    pub fn enqueue(&mut self, ops: &mut Vec<DmaOp>) -> Result<u16> {
        let (dev_id, vchan) = (self.inner.device().id(), self.id());
        let mut list = [core::ptr::null_mut::<rte_dma_op>(); BURST];
        let mut n = 0;
        for op in ops.iter_mut().take(BURST) {
            if !op.prepare(dev_id, vchan, self.max_sges) {
                break;
            }
            list[n] = op.header();
            n += 1;
        }
        if n == 0 && !ops.is_empty() {
            return Err(Error::InvalidArgument);
        }
        let taken = self.inner.raw_enqueue_ops(&mut list[..n]);
        self.in_flight.extend(ops.drain(..taken as usize));
        Ok(taken)
    }

    /// Appends up to `max` finished operations (at most 64 per call) to `out`,
    /// oldest first, each with its status; returns how many. Allocates nothing if
    /// `out` has room.
    pub fn dequeue(&mut self, out: &mut Vec<DmaOp>, max: u16) -> u16 {
        let mut list = [core::ptr::null_mut::<rte_dma_op>(); BURST];
        let want = (max as usize).min(BURST).min(self.in_flight.len());
        if want == 0 {
            return 0;
        }
        let n = self.inner.raw_dequeue_ops(&mut list[..want]);
        let mut got = 0;
        for &p in &list[..n as usize] {
            // Matched by address, never dereferenced: a pointer that is not one of
            // ours is only logged.
            let at = self.in_flight.iter().position(|op| op.header() == p);
            match at.and_then(|i| self.in_flight.remove(i)) {
                Some(mut op) => {
                    op.settle();
                    out.push(op);
                    got += 1;
                }
                None => dma_log!(
                    ERR,
                    "dev {} vchan {}: dequeued an operation never enqueued",
                    self.inner.device().id(),
                    self.id()
                ),
            }
        }
        got
    }

    /// Waits until `n` operations (or all in flight, if fewer) finished and returns
    /// them; `Errno(ETIMEDOUT)` after `timeout` (the ones dequeued so far are
    /// dropped). A convenience that allocates.
    pub fn wait(&mut self, n: usize, timeout: Duration) -> Result<Vec<DmaOp>> {
        let n = n.min(self.in_flight.len());
        let deadline = Instant::now() + timeout;
        let mut done = Vec::with_capacity(n);
        while done.len() < n {
            let left = (n - done.len()).min(u16::MAX as usize) as u16;
            if self.dequeue(&mut done, left) == 0 {
                if Instant::now() > deadline {
                    return Err(Error::Errno(libc::ETIMEDOUT));
                }
                std::thread::yield_now();
            }
        }
        Ok(done)
    }
}

impl Drop for OpVchan<'_> {
    fn drop(&mut self) {
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        let mut done = Vec::new();
        while !self.in_flight.is_empty() && Instant::now() < deadline {
            if self.dequeue(&mut done, u16::MAX) == 0 {
                std::thread::sleep(Duration::from_micros(100));
            }
            done.clear();
        }
        // Never finished: the device may still use them.
        self.in_flight.drain(..).for_each(core::mem::forget);
    }
}
