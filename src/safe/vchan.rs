//! A vchan taken from a started device: the fast path. Operations own their
//! buffers from enqueue to completion; the vchan keeps them in a table indexed by
//! ring index, allocated once when the vchan is taken.
use super::Device;
use super::buffer::Region;
use super::device::Sides;
use crate::abi::*;
use crate::{Error, Result, registry, trace};
use core::cell::Cell;
use core::ffi::c_int;
use core::marker::PhantomData;
use std::time::{Duration, Instant};

pub use crate::abi::rte_dma_status_code as StatusCode;

bitflags::bitflags! {
    /// Flags of one operation (`RTE_DMA_OP_FLAG_*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct OpFlags: u64 {
        /// Runs only after every earlier operation of the vchan completed.
        const FENCE = RTE_DMA_OP_FLAG_FENCE;
        /// Submits this and every earlier operation (saves a [`Vchan::submit`]).
        const SUBMIT = RTE_DMA_OP_FLAG_SUBMIT;
        /// A hint to write the destination into the last-level cache.
        const LLC = RTE_DMA_OP_FLAG_LLC;
    }
}

/// An operation and the memory it owns while in flight.
#[derive(Debug)]
pub enum Op {
    /// A copy of all of `src` into the start of `dst`.
    Copy {
        /// Read.
        src: Region,
        /// Written.
        dst: Region,
    },
    /// `dst` filled with `pattern` (its 8 bytes in memory order, repeated).
    Fill {
        /// Written.
        dst: Region,
        /// The pattern.
        pattern: u64,
    },
    /// A scatter-gather copy: the `src` segments, in order, into the `dst` ones.
    CopySg {
        /// Read, in order.
        src: Vec<Region>,
        /// Written, in order.
        dst: Vec<Region>,
    },
}

/// An operation the device refused at enqueue, with its memory given back.
#[derive(Debug)]
pub struct Rejected {
    /// Why: `NoSpace` when the ring is full, `InvalidArgument` for a bad length or
    /// a region on the wrong side (a peer's memory on a local side, or the reverse).
    pub error: Error,
    /// The operation, buffers included.
    pub op: Op,
}

/// One completed operation.
#[derive(Debug)]
pub struct Completion {
    /// Its ring index (what the enqueue returned).
    pub index: u16,
    /// How it ended.
    pub status: StatusCode,
    /// The operation, whose buffers are the application's again.
    pub op: Op,
}

impl Completion {
    /// Whether it succeeded.
    pub fn is_ok(&self) -> bool {
        self.status == StatusCode::RTE_DMA_STATUS_SUCCESSFUL
    }
}

/// Most segments per side of one scatter-gather copy (passed on the stack).
const SG_MAX: usize = 64;

/// How long dropping a vchan waits for its operations before it leaks their buffers.
pub(super) const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// One vchan of a started device, used by one thread at a time: it is `Send` (move
/// it to the thread that uses it) but not `Sync`, and every fast-path call takes
/// `&mut self`. Taken once ([`Device::vchan`]); dropping it waits for the
/// operations in flight and gives the vchan back.
pub struct Vchan<'d> {
    dev: &'d Device<'d>,
    /// The device's entry in the fast-path table (never freed; its functions are
    /// swapped for refusing ones when the device closes).
    entry: *const rte_dma_fp_object,
    vchan: u16,
    sides: Sides,
    max_sges: u16,
    /// Operations in flight, at their ring index masked.
    held: Box<[Option<Op>]>,
    mask: usize,
    /// Ring index of the oldest operation in flight, and how many there are.
    oldest: u16,
    in_flight: u16,
    /// Enqueued since the last submit.
    unsubmitted: bool,
    /// Statuses `completed_status` writes.
    statuses: Box<[rte_dma_status_code_raw]>,
    _not_sync: PhantomData<Cell<()>>,
}

// SAFETY: the vchan's state is all owned (the table entry is only read, through
// the fast-path fence); DPDK allows the one thread using a vchan to change.
unsafe impl Send for Vchan<'_> {}

/// Calls the device's fast-path function `$field` as `$call` (with the function
/// as `$f` and the device's private data as `$p`), or gives `$missing` if it has
/// none. The entry is read inside the fast-path fence: the closer rewrites it, then
/// waits for threads inside.
macro_rules! fast_call {
    ($self:ident, $field:ident, $missing:expr, |$f:ident, $p:ident| $call:expr) => {{
        let _inside = registry::enter_fast_path();
        // SAFETY: the entry lives as long as the process; we are inside the fence.
        let (f, $p) = unsafe {
            let e = $self.entry;
            (
                core::ptr::read_volatile(&raw const (*e).$field),
                core::ptr::read_volatile(&raw const (*e).dev_private),
            )
        };
        match f {
            Some($f) => $call,
            None => $missing,
        }
    }};
}

impl<'d> Vchan<'d> {
    pub(super) fn new(
        dev: &'d Device<'d>,
        entry: *mut rte_dma_fp_object,
        vchan: u16,
        sides: Sides,
        nb_desc: u16,
        max_sges: u16,
    ) -> Vchan<'d> {
        // A slot for every index the ring can have in flight (fewer than
        // `nb_desc`, consecutive): a power of two, so that the ring index's wrap
        // at 65536 keeps slots in order.
        let slots = (nb_desc.max(1) as usize).next_power_of_two();
        Vchan {
            dev,
            entry,
            vchan,
            sides,
            max_sges,
            held: (0..slots).map(|_| None).collect(),
            mask: slots - 1,
            oldest: 0,
            in_flight: 0,
            unsubmitted: false,
            statuses: vec![0; slots.min(u16::MAX as usize)].into_boxed_slice(),
            _not_sync: PhantomData,
        }
    }

    /// Its number on the device.
    pub fn id(&self) -> u16 {
        self.vchan
    }

    /// The device it belongs to.
    pub(super) fn device(&self) -> &'d Device<'d> {
        self.dev
    }

    /// Operations enqueued and not yet handed back.
    pub fn in_flight(&self) -> u16 {
        self.in_flight
    }

    /// Whether a side of the vchan is another process's memory.
    pub(super) fn has_peer_side(&self) -> bool {
        self.sides.src_peer || self.sides.dst_peer
    }

    fn sides_ok(&self, src: &Region, dst: &Region) -> bool {
        src.is_peer() == self.sides.src_peer && dst.is_peer() == self.sides.dst_peer
    }

    /// `rte_dma_copy` on this vchan, with its trace point.
    #[inline]
    pub(super) fn raw_copy(
        &self,
        src: rte_iova_t,
        dst: rte_iova_t,
        len: u32,
        flags: OpFlags,
    ) -> c_int {
        let ret = fast_call!(self, copy, -libc::EINVAL, |f, p| {
            // SAFETY: the entry's function with its private data; the callers
            // keep the memory away from everyone else until the operation
            // completes (owned or borrowed for a scope); one thread (ours).
            unsafe { f(p, self.vchan, src, dst, len, flags.bits()) }
        });
        let dev_id = self.dev.id();
        trace::emit!(copy(dev_id, self.vchan, src, dst, len, flags.bits(), ret));
        ret
    }

    /// `rte_dma_fill` on this vchan, with its trace point.
    #[inline]
    pub(super) fn raw_fill(
        &self,
        pattern: u64,
        dst: rte_iova_t,
        len: u32,
        flags: OpFlags,
    ) -> c_int {
        let ret = fast_call!(self, fill, -libc::EINVAL, |f, p| {
            // SAFETY: as in `raw_copy`.
            unsafe { f(p, self.vchan, pattern, dst, len, flags.bits()) }
        });
        let dev_id = self.dev.id();
        trace::emit!(fill(
            dev_id,
            self.vchan,
            pattern,
            dst,
            len,
            flags.bits(),
            ret
        ));
        ret
    }

    /// `rte_dma_enqueue_ops` on this vchan, with its trace point: how many of `ops`
    /// (from the first) the device took.
    pub(super) fn raw_enqueue_ops(&self, ops: &mut [*mut rte_dma_op]) -> u16 {
        let (list, nb) = (ops.as_mut_ptr(), ops.len().min(u16::MAX as usize) as u16);
        let ret = fast_call!(self, enqueue, 0, |f, p| {
            // SAFETY: the entry's function with its private data; `list` holds `nb`
            // operations the caller keeps away from everyone else until they are
            // dequeued; one thread.
            unsafe { f(p, self.vchan, list, nb) }
        });
        let dev_id = self.dev.id();
        trace::emit!(enqueue_ops(dev_id, self.vchan, list, nb));
        ret.min(nb)
    }

    /// `rte_dma_dequeue_ops` on this vchan, with its trace point: how many
    /// finished operations it wrote to the start of `ops`.
    pub(super) fn raw_dequeue_ops(&mut self, ops: &mut [*mut rte_dma_op]) -> u16 {
        let (list, nb) = (ops.as_mut_ptr(), ops.len().min(u16::MAX as usize) as u16);
        let ret = fast_call!(self, dequeue, 0, |f, p| {
            // SAFETY: the entry's function with its private data; `list` has room
            // for `nb` pointers; one thread.
            unsafe { f(p, self.vchan, list, nb) }
        });
        let dev_id = self.dev.id();
        trace::emit!(dequeue_ops(dev_id, self.vchan, list, nb));
        ret.min(nb)
    }

    /// `rte_dma_completed`, then (after a failure) `rte_dma_completed_status` into
    /// `statuses`: how many succeeded, then how many failed, oldest first.
    #[inline]
    pub(super) fn raw_completed(&mut self, max: u16) -> (u16, u16) {
        let (mut last, mut has_error) = (0u16, false);
        let ok = fast_call!(self, completed, 0, |f, p| {
            // SAFETY: the entry's function with its private data and two valid
            // outputs; one thread.
            unsafe { f(p, self.vchan, max, &mut last, &mut has_error) }
        });
        let dev_id = self.dev.id();
        trace::emit!(completed(
            dev_id,
            self.vchan,
            max,
            last,
            has_error as u8,
            ok
        ));
        let ok = ok.min(max);
        if !has_error || ok == max {
            return (ok, 0);
        }
        let room = (max - ok).min(self.statuses.len() as u16);
        let statuses = self.statuses.as_mut_ptr();
        let failed = fast_call!(self, completed_status, 0, |f, p| {
            // SAFETY: as above; `statuses` has room for `room` codes.
            unsafe { f(p, self.vchan, room, &mut last, statuses) }
        });
        trace::emit!(completed_status(
            dev_id, self.vchan, room, last, statuses, failed
        ));
        (ok, failed.min(room))
    }

    /// The status `raw_completed` wrote for its `i`th failed operation.
    pub(super) fn failed_status(&self, i: u16) -> StatusCode {
        let raw = self.statuses[i as usize];
        StatusCode::from_raw(raw).unwrap_or(StatusCode::RTE_DMA_STATUS_ERROR_UNKNOWN)
    }

    /// Enqueues a copy of all of `src` into `dst` (at least as long, at most 4 GiB);
    /// returns its ring index.
    #[inline]
    pub fn copy(
        &mut self,
        src: impl Into<Region>,
        dst: impl Into<Region>,
        flags: OpFlags,
    ) -> core::result::Result<u16, Rejected> {
        let (src, dst) = (src.into(), dst.into());
        let len = src.len();
        if !self.sides_ok(&src, &dst) || len == 0 || len > u32::MAX as usize || dst.len() < len {
            return Err(refused(Op::Copy { src, dst }));
        }
        let ret = self.raw_copy(src.iova(), dst.iova(), len as u32, flags);
        self.admit(ret, flags, || Op::Copy { src, dst })
    }

    /// Enqueues a fill of all of `dst` with `pattern`; returns its ring index.
    #[inline]
    pub fn fill(
        &mut self,
        pattern: u64,
        dst: impl Into<Region>,
        flags: OpFlags,
    ) -> core::result::Result<u16, Rejected> {
        let dst = dst.into();
        let len = dst.len();
        if dst.is_peer() != self.sides.dst_peer || len == 0 || len > u32::MAX as usize {
            return Err(refused(Op::Fill { dst, pattern }));
        }
        let ret = self.raw_fill(pattern, dst.iova(), len as u32, flags);
        self.admit(ret, flags, || Op::Fill { dst, pattern })
    }

    /// Enqueues a scatter-gather copy of the `src` segments into the `dst` ones (at
    /// most the device's `max_sges` each); returns its ring index.
    pub fn copy_sg(
        &mut self,
        src: Vec<Region>,
        dst: Vec<Region>,
        flags: OpFlags,
    ) -> core::result::Result<u16, Rejected> {
        match self.raw_copy_sg(&src, &dst, flags) {
            Some(ret) => self.admit(ret, flags, || Op::CopySg { src, dst }),
            None => Err(refused(Op::CopySg { src, dst })),
        }
    }

    /// `rte_dma_copy_sg` of the regions' segments on this vchan, with its trace
    /// point; `None` (nothing asked of the device) if a list is empty, longer than
    /// the device takes, holds a region over 4 GiB or one on the wrong side.
    pub(super) fn raw_copy_sg(
        &self,
        src: &[Region],
        dst: &[Region],
        flags: OpFlags,
    ) -> Option<c_int> {
        let limit = (self.max_sges as usize).min(SG_MAX);
        let sides_ok = src.iter().all(|r| r.is_peer() == self.sides.src_peer)
            && dst.iter().all(|r| r.is_peer() == self.sides.dst_peer);
        let list_ok = |l: &[Region]| {
            (1..=limit).contains(&l.len()) && l.iter().all(|r| r.len() <= u32::MAX as usize)
        };
        if !sides_ok || !list_ok(src) || !list_ok(dst) {
            return None;
        }
        let mut s = [rte_dma_sge::default(); SG_MAX];
        let mut d = [rte_dma_sge::default(); SG_MAX];
        for (sge, r) in s.iter_mut().zip(src).chain(d.iter_mut().zip(dst)) {
            *sge = rte_dma_sge {
                addr: r.iova(),
                length: r.len() as u32,
            };
        }
        let (ns, nd) = (src.len() as u16, dst.len() as u16);
        let ret = fast_call!(self, copy_sg, -libc::EINVAL, |f, p| {
            // SAFETY: as in `raw_copy`; the lists hold `ns`/`nd` segments of
            // memory the operation owns (or borrows for a scope).
            unsafe { f(p, self.vchan, s.as_ptr(), d.as_ptr(), ns, nd, flags.bits()) }
        });
        let dev_id = self.dev.id();
        let (sp, dp) = (s.as_ptr().cast_mut(), d.as_ptr().cast_mut());
        trace::emit!(copy_sg(
            dev_id,
            self.vchan,
            sp,
            dp,
            ns,
            nd,
            flags.bits(),
            ret
        ));
        Some(ret)
    }

    /// Keeps an enqueued operation until it completes, or hands it back refused.
    /// `op` builds it in each branch, straight where it goes: an operation built
    /// once on the stack and then copied into the table was read back in 16-byte
    /// pieces across its 8-byte writes, a store-forwarding stall that doubled the
    /// cost of an enqueue.
    #[inline(always)]
    fn admit(
        &mut self,
        ret: c_int,
        flags: OpFlags,
        op: impl FnOnce() -> Op,
    ) -> core::result::Result<u16, Rejected> {
        if ret < 0 {
            return Err(Rejected {
                error: Error::from_errno(ret),
                op: op(),
            });
        }
        let index = ret as u16;
        if self.in_flight == 0 {
            self.oldest = index;
        }
        let slot = &mut self.held[index as usize & self.mask];
        if let Some(old) = slot.take() {
            // A device that reuses an index in flight: never free what it may use.
            core::mem::forget(old);
        }
        *slot = Some(op());
        self.in_flight += 1;
        self.unsubmitted = !flags.contains(OpFlags::SUBMIT);
        Ok(index)
    }

    /// Hands every enqueued operation to the device (`rte_dma_submit`).
    pub fn submit(&mut self) -> Result<()> {
        let ret = fast_call!(self, submit, -libc::EINVAL, |f, p| {
            // SAFETY: the entry's function with its private data; one thread.
            unsafe { f(p, self.vchan) }
        });
        let dev_id = self.dev.id();
        trace::emit!(submit(dev_id, self.vchan, ret));
        crate::error::check(ret)?;
        self.unsubmitted = false;
        Ok(())
    }

    /// How many more operations fit in the ring (`rte_dma_burst_capacity`).
    pub fn burst_capacity(&self) -> u16 {
        let ret = fast_call!(self, burst_capacity, 0, |f, p| {
            // SAFETY: the entry's function with its private data, read only.
            unsafe { f(p, self.vchan) }
        });
        let dev_id = self.dev.id();
        trace::emit!(burst_capacity(dev_id, self.vchan, ret));
        ret
    }

    /// Collects up to `max` completed operations, oldest first, each with its ring
    /// index, status and buffers. No allocation or system call; the operations are
    /// the caller's once collected (dropping the iterator early drops the rest).
    #[inline]
    pub fn completed(&mut self, max: u16) -> Completions<'_, 'd> {
        let max = max.min(self.in_flight);
        if max == 0 {
            return Completions::none(self);
        }
        let (ok, failed) = self.raw_completed(max);
        Completions {
            vchan: self,
            ok,
            total: ok + failed,
            next: 0,
        }
    }

    /// Submits what is enqueued, then waits until `n` operations completed (or all
    /// in flight, if fewer) and returns them; `Errno(ETIMEDOUT)` after `timeout`
    /// (the ones collected so far are dropped). A convenience that allocates.
    pub fn wait(&mut self, n: u16, timeout: Duration) -> Result<Vec<Completion>> {
        if self.unsubmitted {
            self.submit()?;
        }
        let n = n.min(self.in_flight);
        let deadline = Instant::now() + timeout;
        let mut done = Vec::with_capacity(n as usize);
        while done.len() < n as usize {
            let before = done.len();
            done.extend(self.completed(n - before as u16));
            if done.len() == before {
                if Instant::now() > deadline {
                    return Err(Error::Errno(libc::ETIMEDOUT));
                }
                std::thread::yield_now();
            }
        }
        Ok(done)
    }

    /// The next completed operation in ring order.
    #[inline]
    fn take_oldest(&mut self) -> Option<Op> {
        let op = self.held[self.oldest as usize & self.mask].take();
        self.oldest = self.oldest.wrapping_add(1);
        self.in_flight -= 1;
        op
    }
}

fn refused(op: Op) -> Rejected {
    Rejected {
        error: Error::InvalidArgument,
        op,
    }
}

impl Drop for Vchan<'_> {
    fn drop(&mut self) {
        if self.in_flight > 0 && self.unsubmitted {
            let _ = self.submit();
        }
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        while self.in_flight > 0 && Instant::now() < deadline {
            if self.completed(self.in_flight).total == 0 {
                std::thread::sleep(Duration::from_micros(100));
            }
        }
        // Operations that never completed may still be used by the device: their
        // buffers are leaked, never freed under it.
        for slot in self.held.iter_mut() {
            if let Some(op) = slot.take() {
                core::mem::forget(op);
            }
        }
        self.dev.release_vchan(self.vchan);
    }
}

/// The operations one [`Vchan::completed`] call collected, oldest first.
pub struct Completions<'v, 'd> {
    vchan: &'v mut Vchan<'d>,
    /// The first `ok` succeeded; the rest up to `total` have their status in
    /// `vchan.statuses`.
    ok: u16,
    total: u16,
    next: u16,
}

impl<'v, 'd> Completions<'v, 'd> {
    fn none(vchan: &'v mut Vchan<'d>) -> Self {
        Completions {
            vchan,
            ok: 0,
            total: 0,
            next: 0,
        }
    }

    /// How many operations it holds in all.
    pub fn count_all(&self) -> u16 {
        self.total
    }
}

impl Iterator for Completions<'_, '_> {
    type Item = Completion;

    #[inline]
    fn next(&mut self) -> Option<Completion> {
        while self.next < self.total {
            let i = self.next;
            self.next += 1;
            let index = self.vchan.oldest;
            let status = if i < self.ok {
                StatusCode::RTE_DMA_STATUS_SUCCESSFUL
            } else {
                self.vchan.failed_status(i - self.ok)
            };
            // An index without an operation (not ours): skipped.
            if let Some(op) = self.vchan.take_oldest() {
                return Some(Completion { index, status, op });
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some((self.total - self.next) as usize))
    }
}

impl Drop for Completions<'_, '_> {
    fn drop(&mut self) {
        // Collected from the device: hand the rest back by dropping them.
        for c in self.by_ref() {
            drop(c);
        }
    }
}
