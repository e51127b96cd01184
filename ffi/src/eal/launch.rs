//! `rte_launch.h`: running functions on the worker lcores.
#![allow(non_camel_case_types)]
// DPDK's enumerator names (WAIT, RUNNING, SKIP_MAIN, CALL_MAIN).
#![allow(clippy::upper_case_acronyms)]
use crate::guard::{guard, status};
use dmadev::Error;
use dmadev::eal::launch::{self, LcoreState};
use std::ffi::{c_int, c_uint, c_void};

/// State of an lcore.
#[repr(C)]
pub enum rte_lcore_state_t {
    /// Waiting for a new function.
    WAIT = 0,
    /// Running one.
    RUNNING = 1,
}

/// Whether `rte_eal_mp_remote_launch` also runs the function on the main lcore
/// (for the header: the argument arrives as `rte_rmt_call_main_t_raw`).
#[repr(C)]
#[allow(dead_code)]
pub enum rte_rmt_call_main_t {
    /// Only the worker lcores.
    SKIP_MAIN = 0,
    /// The main lcore too, in the calling thread.
    CALL_MAIN = 1,
}

/// An `enum rte_rmt_call_main_t` argument as C passes it: any value.
pub type rte_rmt_call_main_t_raw = u32;

/// A function run on an lcore (`lcore_function_t *` in C).
pub type lcore_function_ptr = Option<unsafe extern "C" fn(arg: *mut c_void) -> c_int>;

/// Runs `f(arg)` on worker lcore `worker_id`: 0, or -EBUSY while it still runs a
/// function (-EINVAL: `f` is NULL or `worker_id` is not a worker lcore).
#[unsafe(no_mangle)]
pub extern "C" fn rte_eal_remote_launch(
    f: lcore_function_ptr,
    arg: *mut c_void,
    worker_id: c_uint,
) -> c_int {
    status(|| {
        let f = f.ok_or(Error::InvalidArgument)?;
        // SAFETY: DPDK's contract: the application hands `arg` to `f` on that lcore.
        unsafe { launch::remote_launch(f, arg, worker_id) }
    })
}

/// Runs `f(arg)` on every worker lcore and, with `CALL_MAIN`, on the calling main
/// lcore as well (returning when that one is done); -EBUSY, launching nothing, if
/// a worker lcore is still busy.
#[unsafe(no_mangle)]
pub extern "C" fn rte_eal_mp_remote_launch(
    f: lcore_function_ptr,
    arg: *mut c_void,
    call_main: rte_rmt_call_main_t_raw,
) -> c_int {
    status(|| {
        let call_main = call_main == rte_rmt_call_main_t::CALL_MAIN as u32;
        let f = f.ok_or(Error::InvalidArgument)?;
        // SAFETY: DPDK's contract: the application hands `arg` to `f` on every lcore.
        unsafe { launch::mp_remote_launch(f, arg, call_main) }
    })
}

/// `RUNNING` while lcore `worker_id` runs a launched function, else `WAIT`.
#[unsafe(no_mangle)]
pub extern "C" fn rte_eal_get_lcore_state(worker_id: c_uint) -> rte_lcore_state_t {
    guard(rte_lcore_state_t::WAIT, || {
        match launch::lcore_state(worker_id) {
            LcoreState::Wait => rte_lcore_state_t::WAIT,
            LcoreState::Running => rte_lcore_state_t::RUNNING,
        }
    })
}

/// Waits until lcore `worker_id` finished its function; returns what it returned
/// (0 if none was ever launched there).
#[unsafe(no_mangle)]
pub extern "C" fn rte_eal_wait_lcore(worker_id: c_uint) -> c_int {
    guard(0, || launch::wait_lcore(worker_id))
}

/// Waits until every worker lcore finished its function.
#[unsafe(no_mangle)]
pub extern "C" fn rte_eal_mp_wait_lcore() {
    guard((), launch::mp_wait_lcore)
}
