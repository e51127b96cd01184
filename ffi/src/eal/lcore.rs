//! `rte_lcore.h`: logical cores.
use super::fail;
use crate::guard::guard;
use dmadev::Error;
use dmadev::abi::RTE_MAX_LCORE;
use dmadev::eal::lcore;
use std::ffi::{c_int, c_uint};

/// The calling thread's lcore id, or `LCORE_ID_ANY` (UINT32_MAX) for a thread the
/// EAL did not set up.
#[unsafe(no_mangle)]
pub extern "C" fn rte_lcore_id() -> c_uint {
    guard(lcore::LCORE_ID_ANY, lcore::current_id)
}

/// Number of enabled lcores (0 before `rte_eal_init`).
#[unsafe(no_mangle)]
pub extern "C" fn rte_lcore_count() -> c_uint {
    guard(0, lcore::count)
}

/// The main lcore's id (0 before `rte_eal_init`).
#[unsafe(no_mangle)]
pub extern "C" fn rte_get_main_lcore() -> c_uint {
    guard(0, || lcore::main_lcore().unwrap_or(0))
}

/// 1 if `lcore_id` is an enabled lcore, else 0.
#[unsafe(no_mangle)]
pub extern "C" fn rte_lcore_is_enabled(lcore_id: c_uint) -> c_int {
    guard(0, || c_int::from(lcore::is_enabled(lcore_id)))
}

/// The next enabled lcore after `i` (skipping the main lcore if `skip_main`,
/// wrapping around if `wrap`), or `RTE_MAX_LCORE` if there is none.
#[unsafe(no_mangle)]
pub extern "C" fn rte_get_next_lcore(i: c_uint, skip_main: c_int, wrap: c_int) -> c_uint {
    guard(RTE_MAX_LCORE, || {
        lcore::next_lcore(i, skip_main != 0, wrap != 0)
    })
}

/// Resolves the lcore argument of `rte_lcore_index`/`rte_lcore_to_cpu_id`:
/// negative means the calling thread's.
fn lcore_arg(lcore_id: c_int) -> Option<u32> {
    match u32::try_from(lcore_id) {
        Ok(id) if id < RTE_MAX_LCORE => Some(id),
        Ok(_) => None,
        Err(_) => Some(lcore::current_id()).filter(|&id| id != lcore::LCORE_ID_ANY),
    }
}

/// The position of `lcore_id` among the enabled lcores (negative `lcore_id`: the
/// calling thread's lcore), or -1.
#[unsafe(no_mangle)]
pub extern "C" fn rte_lcore_index(lcore_id: c_int) -> c_int {
    guard(-1, || {
        lcore_arg(lcore_id)
            .and_then(lcore::index_of)
            .and_then(|i| c_int::try_from(i).ok())
            .unwrap_or(-1)
    })
}

/// The CPU `lcore_id` runs on (negative `lcore_id`: the calling thread's lcore),
/// or -1.
#[unsafe(no_mangle)]
pub extern "C" fn rte_lcore_to_cpu_id(lcore_id: c_int) -> c_int {
    guard(-1, || {
        lcore_arg(lcore_id)
            .and_then(lcore::cpu_of_lcore)
            .and_then(|c| c_int::try_from(c).ok())
            .unwrap_or(-1)
    })
}

/// The NUMA node of an lcore: always 0 (memory is not NUMA-placed).
#[unsafe(no_mangle)]
pub extern "C" fn rte_lcore_to_socket_id(lcore_id: c_uint) -> c_uint {
    let _ = lcore_id;
    0
}

/// The calling thread's NUMA node: always 0.
#[unsafe(no_mangle)]
pub extern "C" fn rte_socket_id() -> c_uint {
    0
}

/// Number of NUMA nodes seen: always 1.
#[unsafe(no_mangle)]
pub extern "C" fn rte_socket_count() -> c_uint {
    1
}

/// The id of the `idx`-th NUMA node: 0 for index 0, else -1 with `rte_errno` EINVAL.
#[unsafe(no_mangle)]
pub extern "C" fn rte_socket_id_by_idx(idx: c_uint) -> c_int {
    if idx == 0 {
        0
    } else {
        fail(Error::InvalidArgument)
    }
}
