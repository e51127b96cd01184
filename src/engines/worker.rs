//! The engine's worker thread: executes every published descriptor of every vchan, in
//! submission order, and publishes completion indexes.
use super::doorbell::Doorbell;
use super::memops;
use super::ring::{Consumer, Desc, OpKind, SgList};
use core::sync::atomic::{AtomicBool, Ordering::*};

/// How long an idle worker keeps polling before it naps.
const SPIN: std::time::Duration = std::time::Duration::from_micros(20);
/// How long an idle worker then naps (sleeps of `NAP_US`, looking for work after
/// each) before it sleeps until woken: while it naps a submit costs the caller no
/// system call, only the worker's next look (at most `NAP_US` later).
const NAP_FOR: std::time::Duration = std::time::Duration::from_millis(20);
const NAP_US: u64 = 50;
/// The worker's timer slack while it naps: the kernel's default (50 us) would double
/// a nap.
const TIMER_SLACK_NS: libc::c_ulong = 1000;
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
            // The place of an operation the caller ran itself (copy-break): the API
            // refuses copies of 0 bytes, so no other descriptor looks like this.
            OpKind::Copy if d.len == 0 => {}
            OpKind::Copy | OpKind::Fill => memops::execute(d.kind, d.src, d.dst, d.len, (&[], &[])),
            OpKind::CopySg => {
                let (ns, nd) = (d.nb_src as usize, d.nb_dst as usize);
                let segs = (&sg.segs[..ns], &sg.segs[ns..ns + nd]);
                memops::execute(d.kind, 0, 0, d.len, segs);
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

/// Runs everything published on `ring`; returns whether there was anything. Told to
/// `exit` (a stop), it leaves the rest of a long batch after its next 64 KiB: the
/// next start empties the ring anyway, and a stop should not wait for gigabytes.
fn drain(ring: &mut Consumer, exit: &AtomicBool) -> bool {
    let (mut batch, datapath) = ring.pending_with_datapath();
    let todo = batch.range();
    if todo.is_empty() {
        return false;
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
            if exit.load(Relaxed) {
                return true;
            }
        }
    }
    batch.finish(todo.end, failed);
    true
}

/// The worker loop: poll; when idle, spin briefly, nap a while, then sleep on the
/// doorbell.
/// Returns the vchans when told to exit.
pub fn run(mut vchans: Box<Vchans>, sig: &Signals) -> Box<Vchans> {
    // SAFETY: PR_SET_TIMERSLACK takes a value and changes only this thread.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, TIMER_SLACK_NS) };
    let mut idle = 0u32;
    let mut idle_since = std::time::Instant::now();
    while !sig.exit.load(Acquire) {
        let mut worked = false;
        for ring in vchans.iter_mut().flatten() {
            worked |= drain(ring, &sig.exit);
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
        let idle_for = idle_since.elapsed();
        if idle_for < SPIN {
            std::thread::yield_now();
            continue;
        }
        if idle_for < NAP_FOR {
            sig.doorbell.nap(NAP_US);
            continue;
        }
        // (Still idle after it, the worker sleeps again: no new spin and naps.)
        sig.doorbell.sleep(SLEEP_US, || {
            sig.exit.load(Acquire) || vchans.iter().flatten().any(|c| c.ring().busy())
        });
    }
    vchans
}
