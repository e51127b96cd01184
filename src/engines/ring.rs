//! One vchan's descriptor ring: single producer (the application's thread), single
//! consumer (the engine's worker), completions read from indices.
//!
//! Four monotonically increasing 64-bit counters describe the ring; an operation's
//! position `n` (counted from the last start) is its ring index `n mod 65536`:
//! - `tail`: operations enqueued by the application (producer-owned);
//! - `published`: operations the application has submitted (worker reads it);
//! - `done`: operations the worker has executed (application reads it);
//! - `reaped`: operations the application has collected with `completed*`.
//!
//! `reaped <= done <= published <= tail` and `tail - reaped <= nb_desc - 1`.
//! Each lives on its own cache line so producer and worker never share one.
//!
//! **Copy-break.** A local ring may be given a copy-break: an operation of at most
//! that many bytes is run by the application's thread at enqueue time when every
//! earlier operation has already been executed (`done == published`, and everything
//! enqueued since `published` ran in the caller too). Such operations still take a
//! slot and an index; they are reported only once submitted, exactly as the worker's
//! would be: a submit covering only them moves the producer's own `inline.done` to
//! `tail` (completions and statistics count up to the larger of it and `done`) and
//! touches no line the worker reads, so a run of small copies never moves a cache line
//! between the cores. When a queued operation follows some of them, the producer
//! first stores `done` and then `published` at `inline.done` (in that order, so a
//! worker that sees the new `published` also sees the new `done`), and the slots of
//! those still unsubmitted become no-ops (a copy of 0 bytes) that the worker walks
//! over in order.
//!
//! The single producer and single consumer are types, not comments: the worker side
//! is the owned [`Consumer`] (one per ring), the application side a [`Producer`]
//! borrowed for one call. A `Producer` can only be made by the `unsafe`
//! [`Ring::producer`]: the one-thread-per-vchan promise is made at the C boundary
//! (DPDK hands the same `dev_private` to every thread), so the contract sits there
//! (`FastPath`'s `unsafe fn`s) and everything below it is safe code.
use crate::abi::*;
use crate::{Error, Result};
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering::*};
use std::sync::Arc;

/// How many descriptors ahead of the producer `push` prefetches (32 cache lines: far
/// enough that the worker finished reading them a lap ago).
const PREFETCH_AHEAD: u64 = 64;

/// Hints the CPU to fetch `p`'s cache line in a writable state (`prefetchw`; the
/// intrinsic's "ET0" hint compiles to a plain read prefetch without `-C target-feature`).
#[inline(always)]
fn prefetch_for_write<T>(p: *const T) {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    // SAFETY: a prefetch never faults and has no architectural effect.
    unsafe {
        core::arch::asm!("prefetchw [{0}]", in(reg) p, options(nostack, preserves_flags, readonly));
    }
    #[cfg(any(not(target_arch = "x86_64"), miri))]
    let _ = p;
}

/// Empty completion polls (with work outstanding) before the caller yields its CPU.
const STALL_POLLS: u32 = 4096;

/// Most segments per side of one scatter-gather copy.
pub const MAX_SGES: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum OpKind {
    Copy = 0,
    Fill = 1,
    CopySg = 2,
    /// An `rte_dma_op` (enqueue/dequeue mode): `src` holds the op's address; its
    /// segments follow it in memory.
    Op = 3,
}

/// One operation. The ring stores it split in three arrays (addresses, lengths, a
/// kind byte) so a copy's descriptor takes 21 bytes over three cache-line streams
/// instead of a 32-byte slot: fewer lines cross between the cores per operation.
#[derive(Clone, Copy, Debug)]
pub struct Desc {
    /// Source address, or the fill pattern.
    pub src: u64,
    pub dst: u64,
    pub len: u32,
    pub kind: OpKind,
    pub nb_src: u8,
    pub nb_dst: u8,
    /// `RTE_DMA_OP_FLAG_AUTO_FREE` (copies and fills only: it shares the bits that
    /// hold a scatter-gather list's segment counts).
    pub auto_free: bool,
}

impl Desc {
    /// A slot the caller already ran itself (copy-break), left in the worker's way
    /// when a queued operation followed it: a copy of 0 bytes, which the API never
    /// enqueues otherwise. A data path completes it as successful without looking
    /// at its addresses or members: its bytes moved.
    pub fn is_noop(&self) -> bool {
        self.kind == OpKind::Copy && self.len == 0
    }
}

/// The segments of a scatter-gather operation, beside its descriptor.
#[derive(Clone, Copy, Default)]
pub struct SgList {
    pub segs: [rte_dma_sge; 2 * MAX_SGES],
}

/// How a vchan's operations reach memory when it is not simply this process's:
/// another domain (another process, another OS, `crate::domain`) plugs in its way by
/// giving the vchan one at setup. The worker owns it with the ring's worker side, so it
/// needs no lock and may keep scratch state.
pub trait DataPath: Send + 'static {
    /// Executes every operation of `batch` (its `range()`), sets each one's status and
    /// returns how many failed; the caller then publishes them as done.
    fn execute(&mut self, batch: &Batch<'_>) -> u64;

    /// Its part in the caller's thread for the copy-break, if it has one (without
    /// one, every operation goes to the worker).
    fn inline_path(&self) -> Option<Arc<dyn InlinePath>> {
        None
    }
}

/// The copy-break of a ring whose operations go through a [`DataPath`]: runs one
/// small operation in the caller's thread when that takes only loads and stores of
/// memory known to be mapped (our heap, a peer's window) and every member it
/// touches is alive, so the outcome is the worker's: success. Anything else (a
/// range it cannot vouch for, a member gone) it leaves untouched and returns false,
/// and the worker executes the operation and gives it its status.
pub trait InlinePath: Send + Sync + 'static {
    /// Runs a copy, fill (`src` holds the pattern) or scatter-gather copy (`sg`'s
    /// lists) now, or returns false having done nothing. Never an `Op`.
    fn try_run(
        &self,
        kind: OpKind,
        src: u64,
        dst: u64,
        len: u32,
        sg: (&[rte_dma_sge], &[rte_dma_sge]),
    ) -> bool;
}

#[repr(align(64))]
#[derive(Default)]
struct Line<T>(T);

/// The copy-break's counters, written by the producer only.
#[derive(Default)]
struct InlineRun {
    /// With `published < tail`, `end == tail` means every operation in
    /// `[published, tail)` was run by the caller.
    end: AtomicU64,
    /// Operations run by the caller and submitted are complete up to here; while
    /// it is ahead of `done`, `done == published` and everything between ran in the
    /// caller.
    done: AtomicU64,
}

/// A ring's storage and counters, shared by its three sides: the application's
/// ([`Producer`], borrowed per call), the worker's ([`Consumer`], owned) and the control
/// path's (the safe `&self` methods here: counters read with atomics).
pub struct Ring {
    mask: u64,
    capacity: u64,
    /// `[src, dst]` of each slot (src holds the fill pattern or the op address).
    addrs: Box<[UnsafeCell<[u64; 2]>]>,
    lens: Box<[UnsafeCell<u32>]>,
    /// Kind in bits 0..2, source segments in bits 2..5, destination ones in 5..8.
    metas: Box<[UnsafeCell<u8>]>,
    sgs: Box<[UnsafeCell<SgList>]>,
    status: Box<[AtomicU8]>,
    tail: Line<AtomicU64>,
    reaped: Line<AtomicU64>,
    /// Consecutive completion polls that found nothing while work was outstanding.
    empty_polls: AtomicU32,
    /// Errors the application has collected, to know when to look at statuses.
    errors_reaped: AtomicU64,
    /// The copy-break's counters (see the module's doc).
    inline: Line<InlineRun>,
    /// Operations (never `Op`s) of at most this many bytes run in the caller's
    /// thread when nothing earlier is left to the worker; 0: never.
    copybreak: u32,
    /// Where the caller runs them on a ring with a data path (`None`: this
    /// process's memory, plain loads and stores).
    inline_path: Option<Arc<dyn InlinePath>>,
    /// The device is started (its worker runs): only then may the caller run an
    /// operation itself, as a stopped device executes nothing.
    started: AtomicBool,
    /// Silent mode (`RTE_DMA_CFG_FLAG_SILENT`): nobody collects completions, so a
    /// full ring forgets the executed operations to make room.
    silent: AtomicBool,
    published: Line<AtomicU64>,
    done: Line<AtomicU64>,
    /// Failed operations the worker has executed (published before `done`).
    errors: AtomicU64,
    /// Counter values at the last stats reset.
    stats_base: [AtomicU64; 3],
}

// SAFETY: the descriptor slots (`UnsafeCell`s) are touched by two sides only: the one
// `Producer` (at most one exists at a time: `Ring::producer`'s contract) writes slots
// outside [reaped, tail) before `published` covers them (Release); the one `Consumer`
// (owned, not `Clone`) reads slots in [done, published) after loading `published`
// (Acquire). A slot is reused only after `done` (Release) and `reaped` passed it.
// Everything else is atomic.
unsafe impl Sync for Ring {}
// SAFETY: the ring owns plain data; see above for shared access.
unsafe impl Send for Ring {}

impl Ring {
    /// A ring of `nb_desc` descriptors (a power of two), `nb_desc - 1` usable, with its
    /// worker side, which executes operations through `datapath` (plain loads and
    /// stores in this process when `None`). Operations of at most `copybreak` bytes
    /// may run in the caller's thread through the data path's [`InlinePath`] (none
    /// without one).
    pub fn with_datapath(
        nb_desc: u16,
        datapath: Option<Box<dyn DataPath>>,
        copybreak: u32,
    ) -> Result<(Arc<Ring>, Consumer)> {
        Ring::build(nb_desc, datapath, copybreak)
    }

    /// A ring of local operations whose operations of at most `copybreak` bytes may
    /// run in the caller's thread (see the module's doc; 0: never).
    pub fn local(nb_desc: u16, copybreak: u32) -> Result<(Arc<Ring>, Consumer)> {
        Ring::build(nb_desc, None, copybreak)
    }

    fn build(
        nb_desc: u16,
        datapath: Option<Box<dyn DataPath>>,
        copybreak: u32,
    ) -> Result<(Arc<Ring>, Consumer)> {
        if !nb_desc.is_power_of_two() || nb_desc < 2 {
            return Err(Error::InvalidArgument);
        }
        let n = nb_desc as usize;
        let inline_path = datapath.as_ref().and_then(|d| d.inline_path());
        let copybreak = match (&datapath, &inline_path) {
            (Some(_), None) => 0,
            _ => copybreak,
        };
        let ring = Arc::new(Ring {
            mask: n as u64 - 1,
            capacity: n as u64 - 1,
            addrs: (0..n).map(|_| UnsafeCell::new([0; 2])).collect(),
            lens: (0..n).map(|_| UnsafeCell::new(0)).collect(),
            metas: (0..n).map(|_| UnsafeCell::new(0)).collect(),
            sgs: (0..n).map(|_| UnsafeCell::new(SgList::default())).collect(),
            status: (0..n).map(|_| AtomicU8::new(0)).collect(),
            tail: Line::default(),
            reaped: Line::default(),
            empty_polls: AtomicU32::new(0),
            errors_reaped: AtomicU64::new(0),
            inline: Line::default(),
            copybreak,
            inline_path,
            started: AtomicBool::new(false),
            silent: AtomicBool::new(false),
            published: Line::default(),
            done: Line::default(),
            errors: AtomicU64::new(0),
            stats_base: Default::default(),
        });
        let consumer = Consumer {
            ring: Arc::clone(&ring),
            done: 0,
            datapath,
        };
        Ok((ring, consumer))
    }

    /// A ring of local operations, run by the worker or, at most `copybreak` bytes,
    /// by the caller (see [`Ring::with_datapath`] for the others).
    pub fn new(nb_desc: u16) -> Result<(Arc<Ring>, Consumer)> {
        Ring::build(nb_desc, None, 0)
    }

    /// The application side, for one call.
    ///
    /// # Safety
    /// While the returned handle lives, no other `Producer` of this ring exists (on any
    /// thread). This is DPDK's data-path rule, "one thread at a time per vchan", which
    /// callers of [`crate::driver::FastPath`] promise.
    #[inline(always)]
    pub unsafe fn producer(&self) -> Producer<'_> {
        Producer {
            ring: self,
            _not_send: PhantomData,
        }
    }

    /// Records whether the device is started (the copy-break runs operations only
    /// then). The engine's control path sets it when it starts and stops the worker.
    pub(super) fn set_started(&self, on: bool) {
        self.started.store(on, Relaxed);
    }

    /// Sets silent mode (the engine does it at vchan setup, from the device's
    /// configuration).
    pub(super) fn set_silent(&self, on: bool) {
        self.silent.store(on, Relaxed);
    }

    pub fn nb_desc(&self) -> u64 {
        self.mask + 1
    }

    /// Free descriptors. Exact on the application's thread; from another one (a
    /// dump) the two counters are read at different moments, so the difference is
    /// clamped to what the ring can hold.
    #[inline]
    pub fn capacity(&self) -> u16 {
        // Silent: executed operations are free slots (nobody reaps them).
        let reaped = if self.silent.load(Relaxed) {
            self.completed()
        } else {
            self.reaped.0.load(Relaxed)
        };
        let used = self.tail.0.load(Relaxed).saturating_sub(reaped);
        (self.capacity - used.min(self.capacity)) as u16
    }

    /// Operations executed and submitted: by the worker (`done`) or, ahead of it, by
    /// the caller (`inline.done`).
    #[inline]
    fn completed(&self) -> u64 {
        let done = self.done.0.load(Acquire);
        done.max(self.inline.0.done.load(Relaxed))
    }

    /// True when the application has submitted work the worker has not finished.
    pub fn busy(&self) -> bool {
        self.done.0.load(Acquire) != self.published.0.load(Acquire)
    }

    fn status_at(&self, pos: u64) -> u8 {
        self.status[(pos & self.mask) as usize].load(Relaxed)
    }

    /// Counters since the last reset: submitted (enqueued), completed, errors.
    pub fn stats(&self) -> rte_dma_stats {
        let now = [
            self.tail.0.load(Relaxed),
            self.completed(),
            self.errors.load(Acquire),
        ];
        rte_dma_stats {
            submitted: now[0].wrapping_sub(self.stats_base[0].load(Relaxed)),
            completed: now[1].wrapping_sub(self.stats_base[1].load(Relaxed)),
            errors: now[2].wrapping_sub(self.stats_base[2].load(Relaxed)),
        }
    }

    pub fn stats_reset(&self) {
        let now = [
            self.tail.0.load(Relaxed),
            self.completed(),
            self.errors.load(Acquire),
        ];
        for (b, v) in self.stats_base.iter().zip(now) {
            b.store(v, Relaxed);
        }
    }

    /// Raw positions for `rte_dma_dump`: (tail, submitted, executed, reaped), counting
    /// what the caller ran itself (copy-break) with the worker's.
    pub fn positions(&self) -> (u64, u64, u64, u64) {
        let completed = self.completed();
        (
            self.tail.0.load(Relaxed),
            self.published.0.load(Relaxed).max(completed),
            completed,
            self.reaped.0.load(Relaxed),
        )
    }
}

/// The application side of a ring: enqueue, submit and completion, all on one thread
/// at a time. Made only by the unsafe [`Ring::producer`], neither `Send` nor `Sync`,
/// and its methods take `&mut self`, so safe code cannot take it to another thread:
///
/// ```compile_fail
/// # use dmadev::engines::ring::*;
/// # let (ring, _worker) = Ring::new(32).unwrap();
/// let p = unsafe { ring.producer() };
/// std::thread::scope(|s| {
///     s.spawn(move || drop(p)); // error: `Producer` cannot be sent between threads
/// });
/// ```
pub struct Producer<'a> {
    ring: &'a Ring,
    _not_send: PhantomData<*mut ()>,
}

impl Producer<'_> {
    /// Runs the operation in this thread if the ring's copy-break allows it (small
    /// enough, nothing earlier left to the worker), else queues it as `push` does.
    /// Returns its ring index; either way it is reported once submitted.
    ///
    /// # Safety
    /// The operation's memory is valid now (as it must be until it completes).
    #[inline(always)]
    pub unsafe fn push_or_run(
        &mut self,
        desc: Desc,
        sg: Option<(&[rte_dma_sge], &[rte_dma_sge])>,
    ) -> Result<u16> {
        let r = self.ring;
        if desc.len > r.copybreak
            || r.copybreak == 0
            || desc.kind == OpKind::Op
            || !r.started.load(Relaxed)
        {
            return self.push(desc, sg, false);
        }
        let tail = r.tail.0.load(Relaxed);
        let published = r.published.0.load(Relaxed);
        let only_ours = published == tail || r.inline.0.end.load(Relaxed) == tail;
        // Acquire: the worker's writes of every operation before `done` are visible,
        // so this one runs after them, as a fence or a dependent copy needs.
        if !only_ours || r.done.0.load(Acquire) != published {
            return self.push(desc, sg, false);
        }
        if r.capacity == tail - r.reaped.0.load(Relaxed) && !self.forget_completed() {
            return Err(Error::NoSpace);
        }
        if let Some((src, dst)) = sg
            && src.len() + dst.len() > 2 * MAX_SGES
        {
            return Err(Error::InvalidArgument);
        }
        // Every earlier operation has been executed, so this one runs in order.
        match &r.inline_path {
            // SAFETY: this process's memory, valid (our contract).
            None => unsafe {
                match desc.kind {
                    // The common case, inlined down to a few loads and stores.
                    OpKind::Copy => super::memops::copy(desc.src, desc.dst, desc.len as usize),
                    kind => super::memops::execute(
                        kind,
                        desc.src,
                        desc.dst,
                        desc.len,
                        sg.unwrap_or((&[], &[])),
                    ),
                }
            },
            Some(path) => {
                let segs = sg.unwrap_or((&[], &[]));
                if !path.try_run(desc.kind, desc.src, desc.dst, desc.len, segs) {
                    return self.push(desc, sg, false);
                }
            }
        }
        r.status[(tail & r.mask) as usize].store(0, Relaxed);
        r.inline.0.end.store(tail + 1, Relaxed);
        r.tail.0.store(tail + 1, Relaxed);
        Ok(tail as u16)
    }

    /// Writes one descriptor (and its segments) for the worker and returns its ring
    /// index.
    #[inline(always)]
    pub fn push(
        &mut self,
        desc: Desc,
        sg: Option<(&[rte_dma_sge], &[rte_dma_sge])>,
        submit: bool,
    ) -> Result<u16> {
        let r = self.ring;
        let tail = r.tail.0.load(Relaxed);
        let mut free = r.capacity - (tail - r.reaped.0.load(Relaxed));
        if free == 0 {
            if !self.forget_completed() {
                return Err(Error::NoSpace);
            }
            free = r.capacity - (tail - r.reaped.0.load(Relaxed));
        }
        let published = r.published.0.load(Relaxed);
        if published != tail && r.inline.0.end.load(Relaxed) == tail {
            self.leave_inline_run(published, tail);
        }
        let slot = (tail & r.mask) as usize;
        // The worker read the free slots ahead of us a lap ago, so their cache lines
        // sit in its core: ask for them now, for writing, so the store does not stall.
        // Only free slots: a slot still in flight may be about to be read by the worker.
        let ahead = ((tail + PREFETCH_AHEAD.min(free - 1)) & r.mask) as usize;
        prefetch_for_write(r.addrs[ahead].get());
        prefetch_for_write(r.lens[ahead].get());
        prefetch_for_write(r.metas[ahead].get());
        if let Some((src, dst)) = sg {
            // A segment list spans two cache lines.
            let list = r.sgs[ahead].get() as *const u8;
            prefetch_for_write(list);
            prefetch_for_write(list.wrapping_add(64));
            if src.len() + dst.len() > 2 * MAX_SGES {
                return Err(Error::InvalidArgument);
            }
        }
        // SAFETY: we are the only producer (`Ring::producer`'s contract) and slot
        // `tail` is outside [reaped, tail), so neither the worker nor the completion
        // side looks at it until `published` covers it.
        unsafe {
            *r.addrs[slot].get() = [desc.src, desc.dst];
            *r.lens[slot].get() = desc.len;
            *r.metas[slot].get() = desc.kind as u8
                | desc.nb_src << 2
                | desc.nb_dst << 5
                | ((desc.auto_free && desc.kind != OpKind::CopySg) as u8) << 2;
            if let Some((src, dst)) = sg {
                let list = &mut *r.sgs[slot].get();
                list.segs[..src.len()].copy_from_slice(src);
                list.segs[src.len()..src.len() + dst.len()].copy_from_slice(dst);
            }
        }
        r.tail.0.store(tail + 1, Relaxed);
        if submit {
            r.published.0.store(tail + 1, Release);
        }
        Ok(tail as u16)
    }

    /// Silent mode's answer to a full ring: every executed operation is reaped
    /// unseen. True if that freed a slot (false, and nothing done, outside silent
    /// mode).
    #[cold]
    fn forget_completed(&mut self) -> bool {
        let r = self.ring;
        if !r.silent.load(Relaxed) {
            return false;
        }
        let reaped = r.reaped.0.load(Relaxed);
        let done = r.completed();
        r.errors_reaped.store(r.errors.load(Acquire), Relaxed);
        r.reaped.0.store(done, Relaxed);
        done > reaped
    }

    /// The operations in `[from, to)` ran in the caller and a queued one follows
    /// them: the submitted ones become `done` and `published`, the slots of the others
    /// no-ops (copies of 0 bytes) for the worker to walk.
    #[cold]
    fn leave_inline_run(&mut self, from: u64, to: u64) {
        let r = self.ring;
        let submitted = r.inline.0.done.load(Relaxed);
        let from = if submitted > from {
            // `done` first: see the module's doc.
            r.done.0.store(submitted, Release);
            r.published.0.store(submitted, Release);
            submitted
        } else {
            from
        };
        for pos in from..to {
            let slot = (pos & r.mask) as usize;
            // SAFETY: only producer; `pos` is enqueued but not published, so
            // neither the worker nor the completion side reads the slot yet.
            unsafe {
                *r.lens[slot].get() = 0;
                *r.metas[slot].get() = OpKind::Copy as u8;
            }
        }
    }

    /// Submits every enqueued operation. Returns true if the worker got something
    /// new to do (the caller then rings the doorbell); operations that all ran in
    /// the caller complete here.
    #[inline]
    pub fn publish(&mut self) -> bool {
        let r = self.ring;
        let tail = r.tail.0.load(Relaxed);
        let published = r.published.0.load(Relaxed);
        if published == tail || r.inline.0.done.load(Relaxed) == tail {
            return false;
        }
        if r.inline.0.end.load(Relaxed) == tail {
            // All ran here, after everything the worker had (`done == published`
            // then, and it got nothing since): complete, on our own line.
            r.inline.0.done.store(tail, Relaxed);
            return false;
        }
        r.published.0.store(tail, Release);
        true
    }

    /// Free descriptors (exact: see [`Ring::capacity`]).
    #[inline]
    pub fn capacity(&self) -> u16 {
        self.ring.capacity()
    }

    /// Collects up to `max` executed operations, stopping before the first failed one.
    /// Returns (count, last ring index, whether a failure stopped it).
    #[inline]
    pub fn reap_ok(&mut self, max: u16) -> (u16, u16, bool) {
        let r = self.ring;
        let reaped = r.reaped.0.load(Relaxed);
        let done = r.completed();
        let mut n = (done - reaped).min(max as u64);
        let mut failed = false;
        if r.errors.load(Acquire) > r.errors_reaped.load(Relaxed)
            && let Some(i) = (0..n).find(|i| r.status_at(reaped + i) != 0)
        {
            n = i;
            failed = true;
        }
        let reaped = reaped + n;
        r.reaped.0.store(reaped, Relaxed);
        (n as u16, reaped.wrapping_sub(1) as u16, failed)
    }

    /// Collects up to `out.len()` executed operations, writing each one's
    /// `enum rte_dma_status_code` value (as an integer: `out` is C's array, maybe
    /// uninitialised).
    #[inline]
    pub fn reap_status(&mut self, out: &mut [MaybeUninit<rte_dma_status_code_raw>]) -> (u16, u16) {
        let r = self.ring;
        let reaped = r.reaped.0.load(Relaxed);
        let done = r.completed();
        let n = (done - reaped).min(out.len() as u64);
        let mut errors = 0;
        for (i, o) in out.iter_mut().take(n as usize).enumerate() {
            let code = r.status_at(reaped + i as u64);
            errors += (code != 0) as u64;
            o.write(status_raw(code));
        }
        if errors != 0 {
            r.errors_reaped.fetch_add(errors, Relaxed);
        }
        let reaped = reaped + n;
        r.reaped.0.store(reaped, Relaxed);
        (n as u16, reaped.wrapping_sub(1) as u16)
    }

    /// Collects up to `out.len()` executed `rte_dma_op`s (enqueue/dequeue mode),
    /// storing each one's status in it.
    ///
    /// # Safety
    /// Every collected descriptor is of kind `Op` and names a live operation.
    #[inline]
    pub unsafe fn reap_ops(&mut self, out: &mut [*mut rte_dma_op]) -> u16 {
        let r = self.ring;
        let reaped = r.reaped.0.load(Relaxed);
        let done = r.completed();
        let n = (done - reaped).min(out.len() as u64);
        let mut errors = 0;
        for (i, o) in out.iter_mut().take(n as usize).enumerate() {
            let pos = reaped + i as u64;
            // SAFETY: [reaped, done) was written by us (the producer) and executed;
            // the worker no longer reads it and we do not write it until reaped.
            let op =
                unsafe { (*r.addrs[(pos & r.mask) as usize].get())[0] } as usize as *mut rte_dma_op;
            let code = r.status_at(pos);
            errors += (code != 0) as u64;
            // SAFETY: the op stays owned by the device until handed back here.
            unsafe { (*op).status = status_raw(code) };
            *o = op;
        }
        if errors != 0 {
            r.errors_reaped.fetch_add(errors, Relaxed);
        }
        r.reaped.0.store(reaped + n, Relaxed);
        n as u16
    }

    /// Called by the completion side after a poll that returned `n`: after
    /// `STALL_POLLS` empty polls in a row with submitted work not done, gives the CPU
    /// away once. On separate cores this never matters (the worker runs anyway); when
    /// the worker shares the caller's CPU (a one-CPU process, or `lcore=` set to the
    /// caller's core) it turns a stall of a whole scheduler slice into microseconds.
    #[inline]
    pub fn note_poll(&mut self, n: u16) {
        if n != 0 {
            if self.ring.empty_polls.load(Relaxed) != 0 {
                self.ring.empty_polls.store(0, Relaxed);
            }
            return;
        }
        self.note_empty_poll();
    }

    #[cold]
    fn note_empty_poll(&mut self) {
        let r = self.ring;
        let polls = r.empty_polls.load(Relaxed) + 1;
        r.empty_polls.store(polls, Relaxed);
        if polls.is_multiple_of(STALL_POLLS) && r.busy() {
            std::thread::yield_now();
        }
    }
}

/// The worker side of a ring: exactly one per ring (made with it, not `Clone`). The
/// engine moves it into its worker thread and gets it back when the thread ends, so
/// while a worker runs nobody else can reach this side:
///
/// ```compile_fail
/// # use dmadev::engines::ring::*;
/// let (_ring, worker) = Ring::new(32).unwrap();
/// let second = worker.clone(); // error: `Consumer` is not `Clone`
/// ```
pub struct Consumer {
    ring: Arc<Ring>,
    /// `done` as we last published it.
    done: u64,
    /// How operations reach memory, when not plainly in this process.
    datapath: Option<Box<dyn DataPath>>,
}

impl Consumer {
    pub fn ring(&self) -> &Ring {
        &self.ring
    }

    /// Empties the ring and restarts indexes at 0. Needs the worker side in hand, so
    /// no worker runs; an application breaking DPDK's rule by using the vchan
    /// meanwhile only disturbs these atomic counters.
    pub fn reset(&mut self) {
        let r = &*self.ring;
        for c in [
            &r.tail.0,
            &r.inline.0.end,
            &r.inline.0.done,
            &r.reaped.0,
            &r.published.0,
            &r.done.0,
            &r.errors,
            &r.errors_reaped,
        ] {
            c.store(0, Relaxed);
        }
        for b in &r.stats_base {
            b.store(0, Relaxed);
        }
        self.done = 0;
    }

    /// The operations published and not yet executed: `[done, published)`.
    #[inline]
    pub fn pending(&mut self) -> Batch<'_> {
        self.pending_with_datapath().0
    }

    /// `pending`, and the vchan's data path beside it.
    #[inline]
    pub fn pending_with_datapath(&mut self) -> (Batch<'_>, Option<&mut dyn DataPath>) {
        let mut end = self.ring.published.0.load(Acquire);
        if end > self.done {
            // Operations the caller ran itself (copy-break) were published with `done`
            // already past them, stored before `published`, so this load sees it.
            let done = self.ring.done.0.load(Relaxed);
            self.done = self.done.max(done);
            end = end.max(self.done);
        }
        let batch = Batch {
            ring: &self.ring,
            start: self.done,
            end,
            done: &mut self.done,
        };
        (batch, self.datapath.as_deref_mut())
    }
}

/// Published operations the worker executes: only their slots can be read, and
/// only up to them can `done` move. Its bounds are plain fields, so checking them
/// costs a compare per operation on registers.
pub struct Batch<'a> {
    ring: &'a Ring,
    /// Not executed yet (as published to the application).
    start: u64,
    /// `published` as read.
    end: u64,
    done: &'a mut u64,
}

impl<'a> Batch<'a> {
    pub fn ring(&self) -> &'a Ring {
        self.ring
    }

    /// The first operations of this batch, up to `end` (clamped to the batch), as a
    /// batch of their own, e.g. for a data path to run before the one at `end`.
    #[inline]
    pub fn until(&mut self, end: u64) -> Batch<'_> {
        Batch {
            ring: self.ring,
            start: self.start,
            end: end.clamp(self.start, self.end),
            done: &mut *self.done,
        }
    }

    /// Positions not finished yet.
    #[inline]
    pub fn range(&self) -> core::ops::Range<u64> {
        self.start..self.end
    }

    /// The descriptor at `pos` and, for scatter-gather, its segments.
    ///
    /// # Panics
    /// If `pos` is outside [`Batch::range`] (the producer may be writing that slot).
    #[inline]
    pub fn desc_at(&self, pos: u64) -> (Desc, &SgList) {
        assert!(self.start <= pos && pos < self.end, "slot not published");
        let r = self.ring;
        let slot = (pos & r.mask) as usize;
        // SAFETY: `pos` is in [done, published): the producer wrote this slot before
        // publishing it (we loaded `published` with Acquire) and will not write it
        // again before `done` passes it, which needs `&mut self` (`finish`), so the
        // returned `&SgList` is gone by then.
        unsafe {
            let [src, dst] = *r.addrs[slot].get();
            let meta = *r.metas[slot].get();
            let kind = match meta & 3 {
                0 => OpKind::Copy,
                1 => OpKind::Fill,
                2 => OpKind::CopySg,
                _ => OpKind::Op,
            };
            let d = Desc {
                src,
                dst,
                len: *r.lens[slot].get(),
                kind,
                nb_src: (meta >> 2) & 7,
                nb_dst: meta >> 5,
                auto_free: kind != OpKind::CopySg && meta & 4 != 0,
            };
            (d, &*r.sgs[slot].get())
        }
    }

    /// Records the status of the operation at `pos`.
    #[inline]
    pub fn set_status(&self, pos: u64, code: u8) {
        debug_assert!(self.start <= pos && pos < self.end);
        self.ring.status[(pos & self.ring.mask) as usize].store(code, Relaxed);
    }

    /// Publishes that everything before `upto` is executed, `failed` of them in error.
    ///
    /// # Panics
    /// If `upto` is outside [start of range, end of range].
    #[inline]
    pub fn finish(&mut self, upto: u64, failed: u64) {
        assert!(
            self.start <= upto && upto <= self.end,
            "finish past published"
        );
        if failed != 0 {
            self.ring.errors.fetch_add(failed, Relaxed);
        }
        self.start = upto;
        *self.done = upto;
        self.ring.done.0.store(upto, Release);
    }
}

/// The `enum rte_dma_status_code` value of a stored status code (codes are written
/// from its enumerators, 0..=14; anything else reads as `ERROR_UNKNOWN`).
#[inline]
pub fn status_raw(code: u8) -> rte_dma_status_code_raw {
    if code <= rte_dma_status_code::RTE_DMA_STATUS_PAGE_FAULT as u8 {
        code as u32
    } else {
        rte_dma_status_code::RTE_DMA_STATUS_ERROR_UNKNOWN as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::AtomicBool;

    fn copy_desc() -> Desc {
        Desc {
            src: 1,
            dst: 2,
            len: 3,
            kind: OpKind::Copy,
            nb_src: 0,
            nb_dst: 0,
            auto_free: false,
        }
    }

    fn run_worker(w: &mut Consumer, fail_at: Option<u64>) {
        let mut b = w.pending();
        let todo = b.range();
        let mut failed = 0;
        for pos in todo.clone() {
            let code = if Some(pos) == fail_at { 3 } else { 0 };
            failed += (code != 0) as u64;
            b.set_status(pos, code);
        }
        b.finish(todo.end, failed);
    }

    /// The application side of a ring used by one test thread.
    fn producer(r: &Ring) -> Producer<'_> {
        // SAFETY: each test makes one producer per ring, on one thread at a time.
        unsafe { r.producer() }
    }

    fn codes(st: &[MaybeUninit<u32>], n: usize) -> Vec<u32> {
        // SAFETY: the first `n` entries were written by `reap_status`.
        st[..n].iter().map(|c| unsafe { c.assume_init() }).collect()
    }

    #[test]
    fn a_silent_ring_forgets_executed_operations_when_full() {
        let (r, mut w) = Ring::new(32).unwrap();
        r.set_silent(true);
        let mut p = producer(&r);
        for i in 0..31 {
            assert_eq!(p.push(copy_desc(), None, false), Ok(i));
        }
        assert!(p.publish());
        // Nothing executed yet: still full.
        assert_eq!(p.push(copy_desc(), None, false), Err(Error::NoSpace));
        run_worker(&mut w, Some(4));
        assert_eq!(p.capacity(), 31, "executed slots count as free");
        assert_eq!(p.push(copy_desc(), None, false), Ok(31));
        assert_eq!(p.capacity(), 30);
        // Not silent: the same ring state refuses until completions are reaped.
        let (r2, mut w2) = Ring::new(32).unwrap();
        let mut p2 = producer(&r2);
        (0..31).for_each(|_| assert!(p2.push(copy_desc(), None, true).is_ok()));
        run_worker(&mut w2, None);
        assert_eq!(p2.push(copy_desc(), None, false), Err(Error::NoSpace));
    }

    #[test]
    fn capacity_is_nb_desc_minus_one_and_full_ring_refuses() {
        let (r, mut w) = Ring::new(32).unwrap();
        let mut p = producer(&r);
        assert_eq!(p.capacity(), 31);
        for i in 0..31 {
            assert_eq!(p.push(copy_desc(), None, false), Ok(i));
        }
        assert_eq!(p.push(copy_desc(), None, false), Err(Error::NoSpace));
        assert!(p.publish());
        assert!(!p.publish());
        run_worker(&mut w, None);
        assert_eq!(p.reap_ok(10), (10, 9, false));
        assert_eq!(p.capacity(), 10);
        assert!(Ring::new(48).is_err());
    }

    #[test]
    fn ring_index_wraps_after_65535_and_last_idx_starts_at_65535() {
        let (r, mut w) = Ring::new(64).unwrap();
        let mut p = producer(&r);
        assert_eq!(p.reap_ok(1), (0, 0xFFFF, false));
        let mut last = 0;
        for _ in 0..(65536 / 32 + 1) {
            for _ in 0..32 {
                last = p.push(copy_desc(), None, false).unwrap();
            }
            p.publish();
            run_worker(&mut w, None);
            let (n, idx, _) = p.reap_ok(64);
            assert_eq!((n, idx), (32, last));
        }
        assert_eq!(last, 31, "index 65535 is followed by 0");
    }

    #[test]
    fn capacity_read_by_another_thread_stays_in_range() {
        // `rte_dma_dump` reads the free count from its own thread while the
        // application enqueues and collects.
        let (r, mut w) = Ring::new(32).unwrap();
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut p = producer(&r);
                while !stop.load(Relaxed) {
                    for _ in 0..8 {
                        p.push(copy_desc(), None, false).unwrap();
                    }
                    p.publish();
                    run_worker(&mut w, None);
                    assert_eq!(p.reap_ok(8).0, 8);
                }
            });
            let ms = if cfg!(miri) { 20 } else { 300 };
            let deadline = std::time::Instant::now() + std::time::Duration::from_millis(ms);
            let mut worst = 0;
            // (A panic in `capacity` must still stop the producer.)
            let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                while std::time::Instant::now() < deadline {
                    worst = worst.max(r.capacity());
                }
            }));
            stop.store(true, Relaxed);
            assert!(polled.is_ok(), "capacity panicked");
            assert!(worst <= 31, "free {worst}");
        });
    }

    #[test]
    fn completed_stops_before_a_failure_and_status_reports_it() {
        let (r, mut w) = Ring::new(32).unwrap();
        let mut p = producer(&r);
        for _ in 0..5 {
            p.push(copy_desc(), None, true).unwrap();
        }
        run_worker(&mut w, Some(2));
        assert_eq!(p.reap_ok(5), (2, 1, true));
        assert_eq!(p.reap_ok(5), (0, 1, true));
        let mut st = [MaybeUninit::uninit(); 8];
        assert_eq!(p.reap_status(&mut st), (3, 4));
        use rte_dma_status_code::*;
        assert_eq!(
            codes(&st, 3),
            [
                RTE_DMA_STATUS_INVALID_SRC_ADDR as u32,
                RTE_DMA_STATUS_SUCCESSFUL as u32,
                RTE_DMA_STATUS_SUCCESSFUL as u32
            ]
        );
        assert_eq!(
            r.stats(),
            rte_dma_stats {
                submitted: 5,
                completed: 5,
                errors: 1
            }
        );
        r.stats_reset();
        assert_eq!(r.stats(), rte_dma_stats::default());
    }

    #[test]
    fn stored_codes_read_as_declared_status_values() {
        assert_eq!(status_raw(0), 0);
        assert_eq!(status_raw(14), 14);
        assert_eq!(status_raw(15), 0x100);
        assert_eq!(status_raw(255), 0x100);
    }

    #[test]
    fn worker_side_reads_only_published_slots() {
        let (r, mut w) = Ring::new(32).unwrap();
        let mut p = producer(&r);
        p.push(copy_desc(), None, false).unwrap();
        assert!(w.pending().range().is_empty(), "not submitted yet");
        let unpublished = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            w.pending().desc_at(0);
        }));
        assert!(
            unpublished.is_err(),
            "a slot the producer may write is refused"
        );
        p.publish();
        let mut b = w.pending();
        assert_eq!(b.range(), 0..1);
        assert_eq!(b.desc_at(0).0.len, 3);
        let past = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| b.finish(2, 0)));
        assert!(past.is_err(), "finish cannot cover unpublished slots");
    }

    /// A copy of `src` into `dst` as a descriptor.
    fn copy_of(src: &[u8], dst: &mut [u8]) -> Desc {
        Desc {
            src: src.as_ptr() as u64,
            dst: dst.as_mut_ptr() as u64,
            len: src.len() as u32,
            kind: OpKind::Copy,
            nb_src: 0,
            nb_dst: 0,
            auto_free: false,
        }
    }

    /// A ring with a 64-byte copy-break, of a started device.
    fn started_ring() -> (Arc<Ring>, Consumer) {
        let (r, w) = Ring::local(32, 64).unwrap();
        r.set_started(true);
        (r, w)
    }

    #[test]
    fn copybreak_runs_nothing_while_the_device_is_stopped() {
        let (r, mut w) = Ring::local(32, 64).unwrap();
        let mut p = producer(&r);
        let src = [7u8; 64];
        let mut dst = [0u8; 64];
        assert_eq!(copy_now_or_queue(&mut p, copy_of(&src, &mut dst)), Ok(0));
        assert_eq!(dst, [0; 64], "a stopped device executes nothing");
        assert!(p.publish(), "queued for the worker");
        assert_eq!(run_worker_for_real(&mut w), 0..1);
        assert_eq!(dst, src);
    }

    /// `push_or_run` of a copy between test buffers.
    fn copy_now_or_queue(p: &mut Producer<'_>, d: Desc) -> Result<u16> {
        // SAFETY: the tests' descriptors name buffers that live through the test.
        unsafe { p.push_or_run(d, None) }
    }

    /// Runs the worker's side as the worker does (`worker::execute`), returning the
    /// positions it executed.
    fn run_worker_for_real(w: &mut Consumer) -> core::ops::Range<u64> {
        let mut b = w.pending();
        let todo = b.range();
        for pos in todo.clone() {
            let (d, sg) = b.desc_at(pos);
            // SAFETY: the tests' descriptors name live buffers (or are no-ops).
            let code = unsafe { super::super::worker::execute(&d, sg) };
            b.set_status(pos, code);
        }
        b.finish(todo.end, 0);
        todo
    }

    #[test]
    fn copybreak_runs_small_operations_at_once_and_reports_them_when_submitted() {
        let (r, mut w) = started_ring();
        let mut p = producer(&r);
        let src = [7u8; 64];
        let mut dst = [[0u8; 64]; 3];
        for (i, d) in dst.iter_mut().enumerate() {
            assert_eq!(copy_now_or_queue(&mut p, copy_of(&src, d)), Ok(i as u16));
        }
        assert!(dst.iter().all(|d| *d == src), "ran at enqueue");
        assert_eq!(p.reap_ok(8), (0, 0xFFFF, false), "not before the submit");
        assert!(!p.publish(), "nothing for the worker");
        assert_eq!(p.reap_ok(8), (3, 2, false));
        assert!(run_worker_for_real(&mut w).is_empty());
        assert_eq!(r.stats().completed, 3);
        // A larger one goes to the worker; the index goes on.
        let big = [9u8; 65];
        let mut big_dst = [0u8; 65];
        assert_eq!(
            copy_now_or_queue(&mut p, copy_of(&big, &mut big_dst)),
            Ok(3)
        );
        assert!(p.publish());
        assert_eq!(big_dst, [0; 65], "left to the worker");
        assert_eq!(run_worker_for_real(&mut w), 3..4);
        assert_eq!(big_dst, big);
        assert_eq!(p.reap_ok(8), (1, 3, false));
    }

    #[test]
    fn copybreak_waits_behind_earlier_operations_of_the_worker() {
        let (r, mut w) = started_ring();
        let mut p = producer(&r);
        // 0: a large copy into `a` (worker); 1: a small copy from `a` into `b`,
        // which must see the large one's result, so it cannot run at enqueue.
        let big = [5u8; 128];
        let mut a = [0u8; 128];
        let mut b = [0u8; 32];
        assert_eq!(copy_now_or_queue(&mut p, copy_of(&big, &mut a)), Ok(0));
        assert!(p.publish());
        assert_eq!(copy_now_or_queue(&mut p, copy_of(&a[..32], &mut b)), Ok(1));
        assert_eq!(b, [0; 32], "queued behind the worker's operation");
        assert!(p.publish());
        assert_eq!(run_worker_for_real(&mut w), 0..2);
        assert_eq!(b, [5; 32]);
        assert_eq!(p.reap_ok(8), (2, 1, false));
        // Nothing left to the worker: small ones run here again.
        let mut c = [0u8; 8];
        assert_eq!(copy_now_or_queue(&mut p, copy_of(&b[..8], &mut c)), Ok(2));
        assert_eq!(c, [5; 8]);
    }

    #[test]
    fn copybreak_run_then_queued_operation_leaves_no_ops_for_the_worker() {
        let (r, mut w) = started_ring();
        let mut p = producer(&r);
        let src = [3u8; 64];
        let mut small = [0u8; 64];
        let mut big_dst = [0u8; 100];
        let big = [4u8; 100];
        let mut again = [0u8; 64];
        assert_eq!(copy_now_or_queue(&mut p, copy_of(&src, &mut small)), Ok(0));
        assert_eq!(
            copy_now_or_queue(&mut p, copy_of(&big, &mut big_dst)),
            Ok(1)
        );
        // Behind a queued operation: queued too.
        assert_eq!(
            copy_now_or_queue(&mut p, copy_of(&small, &mut again)),
            Ok(2)
        );
        assert_eq!(small, src);
        // The slot of operation 0 must be a no-op now: make its source differ, so a
        // second run would show.
        core::hint::black_box(&mut small)[0] = 0xEE;
        assert!(p.publish());
        assert_eq!(run_worker_for_real(&mut w), 0..3);
        assert_eq!(big_dst, big);
        assert_eq!(again[0], 0xEE, "ran after, in order");
        assert_eq!(p.reap_ok(8), (3, 2, false));
        assert_eq!(
            r.stats(),
            rte_dma_stats {
                submitted: 3,
                completed: 3,
                errors: 0
            }
        );
    }

    /// A data path whose members are gone: every operation fails (DEV_LINK_ERROR)
    /// but the no-ops, whose bytes the caller already moved. Its inline path runs
    /// copies of up to 16 bytes (and with `inline: false` it has none).
    struct MemberGone {
        inline: bool,
    }

    struct SmallCopies;

    impl InlinePath for SmallCopies {
        fn try_run(
            &self,
            kind: OpKind,
            src: u64,
            dst: u64,
            len: u32,
            _: (&[rte_dma_sge], &[rte_dma_sge]),
        ) -> bool {
            if kind != OpKind::Copy || len > 16 {
                return false;
            }
            // SAFETY: the test's buffers, live through it.
            unsafe { super::super::memops::copy(src, dst, len as usize) };
            true
        }
    }

    impl DataPath for MemberGone {
        fn execute(&mut self, batch: &Batch<'_>) -> u64 {
            let mut failed = 0;
            for pos in batch.range() {
                let code = if batch.desc_at(pos).0.is_noop() {
                    0
                } else {
                    failed += 1;
                    rte_dma_status_code::RTE_DMA_STATUS_DEV_LINK_ERROR as u8
                };
                batch.set_status(pos, code);
            }
            failed
        }

        fn inline_path(&self) -> Option<Arc<dyn InlinePath>> {
            self.inline
                .then(|| Arc::new(SmallCopies) as Arc<dyn InlinePath>)
        }
    }

    fn run_datapath(w: &mut Consumer) {
        let (mut b, dp) = w.pending_with_datapath();
        let todo = b.range();
        let failed = dp.expect("a data path").execute(&b);
        b.finish(todo.end, failed);
    }

    #[test]
    fn copybreak_through_a_data_path_runs_what_its_inline_path_takes() {
        let (r, mut w) =
            Ring::with_datapath(32, Some(Box::new(MemberGone { inline: true })), 64).unwrap();
        r.set_started(true);
        let mut p = producer(&r);
        let (src, big) = ([5u8; 16], [6u8; 48]);
        let (mut small_dst, mut big_dst) = ([0u8; 16], [0u8; 48]);
        assert_eq!(
            copy_now_or_queue(&mut p, copy_of(&src, &mut small_dst)),
            Ok(0)
        );
        assert_eq!(small_dst, src, "its inline path ran it");
        // Under the copy-break, but the inline path declines: the worker's.
        assert_eq!(
            copy_now_or_queue(&mut p, copy_of(&big, &mut big_dst)),
            Ok(1)
        );
        assert_eq!(big_dst, [0; 48]);
        assert!(p.publish());
        run_datapath(&mut w);
        let mut st = [MaybeUninit::uninit(); 4];
        assert_eq!(p.reap_status(&mut st), (2, 1));
        // SAFETY: the first two were written.
        let st: Vec<_> = st[..2].iter().map(|c| unsafe { c.assume_init() }).collect();
        let gone = rte_dma_status_code::RTE_DMA_STATUS_DEV_LINK_ERROR as rte_dma_status_code_raw;
        assert_eq!(st, [0, gone], "the no-op succeeds: its bytes moved");
    }

    #[test]
    fn a_data_path_without_an_inline_path_has_no_copybreak() {
        let (r, mut w) =
            Ring::with_datapath(32, Some(Box::new(MemberGone { inline: false })), 64).unwrap();
        r.set_started(true);
        let mut p = producer(&r);
        let src = [5u8; 16];
        let mut dst = [0u8; 16];
        assert_eq!(copy_now_or_queue(&mut p, copy_of(&src, &mut dst)), Ok(0));
        assert_eq!(dst, [0; 16], "left to the worker");
        assert!(p.publish());
        run_datapath(&mut w);
        assert_eq!(p.reap_ok(4), (0, 0xFFFF, true));
    }

    #[test]
    fn copybreak_counts_toward_a_full_ring() {
        let (r, _w) = started_ring();
        let mut p = producer(&r);
        let src = [1u8; 8];
        let mut dst = [0u8; 8];
        for i in 0..31 {
            assert_eq!(copy_now_or_queue(&mut p, copy_of(&src, &mut dst)), Ok(i));
        }
        let full = copy_now_or_queue(&mut p, copy_of(&src, &mut dst));
        assert_eq!(full, Err(Error::NoSpace));
        p.publish();
        assert_eq!(p.reap_ok(64), (31, 30, false));
        assert_eq!(p.capacity(), 31);
    }

    #[test]
    fn producer_and_worker_on_two_threads_agree() {
        // Every operation's fields arrive intact at the worker, in order.
        let (r, mut w) = Ring::new(64).unwrap();
        const N: u64 = if cfg!(miri) { 300 } else { 20_000 };
        std::thread::scope(|s| {
            s.spawn(move || {
                let mut next = 0;
                while next < N {
                    let mut b = w.pending();
                    let todo = b.range();
                    for pos in todo.clone() {
                        let (d, _) = b.desc_at(pos);
                        assert_eq!((d.src, d.dst, d.len), (pos, !pos, pos as u32));
                        b.set_status(pos, 0);
                    }
                    b.finish(todo.end, 0);
                    next = todo.end;
                }
            });
            let mut p = producer(&r);
            let (mut pos, mut reaped) = (0u64, 0u64);
            while reaped < N {
                let mut d = copy_desc();
                (d.src, d.dst, d.len) = (pos, !pos, pos as u32);
                if pos < N && p.push(d, None, true).is_ok() {
                    pos += 1;
                }
                reaped += p.reap_ok(16).0 as u64;
            }
        });
    }
}
