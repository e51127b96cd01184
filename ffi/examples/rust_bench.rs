//! rust_bench.rs - what the safe Rust API costs over the exported C fast path.
//!
//! One `dma_skeleton` vchan, 64-byte copies (or LEN bytes) in bursts of 32 (the last with SUBMIT),
//! completions collected as they come, every buffer reused. Two clients take
//! turns on the same vchan, in the same process and run:
//!   C:    `rte_dma_copy` / `rte_dma_completed` (this library's exported symbols)
//!         on fixed IOVAs, as a C program linked against librte_dmadev does;
//!   Rust owned:  `dmadev::safe::Vchan::copy` / `completed`, the buffers moved
//!         into each operation and taken back from its completion;
//!   Rust scoped: `Vchan::scope` with `Scope::copy` / `completed`, the buffers
//!         borrowed (4096 copies per scope, which then waits for the rest).
//! Then the client's own cost per operation (enqueue, and collecting once the
//! device is idle), which leaves the device's work and the scheduler out.
//! Prints ops/s per round and the range of each. Run:
//!     cargo run --release -p rte_dmadev --example rust_bench [-- ROUNDS [OPS [LEN]]]
use dmadev::safe::*;
use std::time::Instant;

// The C fast path exactly as a C caller reaches it: the library's symbols.
unsafe extern "C" {
    fn rte_dma_copy(dev_id: i16, vchan: u16, src: u64, dst: u64, len: u32, flags: u64) -> i32;
    fn rte_dma_completed(
        dev_id: i16,
        vchan: u16,
        nb_cpls: u16,
        last_idx: *mut u16,
        has_error: *mut bool,
    ) -> u16;
}
// Links the library (and so those symbols) in.
use rte_dmadev as _;

/// Bytes per copy: 64 unless the third argument says otherwise.
static LEN: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

fn len() -> usize {
    *LEN.get().unwrap_or(&64)
}
const BURST: usize = 32;
const RING: u16 = 1024;
/// Operations in flight at most (a multiple of BURST below the ring's capacity).
const WINDOW: usize = 512;

/// `ops` copies through the exported C functions; returns ops/s.
fn c_round(dev_id: i16, bufs: &[(u64, u64)], ops: usize) -> f64 {
    let start = Instant::now();
    let (mut sent, mut done) = (0usize, 0usize);
    while done < ops {
        while sent < ops && sent - done + BURST <= WINDOW {
            for k in 0..BURST {
                let (s, d) = bufs[(sent + k) % bufs.len()];
                let flags = if k == BURST - 1 {
                    OpFlags::SUBMIT.bits()
                } else {
                    0
                };
                // SAFETY: the buffers live until the end of main; this thread alone
                // uses the vchan (the Rust client's vchan is dropped meanwhile).
                let r = unsafe { rte_dma_copy(dev_id, 0, s, d, len() as u32, flags) };
                assert!(r >= 0, "rte_dma_copy: {r}");
            }
            sent += BURST;
        }
        let (mut last, mut err) = (0u16, false);
        // SAFETY: both outputs are valid; one thread uses the vchan.
        let n = unsafe { rte_dma_completed(dev_id, 0, BURST as u16 * 4, &mut last, &mut err) };
        assert!(!err);
        done += n as usize;
    }
    ops as f64 / start.elapsed().as_secs_f64()
}

/// `ops` copies through the safe API; returns ops/s and the buffers.
fn rust_round(
    vchan: &mut Vchan<'_>,
    mut pool: Vec<(DmaBuf, DmaBuf)>,
    ops: usize,
) -> (f64, Vec<(DmaBuf, DmaBuf)>) {
    let start = Instant::now();
    let (mut sent, mut done) = (0usize, 0usize);
    while done < ops {
        while sent < ops && sent - done + BURST <= WINDOW {
            for k in 0..BURST {
                let (s, d) = pool.pop().expect("a buffer pair per operation in flight");
                let flags = if k == BURST - 1 {
                    OpFlags::SUBMIT
                } else {
                    OpFlags::empty()
                };
                if let Err(r) = vchan.copy(s, d, flags) {
                    panic!("copy: {}", r.error);
                }
            }
            sent += BURST;
        }
        for c in vchan.completed(BURST as u16 * 4) {
            assert!(c.is_ok());
            if let Op::Copy {
                src: Region::Local(s),
                dst: Region::Local(d),
            } = c.op
            {
                pool.push((s, d));
            }
            done += 1;
        }
    }
    (ops as f64 / start.elapsed().as_secs_f64(), pool)
}

/// Waits until the device executed everything submitted (without reaping it).
fn settle(dev: &Device<'_>) {
    while dev.vchan_state(0) != Ok(VchanState::Idle) {
        std::thread::yield_now();
    }
}

/// The client's own cost, in ns per operation: enqueueing WINDOW copies, then
/// (once the device executed them all) collecting them, through the C symbols.
fn c_cost(dev: &Device<'_>, bufs: &[(u64, u64)]) -> (f64, f64) {
    let t0 = Instant::now();
    for (k, &(s, d)) in bufs.iter().enumerate() {
        let flags = if k == bufs.len() - 1 {
            OpFlags::SUBMIT.bits()
        } else {
            0
        };
        // SAFETY: as in `c_round`.
        let r = unsafe { rte_dma_copy(dev.id(), 0, s, d, len() as u32, flags) };
        assert!(r >= 0, "rte_dma_copy: {r}");
    }
    let enqueue = t0.elapsed();
    settle(dev);
    let t1 = Instant::now();
    let mut done = 0;
    while done < bufs.len() {
        let (mut last, mut err) = (0u16, false);
        // SAFETY: as in `c_round`.
        done += unsafe { rte_dma_completed(dev.id(), 0, BURST as u16 * 4, &mut last, &mut err) }
            as usize;
    }
    let reap = t1.elapsed();
    let per_op = |d: std::time::Duration| d.as_nanos() as f64 / bufs.len() as f64;
    (per_op(enqueue), per_op(reap))
}

/// As `c_cost`, through the safe API (buffers moved in, taken back).
fn rust_cost(dev: &Device<'_>, pool: &mut Vec<(DmaBuf, DmaBuf)>) -> dmadev::Result<(f64, f64)> {
    let mut vchan = dev.vchan(0)?;
    let n = pool.len();
    let t0 = Instant::now();
    for k in 0..n {
        let (s, d) = pool.pop().expect("one pair per operation");
        let flags = if k == n - 1 {
            OpFlags::SUBMIT
        } else {
            OpFlags::empty()
        };
        if let Err(r) = vchan.copy(s, d, flags) {
            panic!("copy: {}", r.error);
        }
    }
    let enqueue = t0.elapsed();
    settle(dev);
    let t1 = Instant::now();
    while pool.len() < n {
        for c in vchan.completed(BURST as u16 * 4) {
            if let Op::Copy {
                src: Region::Local(s),
                dst: Region::Local(d),
            } = c.op
            {
                pool.push((s, d));
            }
        }
    }
    let reap = t1.elapsed();
    let per_op = |d: std::time::Duration| d.as_nanos() as f64 / n as f64;
    Ok((per_op(enqueue), per_op(reap)))
}

fn ns_range(v: &[(f64, f64)]) -> String {
    let r = |f: fn(&(f64, f64)) -> f64| {
        let x: Vec<f64> = v.iter().map(f).collect();
        let min = x.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = x.iter().cloned().fold(0.0, f64::max);
        format!("{min:.1}..{max:.1}")
    };
    format!("enqueue {} ns/op, collect {} ns/op", r(|p| p.0), r(|p| p.1))
}

/// Destinations per scope: a scope borrows each once, and waits for all at its end.
const SCOPE_OPS: usize = 4096;

/// `ops` copies through the safe API's scopes (buffers borrowed, SCOPE_OPS
/// operations per scope); returns ops/s.
fn scope_round(vchan: &mut Vchan<'_>, srcs: &[DmaBuf], dsts: &mut [DmaBuf], ops: usize) -> f64 {
    let start = Instant::now();
    let mut total = 0;
    while total < ops {
        let dsts = &mut *dsts;
        let n = vchan.scope(move |s| {
            let count = dsts.len();
            let mut dst = dsts.iter_mut();
            let (mut sent, mut done) = (0usize, 0usize);
            while done < count {
                while sent < count && sent - done + BURST <= WINDOW {
                    for k in 0..BURST {
                        let flags = if k == BURST - 1 {
                            OpFlags::SUBMIT
                        } else {
                            OpFlags::empty()
                        };
                        let d = dst.next().expect("a destination per operation");
                        s.copy(&srcs[(sent + k) % srcs.len()], d, flags)
                            .expect("copy");
                    }
                    sent += BURST;
                }
                done += s.completed(BURST as u16 * 4).ok as usize;
            }
            done
        });
        total += n.expect("no owned operation in flight");
    }
    total as f64 / start.elapsed().as_secs_f64()
}

/// As `c_cost`, through a scope (buffers borrowed).
fn scope_cost(
    dev: &Device<'_>,
    srcs: &[DmaBuf],
    dsts: &mut [DmaBuf],
) -> dmadev::Result<(f64, f64)> {
    let mut vchan = dev.vchan(0)?;
    let dsts = &mut dsts[..WINDOW];
    vchan.scope(move |s| {
        let t0 = Instant::now();
        for (k, d) in dsts.iter_mut().enumerate() {
            let flags = if k == WINDOW - 1 {
                OpFlags::SUBMIT
            } else {
                OpFlags::empty()
            };
            s.copy(&srcs[k], d, flags).expect("copy");
        }
        let enqueue = t0.elapsed();
        settle(dev);
        let t1 = Instant::now();
        let mut done = 0;
        while done < WINDOW {
            done += s.completed(BURST as u16 * 4).ok as usize;
        }
        let reap = t1.elapsed();
        let per_op = |d: std::time::Duration| d.as_nanos() as f64 / WINDOW as f64;
        (per_op(enqueue), per_op(reap))
    })
}

fn range(v: &[f64]) -> String {
    let min = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = v.iter().cloned().fold(0.0, f64::max);
    format!("{:.2}..{:.2} Mops/s", min / 1e6, max / 1e6)
}

fn main() -> dmadev::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rounds = args.first().copied().unwrap_or(5);
    let ops = args.get(1).copied().unwrap_or(2_000_000) / BURST * BURST;
    LEN.set(args.get(2).copied().unwrap_or(64).max(1))
        .expect("set once");
    let eal = Eal::builder()
        .vdev("dma_skeleton")
        .arg("--log-level=lib.dmadev:warning")
        .init()?;
    let mut dev = eal.device("dma_skeleton")?;
    dev.configure(&DeviceConfig {
        nb_vchans: 1,
        ..Default::default()
    })?;
    dev.vchan_setup(0, &VchanSetup::mem_to_mem(RING))?;
    dev.start()?;

    let mut pool: Vec<(DmaBuf, DmaBuf)> = Vec::new();
    for _ in 0..WINDOW {
        pool.push((DmaBuf::new(len())?, DmaBuf::new(len())?));
    }
    // The C client's buffers: the same number, its own.
    let c_bufs: Vec<(DmaBuf, DmaBuf)> = (0..WINDOW)
        .map(|_| Ok((DmaBuf::new(len())?, DmaBuf::new(len())?)))
        .collect::<dmadev::Result<_>>()?;
    let c_iovas: Vec<(u64, u64)> = c_bufs.iter().map(|(s, d)| (s.iova(), d.iova())).collect();

    let srcs: Vec<DmaBuf> = (0..WINDOW)
        .map(|_| DmaBuf::new(len()))
        .collect::<dmadev::Result<_>>()?;
    let mut dsts: Vec<DmaBuf> = (0..SCOPE_OPS)
        .map(|_| DmaBuf::new(len()))
        .collect::<dmadev::Result<_>>()?;

    println!(
        "{}-byte copies, bursts of {BURST}, {WINDOW} in flight at most, {ops} per round",
        len()
    );
    let (mut c, mut rust, mut scoped) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        // Who goes first alternates (the first of a pair runs on a colder cache).
        if round % 2 == 0 {
            c.push(c_round(dev.id(), &c_iovas, ops));
        }
        let mut vchan = dev.vchan(0)?;
        let (r, back) = rust_round(&mut vchan, pool, ops);
        pool = back;
        rust.push(r);
        scoped.push(scope_round(&mut vchan, &srcs, &mut dsts, ops));
        drop(vchan);
        if round % 2 == 1 {
            c.push(c_round(dev.id(), &c_iovas, ops));
        }
        println!(
            "round {round}: C {:.2}   Rust owned {:.2}   Rust scoped {:.2} Mops/s",
            c[round] / 1e6,
            r / 1e6,
            scoped[round] / 1e6
        );
    }
    println!("C (rte_dma_copy):       {}", range(&c));
    println!("Rust owned buffers:     {}", range(&rust));
    println!("Rust scoped (borrowed): {}", range(&scoped));

    // The client's own cost, the device's work left out: 5 x 2 interleaved samples
    // per round of WINDOW operations, the best half of each kept (noise only adds).
    let (mut c_ns, mut rust_ns, mut scope_ns) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds * 10 {
        if round % 2 == 0 {
            c_ns.push(c_cost(&dev, &c_iovas));
            rust_ns.push(rust_cost(&dev, &mut pool)?);
            scope_ns.push(scope_cost(&dev, &srcs, &mut dsts)?);
        } else {
            scope_ns.push(scope_cost(&dev, &srcs, &mut dsts)?);
            rust_ns.push(rust_cost(&dev, &mut pool)?);
            c_ns.push(c_cost(&dev, &c_iovas));
        }
    }
    for v in [&mut c_ns, &mut rust_ns, &mut scope_ns] {
        v.sort_by(|a, b| (a.0 + a.1).total_cmp(&(b.0 + b.1)));
        v.truncate(v.len().div_ceil(2));
    }
    println!("client cost, C:         {}", ns_range(&c_ns));
    println!("client cost, Rust owned:  {}", ns_range(&rust_ns));
    println!("client cost, Rust scoped: {}", ns_range(&scope_ns));
    drop(c_bufs);
    Ok(())
}
