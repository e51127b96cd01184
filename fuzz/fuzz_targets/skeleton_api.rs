//! Random sequences of public API calls on a `dma_skeleton` device, against a model of
//! what DPDK promises an application:
//! - an enqueue returns the next ring index (they step by one, modulo 65536) or
//!   -ENOSPC exactly when `rte_dma_burst_capacity` said the ring was full, and
//!   capacity falls by one per enqueue and rises by one per collected completion;
//! - `rte_dma_completed`/`_status` never return more than asked for, nor more than was
//!   submitted and not yet collected; `last_idx` is the index of the last one;
//! - every collected operation has moved exactly the predicted bytes, without error;
//! - statistics never go backwards between resets (`rte_dma_stats_reset`, or a
//!   restart, which begins the ring anew), never count more completions than
//!   submissions (unless operations were in flight at a reset), never more
//!   operations than could have happened since the reset, and after a full drain
//!   without a reset count every operation;
//! - every submitted operation completes (a drain that waits too long fails).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use dmadev::abi::*;
use dmadev::{api, drivers::skeleton, registry};
use libfuzzer_sys::fuzz_target;
use std::collections::VecDeque;
use std::ffi::CString;
use std::sync::OnceLock;
use std::time::Duration;

const NAME: &str = "dma_skeleton_fuzz";
const SRC_LEN: usize = 64 * 1024;
const MAX_LEN: u16 = 4096;
/// Operations one input may enqueue in all (bounds the time per input).
const MAX_OPS: u64 = 100_000;
/// CPU time this process may spend waiting for completions before the wait counts
/// as stuck. CPU time, not wall time: a fuzzer starved by other load is not stuck.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

/// When a wait for completions has used `DRAIN_TIMEOUT` of the process's CPU time.
struct Deadline(Duration);

impl Deadline {
    fn new() -> Deadline {
        Deadline(cpu_time() + DRAIN_TIMEOUT)
    }
    fn passed(&self) -> bool {
        cpu_time() >= self.0
    }
}

/// CPU time used by this process so far (every thread, the device's worker too).
fn cpu_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

#[derive(Arbitrary, Debug)]
enum Call {
    Copy {
        len: u16,
        src: u16,
        submit: bool,
        fence: bool,
    },
    Fill {
        len: u16,
        pattern: u64,
        submit: bool,
    },
    CopySg {
        len: u16,
        src: u16,
        src_cuts: [u16; 3],
        dst_cuts: [u16; 3],
        nb_src: u8,
        nb_dst: u8,
        submit: bool,
    },
    /// Zero-length or wrong-vchan requests: refused with -EINVAL, nothing changes.
    Refused {
        what: u8,
        vchan: u16,
    },
    Submit,
    Completed {
        max: u8,
    },
    CompletedStatus {
        max: u8,
    },
    BurstCapacity,
    Stats,
    StatsReset,
    /// Stop (operations possibly in flight), then start: indexes begin at 0 again.
    Restart,
    /// Submit and collect until every enqueued operation has completed.
    Drain,
    /// Many small fills (32 per unit of `count`), collected as they go.
    Flood {
        count: u8,
    },
    /// 65536 small fills, collected as they go: ring indexes wrap around at least once.
    /// Once per input, on rings of 256 descriptors or more; else a Flood of 256.
    Wrap,
}

#[derive(Arbitrary, Debug)]
struct Input {
    nb_desc_log2: u8,
    calls: Vec<Call>,
}

enum Expect {
    Copy { src_off: usize },
    Fill { pattern: u64 },
}

/// One enqueued operation, owning its destination until collected.
struct Op {
    index: u64,
    dst: Box<[u8]>,
    expect: Expect,
}

fn source() -> &'static [u8] {
    static SRC: OnceLock<Vec<u8>> = OnceLock::new();
    SRC.get_or_init(|| {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        (0..SRC_LEN)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    })
}

struct Model {
    dev: i16,
    fp: &'static rte_dma_fp_object,
    /// Usable descriptors, as `burst_capacity` reported on an empty ring.
    cap: u64,
    /// Operations enqueued, submitted and collected since the last start.
    enq: u64,
    submitted: u64,
    collected: u64,
    inflight: VecDeque<Op>,
    /// Operations abandoned by a restart: kept alive until the device is removed.
    abandoned: Vec<Op>,
    last_stats: rte_dma_stats,
    stats_reset_since_start: bool,
    /// `collected` at the last statistics reset: every operation the statistics can
    /// count since then was enqueued and not collected by that time, or after it.
    collected_at_reset: u64,
}

impl Model {
    fn start(dev: i16, fp: &'static rte_dma_fp_object, nb_desc: u16) -> Model {
        // SAFETY: the device's own fast-path entry.
        let cap = unsafe { fp.burst_capacity.unwrap()(fp.dev_private, 0) } as u64;
        assert!(
            cap > 0 && cap <= nb_desc as u64,
            "capacity {cap} of an empty ring of {nb_desc}"
        );
        Model {
            dev,
            fp,
            cap,
            enq: 0,
            submitted: 0,
            collected: 0,
            inflight: VecDeque::new(),
            abandoned: Vec::new(),
            last_stats: rte_dma_stats::default(),
            stats_reset_since_start: false,
            collected_at_reset: 0,
        }
    }

    fn outstanding(&self) -> u64 {
        self.enq - self.collected
    }

    /// Checks the return value of an enqueue and records the operation.
    fn enqueued(&mut self, r: i32, op: Op, submit: bool) {
        if self.outstanding() == self.cap {
            assert_eq!(r, -libc::ENOSPC, "enqueue on a full ring");
            return;
        }
        assert_eq!(
            r,
            (self.enq & 0xFFFF) as i32,
            "ring index of operation {}",
            self.enq
        );
        self.enq += 1;
        if submit {
            self.submitted = self.enq;
        }
        self.inflight.push_back(op);
    }

    fn copy(&mut self, len: u16, src: u16, flags: u64) {
        let len = 1 + (len % MAX_LEN) as usize;
        let src_off = src as usize % (SRC_LEN - len);
        let mut dst = vec![0u8; len].into_boxed_slice();
        let s = source()[src_off..].as_ptr() as u64;
        // SAFETY: source and destination are valid for `len` bytes while in flight.
        let r = unsafe {
            self.fp.copy.unwrap()(
                self.fp.dev_private,
                0,
                s,
                dst.as_mut_ptr() as u64,
                len as u32,
                flags,
            )
        };
        let op = Op {
            index: self.enq,
            dst,
            expect: Expect::Copy { src_off },
        };
        self.enqueued(r, op, flags & RTE_DMA_OP_FLAG_SUBMIT != 0);
    }

    fn fill(&mut self, len: usize, pattern: u64, flags: u64) {
        let mut dst = vec![0u8; len].into_boxed_slice();
        // SAFETY: the destination is valid for `len` bytes while in flight.
        let r = unsafe {
            self.fp.fill.unwrap()(
                self.fp.dev_private,
                0,
                pattern,
                dst.as_mut_ptr() as u64,
                len as u32,
                flags,
            )
        };
        let op = Op {
            index: self.enq,
            dst,
            expect: Expect::Fill { pattern },
        };
        self.enqueued(r, op, flags & RTE_DMA_OP_FLAG_SUBMIT != 0);
    }

    /// Splits `len` bytes into `n` non-empty pieces at points chosen by `cuts`.
    fn pieces(len: usize, n: usize, cuts: &[u16; 3]) -> Vec<usize> {
        let n = n.clamp(1, 4).min(len);
        let mut points: Vec<usize> = cuts[..n - 1]
            .iter()
            .map(|&c| 1 + c as usize % (len - 1).max(1))
            .collect();
        points.push(0);
        points.push(len);
        points.sort_unstable();
        points.dedup();
        points.windows(2).map(|w| w[1] - w[0]).collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn copy_sg(
        &mut self,
        len: u16,
        src: u16,
        src_cuts: &[u16; 3],
        dst_cuts: &[u16; 3],
        nb_src: u8,
        nb_dst: u8,
        flags: u64,
    ) {
        let len = 1 + (len % MAX_LEN) as usize;
        let src_off = src as usize % (SRC_LEN - len);
        let mut dst = vec![0u8; len].into_boxed_slice();
        let (s, d) = (source()[src_off..].as_ptr() as u64, dst.as_mut_ptr() as u64);
        let segs = |base: u64, sizes: Vec<usize>| -> Vec<rte_dma_sge> {
            let mut at = 0;
            sizes
                .into_iter()
                .map(|n| {
                    let g = rte_dma_sge {
                        addr: base + at as u64,
                        length: n as u32,
                    };
                    at += n;
                    g
                })
                .collect()
        };
        let srcs = segs(s, Self::pieces(len, 1 + nb_src as usize % 4, src_cuts));
        let dsts = segs(d, Self::pieces(len, 1 + nb_dst as usize % 4, dst_cuts));
        // SAFETY: the segments cover the source and the destination exactly.
        let r = unsafe {
            self.fp.copy_sg.unwrap()(
                self.fp.dev_private,
                0,
                srcs.as_ptr(),
                dsts.as_ptr(),
                srcs.len() as u16,
                dsts.len() as u16,
                flags,
            )
        };
        let op = Op {
            index: self.enq,
            dst,
            expect: Expect::Copy { src_off },
        };
        self.enqueued(r, op, flags & RTE_DMA_OP_FLAG_SUBMIT != 0);
    }

    fn refused(&mut self, what: u8, vchan: u16) {
        let p = self.fp.dev_private;
        let mut buf = [0u8; 8];
        let b = buf.as_mut_ptr() as u64;
        let bad_vchan = 1 + vchan % 300; // the device has one vchan
        // SAFETY: every call is refused before it touches memory, or uses `buf`.
        let r = unsafe {
            match what % 4 {
                0 => self.fp.copy.unwrap()(p, 0, b, b, 0, RTE_DMA_OP_FLAG_SUBMIT),
                1 => self.fp.fill.unwrap()(p, 0, 1, b, 0, 0),
                2 => self.fp.copy.unwrap()(p, bad_vchan, b, b, 8, RTE_DMA_OP_FLAG_SUBMIT),
                _ => self.fp.fill.unwrap()(p, bad_vchan, 1, b, 8, RTE_DMA_OP_FLAG_SUBMIT),
            }
        };
        assert_eq!(
            r,
            -libc::EINVAL,
            "refused request {what} on vchan {bad_vchan}"
        );
        // SAFETY: as above; a wrong vchan has no capacity and no completions.
        unsafe {
            assert_eq!(self.fp.burst_capacity.unwrap()(p, bad_vchan), 0);
            assert_eq!(
                self.fp.completed.unwrap()(
                    p,
                    bad_vchan,
                    8,
                    core::ptr::null_mut(),
                    core::ptr::null_mut()
                ),
                0
            );
        }
    }

    fn submit(&mut self) {
        // SAFETY: the device's own entry.
        let r = unsafe { self.fp.submit.unwrap()(self.fp.dev_private, 0) };
        assert_eq!(r, 0, "submit");
        self.submitted = self.enq;
    }

    /// Checks `n` completions ending at `last` and verifies their data.
    fn collected(&mut self, n: u16, max: u16, last: u16) {
        assert!(n <= max, "{n} completions for a request of {max}");
        let ready = self.submitted - self.collected;
        assert!(
            n as u64 <= ready,
            "{n} completions with only {ready} submitted and not collected"
        );
        if n == 0 {
            return;
        }
        assert_eq!(
            last as u64,
            (self.collected + n as u64 - 1) & 0xFFFF,
            "last_idx after {} completions",
            self.collected
        );
        let src = source();
        for _ in 0..n {
            let op = self
                .inflight
                .pop_front()
                .expect("a completion was modelled");
            assert_eq!(op.index, self.collected);
            match op.expect {
                Expect::Copy { src_off } => assert!(
                    *op.dst == src[src_off..src_off + op.dst.len()],
                    "operation {}: copied bytes differ",
                    op.index
                ),
                Expect::Fill { pattern } => {
                    let p = pattern.to_le_bytes();
                    assert!(
                        op.dst.iter().enumerate().all(|(i, &b)| b == p[i % 8]),
                        "operation {}: filled bytes differ",
                        op.index
                    );
                }
            }
            self.collected += 1;
        }
    }

    fn completed(&mut self, max: u16) -> u16 {
        let (mut last, mut err) = (0u16, false);
        // SAFETY: the device's own entry; outputs are locals.
        let n =
            unsafe { self.fp.completed.unwrap()(self.fp.dev_private, 0, max, &mut last, &mut err) };
        assert!(!err, "an operation failed");
        self.collected(n, max, last);
        n
    }

    fn completed_status(&mut self, max: u16) {
        let mut status = [u32::MAX; 256];
        let mut last = 0u16;
        // SAFETY: `status` has room for `max` codes; the device writes only those.
        let n = unsafe {
            self.fp.completed_status.unwrap()(
                self.fp.dev_private,
                0,
                max,
                &mut last,
                status.as_mut_ptr().cast(),
            )
        };
        assert!(n <= max, "{n} statuses for a request of {max}");
        for (i, &s) in status[..n as usize].iter().enumerate() {
            assert_eq!(
                s,
                rte_dma_status_code::RTE_DMA_STATUS_SUCCESSFUL as u32,
                "status {i} of {n}"
            );
        }
        assert!(
            status[n as usize..].iter().all(|&s| s == u32::MAX),
            "status written past the {n} returned"
        );
        self.collected(n, max, last);
    }

    fn burst_capacity(&self) {
        // SAFETY: the device's own entry.
        let c = unsafe { self.fp.burst_capacity.unwrap()(self.fp.dev_private, 0) };
        assert_eq!(
            c as u64,
            self.cap - self.outstanding(),
            "burst capacity with {} outstanding",
            self.outstanding()
        );
    }

    fn stats(&mut self) -> rte_dma_stats {
        let s = api::stats_get(self.dev, 0).expect("stats_get");
        let l = self.last_stats;
        assert!(
            s.submitted >= l.submitted && s.completed >= l.completed && s.errors >= l.errors,
            "statistics went backwards: {l:?} then {s:?}"
        );
        assert_eq!(s.errors, 0, "errors counted: {s:?}");
        // Operations in flight at a reset may complete after it, uncounted as submitted.
        if !self.stats_reset_since_start {
            assert!(s.completed <= s.submitted, "{s:?}");
        }
        let countable = self.enq - self.collected_at_reset;
        assert!(
            s.submitted <= countable && s.completed <= countable,
            "{s:?}: only {countable} operations could count since the reset"
        );
        self.last_stats = s;
        s
    }

    fn stats_reset(&mut self) {
        api::stats_reset(self.dev, 0).expect("stats_reset");
        self.last_stats = rte_dma_stats::default();
        self.stats_reset_since_start = true;
        self.collected_at_reset = self.collected;
    }

    fn drain(&mut self) {
        self.submit();
        let deadline = Deadline::new();
        while self.collected < self.enq {
            if self.completed(64) == 0 {
                assert!(
                    !deadline.passed(),
                    "operations {}..{} submitted but never completed",
                    self.collected,
                    self.enq
                );
                std::thread::yield_now();
            }
        }
        assert!(self.inflight.is_empty());
        let s = self.stats();
        if !self.stats_reset_since_start {
            assert_eq!(
                s,
                rte_dma_stats {
                    submitted: self.enq,
                    completed: self.enq,
                    errors: 0
                },
                "statistics after every operation completed"
            );
        }
    }

    fn restart(&mut self) {
        api::stop(self.dev).expect("stop");
        api::start(self.dev).expect("start");
        self.abandoned.extend(self.inflight.drain(..));
        let fresh = Model::start(self.dev, self.fp, self.cap as u16 + 1);
        assert_eq!(fresh.cap, self.cap, "capacity after a restart");
        let abandoned = std::mem::take(&mut self.abandoned);
        *self = Model { abandoned, ..fresh };
        let s = self.stats();
        assert_eq!(s, rte_dma_stats::default(), "statistics after a start");
    }

    fn flood(&mut self, count: u64) {
        let deadline = Deadline::new();
        for i in 0..count {
            if self.outstanding() == self.cap {
                self.submit();
                while self.completed(u16::MAX) == 0 {
                    assert!(!deadline.passed(), "flood stuck at {}", self.enq);
                    std::thread::yield_now();
                }
            }
            self.fill(8, self.enq ^ (i << 32), 0);
        }
    }
}

fn open(nb_desc: u16) -> (i16, &'static rte_dma_fp_object) {
    skeleton::probe(NAME, "").expect("probe");
    let dev = api::get_dev_id_by_name(&CString::new(NAME).unwrap()).expect("device id");
    let conf = rte_dma_conf {
        nb_vchans: 1,
        ..Default::default()
    };
    api::configure(dev, &conf).expect("configure");
    let vconf = rte_dma_vchan_conf {
        nb_desc,
        ..Default::default()
    };
    api::vchan_setup(dev, 0, &vconf).expect("vchan_setup");
    api::start(dev).expect("start");
    // SAFETY: the table has an entry for every valid id and is never freed.
    (dev, unsafe {
        &*registry::rte_dma_fp_objs.add(dev as usize)
    })
}

fn run(input: Input) {
    // The skeleton's limits: 32..=8192 descriptors, a power of two.
    let nb_desc = 32u16 << (input.nb_desc_log2 % 9);
    let (dev, fp) = open(nb_desc);
    let mut m = Model::start(dev, fp, nb_desc);
    let mut wrapped = false;
    for call in &input.calls {
        if m.enq >= MAX_OPS {
            break;
        }
        match *call {
            Call::Copy {
                len,
                src,
                submit,
                fence,
            } => {
                let flags = if submit { RTE_DMA_OP_FLAG_SUBMIT } else { 0 }
                    | if fence { RTE_DMA_OP_FLAG_FENCE } else { 0 };
                m.copy(len, src, flags)
            }
            Call::Fill {
                len,
                pattern,
                submit,
            } => m.fill(
                1 + (len % MAX_LEN) as usize,
                pattern,
                if submit { RTE_DMA_OP_FLAG_SUBMIT } else { 0 },
            ),
            Call::CopySg {
                len,
                src,
                ref src_cuts,
                ref dst_cuts,
                nb_src,
                nb_dst,
                submit,
            } => m.copy_sg(
                len,
                src,
                src_cuts,
                dst_cuts,
                nb_src,
                nb_dst,
                if submit { RTE_DMA_OP_FLAG_SUBMIT } else { 0 },
            ),
            Call::Refused { what, vchan } => m.refused(what, vchan),
            Call::Submit => m.submit(),
            Call::Completed { max } => {
                m.completed(max as u16);
            }
            Call::CompletedStatus { max } => m.completed_status(max as u16),
            Call::BurstCapacity => m.burst_capacity(),
            Call::Stats => {
                m.stats();
            }
            Call::StatsReset => m.stats_reset(),
            Call::Restart => m.restart(),
            Call::Drain => m.drain(),
            Call::Flood { count } => m.flood(count as u64 * 32),
            Call::Wrap if m.cap >= 255 && !wrapped => {
                wrapped = true;
                m.flood(1 << 16)
            }
            Call::Wrap => m.flood(256),
        }
    }
    // Whatever the sequence did, everything enqueued completes, with the right bytes.
    m.drain();
    api::stop(dev).expect("stop");
    skeleton::remove(NAME).expect("remove");
    drop(m);
}

fuzz_target!(|data: &[u8]| {
    dmadev::log::set_global_level(dmadev::log::RTE_LOG_EMERG);
    if let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) {
        run(input);
    }
});
