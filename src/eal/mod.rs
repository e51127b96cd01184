//! The small EAL subset dmadev programs use: `rte_eal_init`'s command line, lcores,
//! `rte_malloc`, timer cycles and delays, the virtual-device bus and `rte_errno`.
//!
//! [`init`] parses the EAL options, applies the log levels, sets up the lcores (and
//! pins the calling thread, which becomes the main lcore, to its CPU), keeps the rest
//! of the configuration for later readers ([`config`]), then runs what the layers
//! above ask for at start (`crate::runtime`: trace options, the `--vdev` devices).
//! [`cleanup`] runs their end, then undoes its own; `init` may run again. The EAL
//! itself knows nothing of devices or trace points.

pub mod args;
pub mod corelist;
pub mod cycles;
pub mod errno;
pub mod heap;
pub mod launch;
pub mod lcore;
pub mod loglevel;
pub mod malloc;
pub mod memzone;
pub mod num;
pub mod per_lcore;
pub mod vdev;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, RwLock};

pub use args::{ArgsError, ArgvLayout, EalConfig, IovaMode, ProcType, TraceMode};
pub use lcore::LCORE_ID_ANY;

use crate::{Error, Result};

/// The version `-v` reports (`rte_version()`).
pub const RTE_VERSION: &str = "DPDK 26.11.0";
/// `RTE_PROC_PRIMARY`: the only process type supported.
pub const RTE_PROC_PRIMARY: i32 = 0;
/// `RTE_IOVA_VA`: IO addresses are virtual addresses.
pub const RTE_IOVA_VA: i32 = 2;

const STOPPED: u8 = 0;
const STARTING: u8 = 1;
const RUNNING: u8 = 2;
const STOPPING: u8 = 3;

static STATE: AtomicU8 = AtomicU8::new(STOPPED);
static CONFIG: RwLock<Option<Arc<EalConfig>>> = RwLock::new(None);
/// The CPUs the process could use before `init` pinned the main thread.
static PROCESS_CPUS: RwLock<Vec<usize>> = RwLock::new(Vec::new());

/// CPUs for helper threads (such as a DMA engine's worker) that have no lcore of
/// their own: the process's CPUs minus the main lcore's, so they do not compete with
/// the application's main thread, or all of them on a one-CPU process. `None` before
/// `init` (threads then inherit their creator's affinity).
pub fn helper_thread_cpus() -> Option<Vec<usize>> {
    if !is_initialized() {
        return None;
    }
    let all = PROCESS_CPUS
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let main_cpu = lcore::main_lcore().and_then(lcore::cpu_of_lcore);
    let others: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&c| Some(c) != main_cpu)
        .collect();
    Some(if others.is_empty() { all } else { others })
}

/// Whether `init` has completed (and `cleanup` not yet run).
pub fn is_initialized() -> bool {
    STATE.load(Ordering::Acquire) == RUNNING
}

/// The configuration of the running EAL (trace options, file prefix, ...), or
/// `None` when it is not running. Set before the `--vdev` devices are created, so
/// drivers may read it from their probe.
pub fn config() -> Option<Arc<EalConfig>> {
    CONFIG.read().unwrap_or_else(|p| p.into_inner()).clone()
}

fn set_config(cfg: Option<Arc<EalConfig>>) {
    *CONFIG.write().unwrap_or_else(|p| p.into_inner()) = cfg;
}

/// `rte_eal_init` with nothing above the EAL to start: returns how many entries of
/// `argv` the application skips. See [`init_with_layout`].
pub fn init(argv: &[String]) -> Result<usize> {
    init_with_layout(argv, |_| Ok(())).map(|layout| layout.consumed)
}

/// `rte_eal_init`, also returning how the caller's argv must be rearranged (see
/// [`ArgvLayout`]); `above` runs once the EAL is set up, with its configuration (the
/// upper layers' start; it undoes its own work if it fails). Errors:
/// `Errno(EALREADY)` when already initialised (or being initialised),
/// `InvalidArgument` for a bad command line or `-h`, `NotSupported` for
/// `--proc-type=secondary`, the OS error if the main thread cannot be pinned, and
/// `above`'s error. After an error nothing is left behind and `init` may be called
/// again.
pub fn init_with_layout(
    argv: &[String],
    above: impl FnOnce(&EalConfig) -> Result<()>,
) -> Result<ArgvLayout> {
    if STATE
        .compare_exchange(STOPPED, STARTING, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        crate::eal_log!(ALERT, "already called initialization.");
        return Err(Error::Errno(libc::EALREADY));
    }
    // A panic must not leave the state stuck at STARTING.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| start(argv, above)))
        .unwrap_or(Err(Error::Errno(libc::EFAULT)));
    match outcome {
        Ok(layout) => {
            STATE.store(RUNNING, Ordering::Release);
            Ok(layout)
        }
        Err(e) => {
            STATE.store(STOPPED, Ordering::Release);
            Err(e)
        }
    }
}

fn start(argv: &[String], above: impl FnOnce(&EalConfig) -> Result<()>) -> Result<ArgvLayout> {
    let parsed = match args::parse(argv) {
        Ok(parsed) => parsed,
        Err(ArgsError::Help) => {
            let prog = argv.first().map_or("app", String::as_str);
            print!("{}", args::usage(prog));
            return Err(Error::InvalidArgument);
        }
        Err(ArgsError::LogLevelHelp) => {
            print!("{}", log_level_usage());
            return Err(Error::InvalidArgument);
        }
        Err(ArgsError::Invalid(msg)) => {
            crate::eal_log!(ERR, "{msg}");
            crate::eal_log!(ALERT, "Invalid command line arguments.");
            return Err(Error::InvalidArgument);
        }
    };
    let cfg = parsed.config;
    loglevel::apply(&cfg.log_levels)?;
    for warning in &cfg.warnings {
        crate::eal_log!(WARNING, "{warning}");
    }
    if cfg.version {
        crate::eal_log!(CRIT, "RTE Version: '{RTE_VERSION}'");
    }
    if cfg.proc_type == Some(ProcType::Secondary) {
        crate::eal_log!(ALERT, "secondary processes are not supported by dmadev-rs");
        return Err(Error::NotSupported);
    }
    if cfg.iova_mode == Some(IovaMode::Pa) {
        crate::eal_log!(
            WARNING,
            "IOVA as physical addresses is not available; using virtual addresses"
        );
    }
    for plugin in &cfg.plugins {
        crate::eal_log!(
            INFO,
            "ignoring driver path '{plugin}': drivers are built in"
        );
    }

    // Measure the TSC now, as DPDK does at init, so the first timer read or delay of
    // the application does not pay for it (20 ms).
    cycles::timer_hz();
    let map = build_lcore_map(&cfg)?;
    let main = map.main_lcore();
    let main_cpu = map.cpu_of(main).ok_or(Error::InvalidArgument)?;
    let saved_affinity = lcore::thread_affinity().ok();
    *PROCESS_CPUS.write().unwrap_or_else(|p| p.into_inner()) =
        saved_affinity.clone().unwrap_or_default();
    if let Err(e) = lcore::pin_current_thread(main_cpu) {
        crate::eal_log!(
            ALERT,
            "cannot pin the main lcore {main} to CPU {main_cpu}: {e}"
        );
        return Err(e);
    }
    let started = launch::start_workers(&map);
    lcore::install(Some(map));
    lcore::set_current_id(main);
    let cfg = Arc::new(cfg);
    set_config(Some(Arc::clone(&cfg)));

    if let Err(e) = started.and_then(|()| above(&cfg)) {
        launch::stop_workers();
        set_config(None);
        lcore::install(None);
        lcore::set_current_id(LCORE_ID_ANY);
        if let Some(cpus) = saved_affinity {
            let _ = lcore::set_current_affinity(&cpus);
        }
        return Err(e);
    }
    Ok(parsed.layout)
}

fn build_lcore_map(cfg: &EalConfig) -> Result<lcore::LcoreMap> {
    let affinity = if cfg.lcores.is_empty() {
        lcore::thread_affinity().inspect_err(|e| {
            crate::eal_log!(ALERT, "cannot read the thread's CPU affinity: {e}");
        })?
    } else {
        Vec::new()
    };
    lcore::LcoreMap::build(
        &cfg.lcores,
        cfg.remap_lcore_ids,
        cfg.main_lcore,
        &affinity,
        lcore::cpu_count(),
    )
    .map_err(|msg| {
        crate::eal_log!(ERR, "{msg}");
        crate::eal_log!(ALERT, "Cannot set up the lcores.");
        Error::InvalidArgument
    })
}

/// The text for `--log-level=help`.
pub fn log_level_usage() -> String {
    let mut out = String::from(
        "Log level syntax:\n\
         \t--log-level pattern:level   (glob over log type names)\n\
         \t--log-level regex,level     (regular expression)\n\
         \t--log-level level           (global level)\n\
         A line is written if both the global and its type's level allow it.\n\
         Levels, as a number or the start of the name:\n",
    );
    for level in 1..=loglevel::LOG_MAX {
        out.push_str(&format!("\t{level}   {}\n", loglevel::level_name(level)));
    }
    out
}

/// `rte_eal_cleanup`: runs `above` (the upper layers' end: devices, trace), waits for
/// the worker lcores' functions and ends their threads, then forgets the lcores and
/// the configuration; `init` may run again.
/// `Errno(EALREADY)` if the EAL is not running.
pub fn cleanup(above: impl FnOnce()) -> Result<()> {
    if STATE
        .compare_exchange(RUNNING, STOPPING, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        crate::eal_log!(WARNING, "Already called cleanup");
        return Err(Error::Errno(libc::EALREADY));
    }
    above();
    launch::stop_workers();
    memzone::release_all();
    set_config(None);
    lcore::install(None);
    lcore::set_current_id(LCORE_ID_ANY);
    STATE.store(STOPPED, Ordering::Release);
    Ok(())
}

/// The EAL is global: tests anywhere in the crate that run `init` take this first.
#[cfg(test)]
pub(crate) fn test_serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        std::iter::once("test")
            .chain(words.iter().copied())
            .map(String::from)
            .collect()
    }

    /// Runs `f` on a fresh thread so pinning does not touch the test harness's.
    fn on_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::spawn(f).join().unwrap()
    }

    #[test]
    fn init_and_cleanup_cycle() {
        let _turn = test_serial();
        let cpu = *lcore::thread_affinity().unwrap().last().unwrap();
        let main = if cpu < crate::abi::RTE_MAX_LCORE as usize {
            format!("{cpu}")
        } else {
            format!("0@{cpu}")
        };
        let lcores = main.clone();
        let (consumed, id, count, cfg) = on_thread(move || {
            let consumed = init(&argv(&[
                "-l",
                &lcores,
                "--no-pci",
                "--trace=lib.dmadev.*",
                "--trace-dir=/tmp/x",
                "--trace-bufsz=1M",
                "--log-level=lib.eal:info",
                "--",
                "app-arg",
            ]))
            .unwrap();
            assert_eq!(lcore::thread_affinity().unwrap(), vec![cpu]);
            (consumed, lcore::current_id(), lcore::count(), config())
        });
        assert_eq!(consumed, 8);
        let expected_id = if cpu < crate::abi::RTE_MAX_LCORE as usize {
            cpu as u32
        } else {
            0
        };
        assert_eq!(id, expected_id);
        assert_eq!(count, 1);
        assert_eq!(lcore::main_lcore(), Some(expected_id));
        assert_eq!(lcore::cpu_of_lcore(expected_id), Some(cpu));
        let cfg = cfg.unwrap();
        assert_eq!(cfg.trace, vec!["lib.dmadev.*"]);
        assert_eq!(cfg.trace_dir.as_deref(), Some("/tmp/x"));
        assert_eq!(cfg.trace_bufsz, Some(1 << 20));
        assert!(is_initialized());
        // This thread is not an EAL thread.
        assert_eq!(lcore::current_id(), LCORE_ID_ANY);

        // A second init is refused and changes nothing.
        assert_eq!(init(&argv(&[])), Err(Error::Errno(libc::EALREADY)));
        assert!(is_initialized());

        cleanup(|| ()).unwrap();
        assert!(!is_initialized());
        assert!(config().is_none());
        assert_eq!(lcore::count(), 0);
        assert_eq!(cleanup(|| ()), Err(Error::Errno(libc::EALREADY)));

        // Default lcores come from the affinity; init works again after cleanup.
        let count = on_thread(|| {
            assert_eq!(init(&argv(&[])), Ok(0));
            lcore::count()
        });
        assert!(count >= 1);
        cleanup(|| ()).unwrap();
    }

    #[test]
    fn failures_leave_nothing_behind() {
        let _turn = test_serial();
        for (words, expected) in [
            (&["--bogus"][..], Error::InvalidArgument),
            (&["-h"][..], Error::InvalidArgument),
            (&["--log-level=help"][..], Error::InvalidArgument),
            (&["--proc-type=secondary"][..], Error::NotSupported),
            (&["-l", "15"][..], Error::InvalidArgument),
            (&["--main-lcore=9", "-l", "0"][..], Error::InvalidArgument),
            // The layers above refuse (as a --vdev with no driver makes them).
            (&["--vdev=no_such_driver0"][..], Error::NotFound),
        ] {
            let words: Vec<String> = argv(words);
            let before = lcore::thread_affinity().unwrap();
            let r = on_thread(move || {
                let refuse_vdevs = |c: &EalConfig| match c.vdevs.is_empty() {
                    true => Ok(()),
                    false => Err(Error::NotFound),
                };
                let r = init_with_layout(&words, refuse_vdevs).map(|l| l.consumed);
                (r, lcore::current_id(), lcore::thread_affinity().unwrap())
            });
            // "-l 15" may exist on big machines; only check the refusals that must fail.
            if r.0.is_ok() {
                cleanup(|| ()).unwrap();
                continue;
            }
            assert_eq!(r.0, Err(expected));
            assert_eq!(r.1, LCORE_ID_ANY);
            assert_eq!(r.2, before);
            assert!(!is_initialized());
            assert!(config().is_none());
            assert_eq!(lcore::count(), 0);
        }
    }

    #[test]
    fn log_levels_are_applied() {
        let _turn = test_serial();
        let id = crate::log::register("test.eal.loglevel", crate::log::RTE_LOG_INFO);
        on_thread(|| {
            init(&argv(&[
                "--log-level=test.eal.*:debug",
                "--log-level=^test\\.eal2$,2",
            ]))
            .unwrap()
        });
        assert_eq!(crate::log::get_level(id), Some(crate::log::RTE_LOG_DEBUG));
        let id2 = crate::log::register("test.eal2", crate::log::RTE_LOG_INFO);
        assert_eq!(crate::log::get_level(id2), Some(2));
        cleanup(|| ()).unwrap();
        assert!(log_level_usage().contains("debug"));
    }
}
