//! DPDK's telemetry, version 2: the socket `dpdk-telemetry.py` and its kin talk to,
//! its commands, and the command table applications add to.
//!
//! `data` is the answer model (`struct rte_tel_data`), `json` writes answers as DPDK
//! does, `commands` holds the table and turns a request into an answer, `server` the
//! socket and its thread, `eal` and `dmadev` the library's commands. `start`/`stop`
//! are called by `crate::runtime` at `rte_eal_init`/`rte_eal_cleanup`. It sits above
//! the library layer (it reads devices through `crate::api`) and below the devices,
//! which reach it only through [`dmadev::set_groups_source`].

/// Logs one line under `lib.telemetry` (DPDK's default level WARNING) with DPDK's
/// `TELEMETRY: ` prefix.
macro_rules! tel_log {
    ($level:ident, $($arg:tt)*) => {
        $crate::log::write_line(
            $crate::telemetry::logtype(),
            $crate::log::level_of(stringify!($level)),
            "TELEMETRY: ",
            format_args!($($arg)*),
        )
    };
}
pub(crate) use tel_log;

pub mod commands;
pub mod data;
pub mod dmadev;
pub mod eal;
pub mod json;
pub mod server;

use crate::eal::EalConfig;
use std::path::PathBuf;
use std::sync::Mutex;

/// The `lib.telemetry` log type's id.
pub fn logtype() -> u32 {
    static ID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *ID.get_or_init(|| crate::log::register("lib.telemetry", crate::log::RTE_LOG_WARNING))
}

static SERVER: Mutex<Option<server::Server>> = Mutex::new(None);
/// The socket's path and our pid, for the exit handler of a program that never
/// calls `rte_eal_cleanup` (DPDK removes its socket at exit too); a forked child
/// leaves its parent's socket alone.
static SOCKET_PATH: Mutex<Option<(PathBuf, u32)>> = Mutex::new(None);

extern "C" fn remove_socket_at_exit() {
    if let Ok(mut p) = SOCKET_PATH.try_lock()
        && let Some((path, pid)) = p.take()
        && pid == std::process::id()
    {
        let _ = std::fs::remove_file(path);
    }
}

/// Starts the server for this `rte_eal_init` unless `--no-telemetry` was given, and
/// keeps `argv` for `/eal/params`. A server that cannot start is logged and left
/// out: the data plane matters more than its dashboard (DPDK fails `rte_eal_init`).
pub fn start(cfg: &EalConfig, argv: &[String]) {
    eal::save_args(argv);
    if cfg.no_telemetry {
        return;
    }
    let prefix = cfg.file_prefix.as_deref().unwrap_or("rte");
    if prefix.contains('/') || prefix == "." || prefix == ".." {
        tel_log!(
            ERR,
            "file prefix {prefix} cannot name a runtime directory; no telemetry"
        );
        return;
    }
    let dir = server::runtime_dir(prefix);
    let started = server::make_runtime_dir(&dir).and_then(|()| server::Server::start(&dir));
    match started {
        Ok(s) => {
            tel_log!(DEBUG, "Telemetry initialized ok at {}", s.path().display());
            static AT_EXIT: std::sync::Once = std::sync::Once::new();
            // SAFETY: registers a function that only touches a static.
            AT_EXIT.call_once(|| unsafe {
                libc::atexit(remove_socket_at_exit);
            });
            *SOCKET_PATH.lock().unwrap_or_else(|p| p.into_inner()) =
                Some((s.path().into(), std::process::id()));
            *SERVER.lock().unwrap_or_else(|p| p.into_inner()) = Some(s);
        }
        Err(e) => tel_log!(ERR, "telemetry not started in {}: {e}", dir.display()),
    }
}

/// Stops the server (closing its clients) and removes its socket.
pub fn stop() {
    let server = SERVER.lock().unwrap_or_else(|p| p.into_inner()).take();
    drop(server);
    SOCKET_PATH.lock().unwrap_or_else(|p| p.into_inner()).take();
}

/// The socket the server listens on, if it runs.
pub fn socket_path() -> Option<PathBuf> {
    SERVER
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .map(|s| s.path().to_path_buf())
}
