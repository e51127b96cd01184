//! The engine's worker thread: executes every published descriptor of every vchan, in
//! submission order, and publishes completion indexes.
use super::doorbell::Doorbell;
use super::fault::{self, FaultPlan, Injector};
use super::memops;
use super::ring::{Batch, Consumer, DataPath, Desc, OpKind, SgList};
use core::sync::atomic::{AtomicBool, Ordering::*};

/// How long an idle worker keeps polling before it sleeps.
const SPIN: std::time::Duration = std::time::Duration::from_micros(20);
/// Idle polls between two looks at the clock, each followed by a `sched_yield` so a
/// thread sharing the worker's CPU (a caller on the same core) is not starved.
const POLLS_PER_CHECK: u32 = 64;
/// Longest sleep; a missed wake-up (there should be none) costs at most this.
const SLEEP_US: u64 = 100_000;
/// Bytes executed before completions are published mid-batch, so large batches
/// report progress early.
const PUBLISH_EVERY_BYTES: u64 = 64 * 1024;

/// The worker sides of a device's vchans (`None`: not set up), indexed by vchan. The
/// worker thread owns them while it runs and hands them back when it ends.
pub type Vchans = [Option<Consumer>; MAX_VCHANS];

/// Vchans an engine can hold (a device reports how many it offers).
pub const MAX_VCHANS: usize = 16;

/// What the worker shares with the device's application threads.
#[derive(Default)]
pub struct Signals {
    pub doorbell: Doorbell,
    pub exit: AtomicBool,
}

/// Executes one descriptor; returns its status code (0 = success).
///
/// # Safety
/// The addresses in `d`/`sg` are the application's promise of valid memory.
#[inline]
pub unsafe fn execute(d: &Desc, sg: &SgList) -> u8 {
    // SAFETY: forwarded contract.
    unsafe {
        match d.kind {
            OpKind::Copy => memops::copy(d.src, d.dst, d.len as usize),
            OpKind::Fill => memops::fill(d.src, d.dst, d.len as usize),
            OpKind::CopySg => {
                let (ns, nd) = (d.nb_src as usize, d.nb_dst as usize);
                memops::copy_sg(&sg.segs[..ns], &sg.segs[ns..ns + nd]);
            }
            OpKind::Op => {
                let op = d.src as usize as *const crate::abi::rte_dma_op;
                let (ns, nd) = ((*op).nb_src as usize, (*op).nb_dst as usize);
                let segs = core::slice::from_raw_parts(
                    op.add(1) as *const crate::abi::rte_dma_sge,
                    ns + nd,
                );
                memops::copy_sg(&segs[..ns], &segs[ns..]);
            }
        }
    }
    0
}

/// The source and destination ranges of a descriptor, for the null-page check.
///
/// # Safety
/// As [`execute`] (an `Op` descriptor's segments are read from the application's op).
unsafe fn null_page_status(d: &Desc, sg: &SgList) -> u8 {
    let one = |addr| {
        [crate::abi::rte_dma_sge {
            addr,
            length: d.len,
        }]
    };
    match d.kind {
        OpKind::Copy => fault::null_page_status(&one(d.src), &one(d.dst)),
        OpKind::Fill => fault::null_page_status(&[], &one(d.dst)),
        OpKind::CopySg => {
            let (ns, nd) = (d.nb_src as usize, d.nb_dst as usize);
            fault::null_page_status(&sg.segs[..ns], &sg.segs[ns..ns + nd])
        }
        OpKind::Op => {
            let op = d.src as usize as *const crate::abi::rte_dma_op;
            // SAFETY: forwarded contract: the op and its segments are the application's.
            unsafe {
                let (ns, nd) = ((*op).nb_src as usize, (*op).nb_dst as usize);
                let segs = core::slice::from_raw_parts(
                    op.add(1) as *const crate::abi::rte_dma_sge,
                    ns + nd,
                );
                fault::null_page_status(&segs[..ns], &segs[ns..])
            }
        }
    }
}

/// Runs a batch on a device with fault injection: each operation the injector picks
/// completes with its status and touches nothing; the others run as usual, except
/// that on a plain vchan one touching the null page fails instead of faulting.
fn drain_with_faults(
    batch: &mut Batch<'_>,
    datapath: Option<&mut dyn DataPath>,
    inj: &mut Injector,
) {
    let todo = batch.range();
    let Some(datapath) = datapath else {
        let mut failed = 0;
        for pos in todo.clone() {
            let (d, sg) = batch.desc_at(pos);
            let code = inj.next_fault().unwrap_or_else(|| {
                // SAFETY: the application promised valid memory for its operation
                // (the null page, which it may name to provoke errors, is refused).
                unsafe {
                    match null_page_status(&d, sg) {
                        0 => execute(&d, sg),
                        bad => bad,
                    }
                }
            });
            batch.set_status(pos, code);
            failed += (code != 0) as u64;
        }
        batch.finish(todo.end, failed);
        return;
    };
    // The data path runs the stretches between faulted operations.
    let mut from = todo.start;
    for pos in todo.clone() {
        let Some(code) = inj.next_fault() else {
            continue;
        };
        let failed = if from < pos {
            datapath.execute(&batch.until(pos))
        } else {
            0
        };
        batch.set_status(pos, code);
        batch.finish(pos + 1, failed + 1);
        from = pos + 1;
    }
    if from < todo.end {
        let failed = datapath.execute(batch);
        batch.finish(todo.end, failed);
    }
}

/// Runs everything published on `ring`; returns whether there was anything.
fn drain(ring: &mut Consumer, faults: Option<&mut Injector>) -> bool {
    let (mut batch, datapath) = ring.pending_with_datapath();
    let todo = batch.range();
    if todo.is_empty() {
        return false;
    }
    if let Some(inj) = faults {
        drain_with_faults(&mut batch, datapath, inj);
        return true;
    }
    if let Some(datapath) = datapath {
        let failed = datapath.execute(&batch);
        batch.finish(todo.end, failed);
        return true;
    }
    let (mut failed, mut bytes) = (0u64, 0u64);
    for pos in todo.clone() {
        let (d, sg) = batch.desc_at(pos);
        // SAFETY: the application promised valid memory for its operation.
        let code = unsafe { execute(&d, sg) };
        batch.set_status(pos, code);
        failed += (code != 0) as u64;
        bytes += d.len as u64;
        if bytes >= PUBLISH_EVERY_BYTES && pos + 1 < todo.end {
            batch.finish(pos + 1, failed);
            (failed, bytes) = (0, 0);
        }
    }
    batch.finish(todo.end, failed);
    true
}

/// The worker loop: poll, spin briefly when idle, then sleep on the doorbell.
/// Returns the vchans when told to exit. With `faults`, each vchan's operations are
/// picked for failure by its own [`Injector`], fresh at every start.
pub fn run(mut vchans: Box<Vchans>, sig: &Signals, faults: Option<FaultPlan>) -> Box<Vchans> {
    let mut injectors: [Option<Injector>; MAX_VCHANS] =
        core::array::from_fn(|v| faults.map(|plan| Injector::new(plan, v)));
    let mut idle = 0u32;
    let mut idle_since = std::time::Instant::now();
    while !sig.exit.load(Acquire) {
        let mut worked = false;
        for (ring, inj) in vchans.iter_mut().zip(injectors.iter_mut()) {
            if let Some(ring) = ring {
                worked |= drain(ring, inj.as_mut());
            }
        }
        if worked {
            idle = 0;
            continue;
        }
        if idle == 0 {
            idle_since = std::time::Instant::now();
        }
        idle += 1;
        core::hint::spin_loop();
        if !idle.is_multiple_of(POLLS_PER_CHECK) {
            continue;
        }
        if idle_since.elapsed() < SPIN {
            std::thread::yield_now();
            continue;
        }
        sig.doorbell.sleep(SLEEP_US, || {
            sig.exit.load(Acquire) || vchans.iter().flatten().any(|c| c.ring().busy())
        });
        idle = 0;
    }
    vchans
}
