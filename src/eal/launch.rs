//! `rte_eal_remote_launch` and friends (`rte_launch.h`): as DPDK's EAL, `init`
//! starts one thread per worker lcore, pinned to the lcore's CPU and with its lcore
//! id, which runs the functions the main lcore hands it, one at a time; `cleanup`
//! waits for the function in progress, then ends and joins the threads.
//!
//! DPDK's calls take an lcore id they do not check; here an id that is not a worker
//! lcore gives `InvalidArgument` (launch) or a plain answer (state, wait).
use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;

use super::lcore::{self, LcoreMap};
use crate::{Error, Result};

/// The function a worker lcore runs (`lcore_function_t`).
pub type LcoreFunction = unsafe extern "C" fn(arg: *mut c_void) -> c_int;

/// `enum rte_lcore_state_t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LcoreState {
    /// Waiting for a function (`WAIT`).
    Wait,
    /// Running one (`RUNNING`).
    Running,
}

/// A function and its argument on their way to a worker.
struct Job {
    f: LcoreFunction,
    arg: *mut c_void,
}

// SAFETY: the argument belongs to the application, which hands it to the worker
// thread on purpose (DPDK's contract: `f(arg)` runs on that lcore).
unsafe impl Send for Job {}

#[derive(Default)]
struct Mailbox {
    job: Option<Job>,
    running: bool,
    ret: c_int,
    stop: bool,
}

struct Worker {
    lcore: u32,
    mailbox: Mutex<Mailbox>,
    changed: Condvar,
}

impl Worker {
    fn lock(&self) -> MutexGuard<'_, Mailbox> {
        // A poisoned mailbox still holds consistent values (each field is written whole).
        self.mailbox.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn run(&self) {
        loop {
            let job = {
                let mut mb = self.lock();
                while mb.job.is_none() && !mb.stop {
                    mb = self.changed.wait(mb).unwrap_or_else(|p| p.into_inner());
                }
                match mb.job.take() {
                    Some(job) => job,
                    None => return,
                }
            };
            // SAFETY: the application launched `f` with `arg` for this lcore.
            let ret = unsafe { (job.f)(job.arg) };
            let mut mb = self.lock();
            mb.ret = ret;
            mb.running = false;
            self.changed.notify_all();
        }
    }
}

static WORKERS: RwLock<Vec<(Arc<Worker>, JoinHandle<()>)>> = RwLock::new(Vec::new());
/// What the function the main lcore ran in `mp_remote_launch` returned.
static MAIN_RET: AtomicI32 = AtomicI32::new(0);

fn worker(lcore: u32) -> Option<Arc<Worker>> {
    let workers = WORKERS.read().unwrap_or_else(|p| p.into_inner());
    workers
        .iter()
        .find(|(w, _)| w.lcore == lcore)
        .map(|(w, _)| Arc::clone(w))
}

fn worker_lcores() -> Vec<u32> {
    let workers = WORKERS.read().unwrap_or_else(|p| p.into_inner());
    workers.iter().map(|(w, _)| w.lcore).collect()
}

/// Starts a thread for every worker lcore of `map` (at `init`). On an error the
/// threads already started are stopped again.
pub(crate) fn start_workers(map: &LcoreMap) -> Result<()> {
    for &(lcore, cpu) in map.entries() {
        if lcore == map.main_lcore() {
            continue;
        }
        let w = Arc::new(Worker {
            lcore,
            mailbox: Mutex::new(Mailbox::default()),
            changed: Condvar::new(),
        });
        let theirs = Arc::clone(&w);
        let spawned = std::thread::Builder::new()
            .name(format!("dpdk-worker{lcore}"))
            .spawn(move || {
                if let Err(e) = lcore::pin_current_thread(cpu) {
                    crate::eal_log!(WARNING, "cannot pin lcore {lcore} to CPU {cpu}: {e}");
                }
                lcore::set_current_id(lcore);
                theirs.run();
            });
        match spawned {
            Ok(handle) => WORKERS
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .push((w, handle)),
            Err(e) => {
                crate::eal_log!(ERR, "Cannot create thread for lcore {lcore}: {e}");
                stop_workers();
                return Err(Error::Errno(libc::EAGAIN));
            }
        }
    }
    Ok(())
}

/// Waits for the functions in progress, then ends and joins the worker threads
/// (at `cleanup`).
pub(crate) fn stop_workers() {
    let workers = std::mem::take(&mut *WORKERS.write().unwrap_or_else(|p| p.into_inner()));
    for (w, handle) in workers {
        w.lock().stop = true;
        w.changed.notify_all();
        let _ = handle.join();
    }
    MAIN_RET.store(0, Ordering::Relaxed);
}

/// `rte_eal_remote_launch`: runs `f(arg)` on worker lcore `lcore`. `Busy` while it
/// still runs a function, `InvalidArgument` if `lcore` is not a worker lcore.
///
/// # Safety
/// `f(arg)` must be sound to run on another thread (what `arg` points at lives and
/// may be used there until the lcore is waited for).
pub unsafe fn remote_launch(f: LcoreFunction, arg: *mut c_void, lcore: u32) -> Result<()> {
    let w = worker(lcore).ok_or(Error::InvalidArgument)?;
    let mut mb = w.lock();
    if mb.running {
        return Err(Error::Busy);
    }
    mb.job = Some(Job { f, arg });
    mb.running = true;
    w.changed.notify_all();
    Ok(())
}

/// `rte_eal_mp_remote_launch`: `f(arg)` on every worker lcore and, if `call_main`,
/// on the calling (main) lcore too; `Busy`, launching nothing, if a worker is busy.
///
/// # Safety
/// As [`remote_launch`], for every lcore at once and on the calling thread.
pub unsafe fn mp_remote_launch(f: LcoreFunction, arg: *mut c_void, call_main: bool) -> Result<()> {
    let lcores = worker_lcores();
    if lcores
        .iter()
        .any(|&l| lcore_state(l) == LcoreState::Running)
    {
        return Err(Error::Busy);
    }
    for l in lcores {
        // SAFETY: forwarded contract.
        unsafe { remote_launch(f, arg, l)? };
    }
    if call_main {
        // SAFETY: forwarded contract (this thread as well).
        MAIN_RET.store(unsafe { f(arg) }, Ordering::Relaxed);
    }
    Ok(())
}

/// `rte_eal_get_lcore_state`.
pub fn lcore_state(lcore: u32) -> LcoreState {
    match worker(lcore) {
        Some(w) if w.lock().running => LcoreState::Running,
        _ => LcoreState::Wait,
    }
}

/// `rte_eal_wait_lcore`: waits until `lcore` finished its function and returns what
/// it returned (0 if it never ran one; the main lcore's from `mp_remote_launch`).
pub fn wait_lcore(lcore: u32) -> c_int {
    let Some(w) = worker(lcore) else {
        return if lcore::main_lcore() == Some(lcore) {
            MAIN_RET.load(Ordering::Relaxed)
        } else {
            0
        };
    };
    let mut mb = w.lock();
    while mb.running {
        mb = w.changed.wait(mb).unwrap_or_else(|p| p.into_inner());
    }
    mb.ret
}

/// `rte_eal_mp_wait_lcore`: waits for every worker lcore.
pub fn mp_wait_lcore() {
    for l in worker_lcores() {
        wait_lcore(l);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    static SEEN: AtomicU32 = AtomicU32::new(0);

    unsafe extern "C" fn record_lcore(arg: *mut c_void) -> c_int {
        SEEN.fetch_or(1 << lcore::current_id(), Ordering::SeqCst);
        // Holds the lcore busy until the test lets it go.
        // SAFETY: the test passes a pointer to a live AtomicU32.
        let gate = unsafe { &*(arg as *const AtomicU32) };
        while gate.load(Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        lcore::current_id() as c_int + 100
    }

    #[test]
    fn workers_run_launched_functions_on_their_lcores() {
        let _serial = crate::eal::test_serial();
        let words = ["test", "--no-huge", "--lcores=0@0,1@0,2@0"].map(String::from);
        crate::eal::init(&words).unwrap();
        let gate = AtomicU32::new(0);
        let arg = &gate as *const AtomicU32 as *mut c_void;
        assert_eq!(worker_lcores(), vec![1, 2]);
        // `gate` outlives every function launched with it: the test waits for all
        // lcores before it ends.
        let launch = |lcore| {
            // SAFETY: see above.
            unsafe { remote_launch(record_lcore, arg, lcore) }
        };
        launch(1).unwrap();
        assert_eq!(lcore_state(1), LcoreState::Running);
        assert_eq!(launch(1), Err(Error::Busy));
        let all = |call_main| {
            // SAFETY: as above.
            unsafe { mp_remote_launch(record_lcore, arg, call_main) }
        };
        assert_eq!(all(false), Err(Error::Busy));
        assert_eq!(launch(0), Err(Error::InvalidArgument));
        assert_eq!(launch(7), Err(Error::InvalidArgument));
        gate.store(1, Ordering::SeqCst);
        assert_eq!(wait_lcore(1), 101);
        assert_eq!(lcore_state(1), LcoreState::Wait);
        all(true).unwrap();
        mp_wait_lcore();
        assert_eq!(wait_lcore(2), 102);
        assert_eq!(wait_lcore(0), 100);
        assert_eq!(SEEN.load(Ordering::SeqCst), 0b111);
        crate::eal::cleanup(|| {}).unwrap();
        assert!(worker_lcores().is_empty());
    }
}
