//! One vchan's descriptor ring: single producer (the application's thread), single
//! consumer (the engine's worker), completions read from indices.
//!
//! Three monotonically increasing 64-bit counters describe the ring; an operation's
//! position `n` (counted from the last start) is its ring index `n mod 65536`:
//! - `tail`: operations enqueued by the application (producer-owned);
//! - `published`: operations the application has submitted (worker reads it);
//! - `done`: operations the worker has executed (application reads it);
//! - `reaped`: operations the application has collected with `completed*`.
//!
//! `reaped <= done <= published <= tail` and `tail - reaped <= nb_desc - 1`.
//! Each lives on its own cache line so producer and worker never share one.
use crate::abi::*;
use crate::domain::handlers::Endpoint;
use crate::{Error, Result};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering::*};

/// How many descriptors ahead of the producer `push` prefetches (32 cache lines: far
/// enough that the worker finished reading them a lap ago).
const PREFETCH_AHEAD: u64 = 64;

/// Hints the CPU to fetch `p`'s cache line in a writable state (`prefetchw`; the
/// intrinsic's "ET0" hint compiles to a plain read prefetch without `-C target-feature`).
#[inline(always)]
fn prefetch_for_write<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and has no architectural effect.
    unsafe {
        core::arch::asm!("prefetchw [{0}]", in(reg) p, options(nostack, preserves_flags, readonly));
    }
    #[cfg(not(target_arch = "x86_64"))]
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
    pub flags: u8,
}

/// The segments of a scatter-gather operation, beside its descriptor.
#[derive(Clone, Copy, Default)]
pub struct SgList {
    pub segs: [rte_dma_sge; 2 * MAX_SGES],
}

#[repr(align(64))]
#[derive(Default)]
struct Line<T>(T);

/// Where a vchan's addresses live.
#[derive(Clone, Debug)]
pub enum Access {
    /// Both in this process.
    Local,
    /// Inter-domain: source and destination endpoints from the vchan's handlers.
    Domain { src: Endpoint, dst: Endpoint },
}

pub struct Ring {
    /// Fixed at setup; read by the worker.
    pub access: Access,
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
    published: Line<AtomicU64>,
    done: Line<AtomicU64>,
    /// Failed operations the worker has executed (published before `done`).
    errors: AtomicU64,
    /// Counter values at the last stats reset.
    stats_base: [AtomicU64; 3],
}

// SAFETY: descriptor slots in [reaped, tail) are written only by the producer before
// `published` covers them (Release) and read by the worker only after (Acquire);
// slots are reused only after `done` (Release) and `reaped` show they were executed.
unsafe impl Sync for Ring {}
// SAFETY: the ring owns plain data; see above for shared access.
unsafe impl Send for Ring {}

impl Ring {
    /// A ring of `nb_desc` descriptors (a power of two), `nb_desc - 1` usable.
    pub fn new(nb_desc: u16) -> Result<Ring> {
        Ring::with_access(nb_desc, Access::Local)
    }

    /// A ring whose operations move data as `access` says.
    pub fn with_access(nb_desc: u16, access: Access) -> Result<Ring> {
        if !nb_desc.is_power_of_two() || nb_desc < 2 {
            return Err(Error::InvalidArgument);
        }
        let n = nb_desc as usize;
        Ok(Ring {
            access,
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
            published: Line::default(),
            done: Line::default(),
            errors: AtomicU64::new(0),
            stats_base: Default::default(),
        })
    }

    pub fn nb_desc(&self) -> u64 {
        self.mask + 1
    }

    /// Empties the ring and restarts indexes at 0. Only while no worker runs.
    pub fn reset(&self) {
        for c in [
            &self.tail.0,
            &self.reaped.0,
            &self.published.0,
            &self.done.0,
            &self.errors,
            &self.errors_reaped,
        ] {
            c.store(0, Relaxed);
        }
        for b in &self.stats_base {
            b.store(0, Relaxed);
        }
    }

    // ---- producer side (the application's thread) ----

    /// Free descriptors. Exact on the application's thread; from another one (a
    /// dump) the two counters are read at different moments, so the difference is
    /// clamped to what the ring can hold.
    #[inline]
    pub fn capacity(&self) -> u16 {
        let used = self
            .tail
            .0
            .load(Relaxed)
            .saturating_sub(self.reaped.0.load(Relaxed));
        (self.capacity - used.min(self.capacity)) as u16
    }

    /// Writes one descriptor (and its segments) and returns its ring index.
    #[inline(always)]
    pub fn push(
        &self,
        desc: Desc,
        sg: Option<(&[rte_dma_sge], &[rte_dma_sge])>,
        submit: bool,
    ) -> Result<u16> {
        let tail = self.tail.0.load(Relaxed);
        let free = self.capacity - (tail - self.reaped.0.load(Relaxed));
        if free == 0 {
            return Err(Error::NoSpace);
        }
        let slot = (tail & self.mask) as usize;
        // The worker read the free slots ahead of us a lap ago, so their cache lines
        // sit in its core: ask for them now, for writing, so the store does not stall.
        // Only free slots: a slot still in flight may be about to be read by the worker.
        let ahead = ((tail + PREFETCH_AHEAD.min(free - 1)) & self.mask) as usize;
        prefetch_for_write(self.addrs[ahead].get());
        prefetch_for_write(self.lens[ahead].get());
        prefetch_for_write(self.metas[ahead].get());
        if sg.is_some() {
            // A segment list spans two cache lines.
            let list = self.sgs[ahead].get() as *const u8;
            prefetch_for_write(list);
            prefetch_for_write(list.wrapping_add(64));
        }
        // SAFETY: slot `tail` is outside [reaped, tail) so neither the worker nor the
        // completion side looks at it until `published` covers it.
        unsafe {
            *self.addrs[slot].get() = [desc.src, desc.dst];
            *self.lens[slot].get() = desc.len;
            *self.metas[slot].get() = desc.kind as u8 | desc.nb_src << 2 | desc.nb_dst << 5;
            if let Some((src, dst)) = sg {
                let list = &mut *self.sgs[slot].get();
                list.segs[..src.len()].copy_from_slice(src);
                list.segs[src.len()..src.len() + dst.len()].copy_from_slice(dst);
            }
        }
        self.tail.0.store(tail + 1, Relaxed);
        if submit {
            self.published.0.store(tail + 1, Release);
        }
        Ok(tail as u16)
    }

    /// Makes every enqueued descriptor visible to the worker. Returns true if there
    /// was something new.
    #[inline]
    pub fn publish(&self) -> bool {
        let tail = self.tail.0.load(Relaxed);
        if self.published.0.load(Relaxed) == tail {
            return false;
        }
        self.published.0.store(tail, Release);
        true
    }

    /// Collects up to `max` executed operations, stopping before the first failed one.
    /// Returns (count, last ring index, whether a failure stopped it).
    #[inline]
    pub fn reap_ok(&self, max: u16) -> (u16, u16, bool) {
        let reaped = self.reaped.0.load(Relaxed);
        let done = self.done.0.load(Acquire);
        let mut n = (done - reaped).min(max as u64);
        let mut failed = false;
        if self.errors.load(Acquire) > self.errors_reaped.load(Relaxed)
            && let Some(i) = (0..n).find(|i| self.status_at(reaped + i) != 0)
        {
            n = i;
            failed = true;
        }
        let reaped = reaped + n;
        self.reaped.0.store(reaped, Relaxed);
        (n as u16, reaped.wrapping_sub(1) as u16, failed)
    }

    /// Collects up to `out.len()` executed operations with their statuses.
    #[inline]
    pub fn reap_status(&self, out: &mut [rte_dma_status_code]) -> (u16, u16) {
        let reaped = self.reaped.0.load(Relaxed);
        let done = self.done.0.load(Acquire);
        let n = (done - reaped).min(out.len() as u64);
        let mut errors = 0;
        for (i, o) in out.iter_mut().take(n as usize).enumerate() {
            let code = self.status_at(reaped + i as u64);
            errors += (code != 0) as u64;
            *o = status_from_code(code);
        }
        if errors != 0 {
            self.errors_reaped.fetch_add(errors, Relaxed);
        }
        let reaped = reaped + n;
        self.reaped.0.store(reaped, Relaxed);
        (n as u16, reaped.wrapping_sub(1) as u16)
    }

    /// Collects up to `out.len()` executed `rte_dma_op`s (enqueue/dequeue mode),
    /// storing each one's status in it.
    ///
    /// # Safety
    /// Every collected descriptor is of kind `Op` and names a live operation.
    #[inline]
    pub unsafe fn reap_ops(&self, out: &mut [*mut rte_dma_op]) -> u16 {
        let reaped = self.reaped.0.load(Relaxed);
        let done = self.done.0.load(Acquire);
        let n = (done - reaped).min(out.len() as u64);
        let mut errors = 0;
        for (i, o) in out.iter_mut().take(n as usize).enumerate() {
            let pos = reaped + i as u64;
            // SAFETY: [reaped, done) was written by the producer and executed.
            let op = unsafe { (*self.addrs[(pos & self.mask) as usize].get())[0] } as usize
                as *mut rte_dma_op;
            let code = self.status_at(pos);
            errors += (code != 0) as u64;
            // SAFETY: the op stays owned by the device until handed back here.
            unsafe { (*op).status = status_from_code(code) as u32 };
            *o = op;
        }
        if errors != 0 {
            self.errors_reaped.fetch_add(errors, Relaxed);
        }
        self.reaped.0.store(reaped + n, Relaxed);
        n as u16
    }

    /// Called by the completion side after a poll that returned `n`: after
    /// `STALL_POLLS` empty polls in a row with submitted work not done, gives the CPU
    /// away once. On separate cores this never matters (the worker runs anyway); when
    /// the worker shares the caller's CPU (a one-CPU process, or `lcore=` set to the
    /// caller's core) it turns a stall of a whole scheduler slice into microseconds.
    #[inline]
    pub fn note_poll(&self, n: u16) {
        if n != 0 {
            if self.empty_polls.load(Relaxed) != 0 {
                self.empty_polls.store(0, Relaxed);
            }
            return;
        }
        self.note_empty_poll();
    }

    #[cold]
    fn note_empty_poll(&self) {
        let polls = self.empty_polls.load(Relaxed) + 1;
        self.empty_polls.store(polls, Relaxed);
        if polls.is_multiple_of(STALL_POLLS) && self.busy() {
            std::thread::yield_now();
        }
    }

    fn status_at(&self, pos: u64) -> u8 {
        self.status[(pos & self.mask) as usize].load(Relaxed)
    }

    // ---- worker side ----

    /// Positions the worker should execute next: `[done, published)`.
    #[inline]
    pub fn pending(&self) -> (u64, u64) {
        (self.done.0.load(Relaxed), self.published.0.load(Acquire))
    }

    /// True when the application has submitted work the worker has not finished.
    pub fn busy(&self) -> bool {
        self.done.0.load(Acquire) != self.published.0.load(Acquire)
    }

    /// The descriptor at `pos` and, for scatter-gather, its segments.
    ///
    /// # Safety
    /// Worker only, for `pos` in `[done, published)`.
    #[inline]
    pub unsafe fn desc_at(&self, pos: u64) -> (Desc, &SgList) {
        let slot = (pos & self.mask) as usize;
        // SAFETY: the producer finished writing this slot before publishing it.
        unsafe {
            let [src, dst] = *self.addrs[slot].get();
            let meta = *self.metas[slot].get();
            let kind = match meta & 3 {
                0 => OpKind::Copy,
                1 => OpKind::Fill,
                2 => OpKind::CopySg,
                _ => OpKind::Op,
            };
            let d = Desc {
                src,
                dst,
                len: *self.lens[slot].get(),
                kind,
                nb_src: (meta >> 2) & 7,
                nb_dst: meta >> 5,
                flags: 0,
            };
            (d, &*self.sgs[slot].get())
        }
    }

    /// Records the status of the operation at `pos` (worker only).
    #[inline]
    pub fn set_status(&self, pos: u64, code: u8) {
        self.status[(pos & self.mask) as usize].store(code, Relaxed);
    }

    /// Publishes that everything before `upto` is executed, `failed` of them in error.
    #[inline]
    pub fn finish(&self, upto: u64, failed: u64) {
        if failed != 0 {
            self.errors.fetch_add(failed, Relaxed);
        }
        self.done.0.store(upto, Release);
    }

    // ---- control side ----

    /// Counters since the last reset: submitted (enqueued), completed, errors.
    pub fn stats(&self) -> rte_dma_stats {
        let now = [
            self.tail.0.load(Relaxed),
            self.done.0.load(Acquire),
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
            self.done.0.load(Acquire),
            self.errors.load(Acquire),
        ];
        for (b, v) in self.stats_base.iter().zip(now) {
            b.store(v, Relaxed);
        }
    }

    /// Raw positions for `rte_dma_dump`: (tail, published, done, reaped).
    pub fn positions(&self) -> (u64, u64, u64, u64) {
        (
            self.tail.0.load(Relaxed),
            self.published.0.load(Relaxed),
            self.done.0.load(Relaxed),
            self.reaped.0.load(Relaxed),
        )
    }
}

/// The status enumerator for a stored status code (codes are only ever written from
/// `rte_dma_status_code` values).
pub fn status_from_code(code: u8) -> rte_dma_status_code {
    use rte_dma_status_code::*;
    match code {
        0 => RTE_DMA_STATUS_SUCCESSFUL,
        1 => RTE_DMA_STATUS_USER_ABORT,
        2 => RTE_DMA_STATUS_NOT_ATTEMPTED,
        3 => RTE_DMA_STATUS_INVALID_SRC_ADDR,
        4 => RTE_DMA_STATUS_INVALID_DST_ADDR,
        5 => RTE_DMA_STATUS_INVALID_ADDR,
        6 => RTE_DMA_STATUS_INVALID_LENGTH,
        7 => RTE_DMA_STATUS_INVALID_OPCODE,
        8 => RTE_DMA_STATUS_BUS_READ_ERROR,
        9 => RTE_DMA_STATUS_BUS_WRITE_ERROR,
        10 => RTE_DMA_STATUS_BUS_ERROR,
        11 => RTE_DMA_STATUS_DATA_POISION,
        12 => RTE_DMA_STATUS_DESCRIPTOR_READ_ERROR,
        13 => RTE_DMA_STATUS_DEV_LINK_ERROR,
        14 => RTE_DMA_STATUS_PAGE_FAULT,
        _ => RTE_DMA_STATUS_ERROR_UNKNOWN,
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
            flags: 0,
        }
    }

    fn run_worker(r: &Ring, fail_at: Option<u64>) {
        let (from, to) = r.pending();
        let mut failed = 0;
        for pos in from..to {
            let code = if Some(pos) == fail_at { 3 } else { 0 };
            failed += (code != 0) as u64;
            r.set_status(pos, code);
        }
        r.finish(to, failed);
    }

    #[test]
    fn capacity_is_nb_desc_minus_one_and_full_ring_refuses() {
        let r = Ring::new(32).unwrap();
        assert_eq!(r.capacity(), 31);
        for i in 0..31 {
            assert_eq!(r.push(copy_desc(), None, false), Ok(i));
        }
        assert_eq!(r.push(copy_desc(), None, false), Err(Error::NoSpace));
        assert!(r.publish());
        assert!(!r.publish());
        run_worker(&r, None);
        assert_eq!(r.reap_ok(10), (10, 9, false));
        assert_eq!(r.capacity(), 10);
        assert!(Ring::new(48).is_err());
    }

    #[test]
    fn ring_index_wraps_after_65535_and_last_idx_starts_at_65535() {
        let r = Ring::new(64).unwrap();
        assert_eq!(r.reap_ok(1), (0, 0xFFFF, false));
        let mut last = 0;
        for _ in 0..(65536 / 32 + 1) {
            for _ in 0..32 {
                last = r.push(copy_desc(), None, false).unwrap();
            }
            r.publish();
            run_worker(&r, None);
            let (n, idx, _) = r.reap_ok(64);
            assert_eq!((n, idx), (32, last));
        }
        assert_eq!(last, 31, "index 65535 is followed by 0");
    }

    #[test]
    fn capacity_read_by_another_thread_stays_in_range() {
        // `rte_dma_dump` reads the free count from its own thread while the
        // application enqueues and collects.
        let r = Ring::new(32).unwrap();
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                while !stop.load(Relaxed) {
                    for _ in 0..8 {
                        r.push(copy_desc(), None, false).unwrap();
                    }
                    r.publish();
                    run_worker(&r, None);
                    assert_eq!(r.reap_ok(8).0, 8);
                }
            });
            let deadline = std::time::Instant::now() + std::time::Duration::from_millis(300);
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
        let r = Ring::new(32).unwrap();
        for _ in 0..5 {
            r.push(copy_desc(), None, true).unwrap();
        }
        run_worker(&r, Some(2));
        assert_eq!(r.reap_ok(5), (2, 1, true));
        assert_eq!(r.reap_ok(5), (0, 1, true));
        let mut st = [rte_dma_status_code::RTE_DMA_STATUS_SUCCESSFUL; 8];
        assert_eq!(r.reap_status(&mut st), (3, 4));
        assert_eq!(st[0], rte_dma_status_code::RTE_DMA_STATUS_INVALID_SRC_ADDR);
        assert_eq!(st[1], rte_dma_status_code::RTE_DMA_STATUS_SUCCESSFUL);
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
}
