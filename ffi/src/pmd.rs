//! `rte_dmadev_pmd.h`: what a driver written in C against DPDK's PMD header calls.
use crate::guard::{c_str, guard, status};
use dmadev::abi::*;
use dmadev::{api, registry};
use std::ffi::{c_char, c_int};

/// Allocates a device slot called `name` with `private_data_size` zeroed bytes of
/// driver data; the driver then sets `dev_ops`, the `fp_obj` entries and
/// `state = RTE_DMA_DEV_READY`. Returns NULL on a bad name, a taken name, or no slot.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_pmd_allocate(
    name: *const c_char,
    numa_node: c_int,
    private_data_size: usize,
) -> *mut rte_dma_dev {
    guard(core::ptr::null_mut(), || {
        // SAFETY: forwarded contract.
        let Ok(name) = (unsafe { c_str(name) }) else {
            registry::null_name();
            return core::ptr::null_mut();
        };
        registry::allocate(name, numa_node, private_data_size).unwrap_or(core::ptr::null_mut())
    })
}

/// Releases the device called `name` (closing it first if it is ready).
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_pmd_release(name: *const c_char) -> c_int {
    // SAFETY: forwarded contract.
    status(|| api::pmd_release(unsafe { c_str(name) }.map_err(|_| registry::null_name())?))
}

/// The device structure of an existing device, or NULL.
#[unsafe(no_mangle)]
pub extern "C" fn rte_dma_pmd_get_dev_by_id(dev_id: i16) -> *mut rte_dma_dev {
    guard(core::ptr::null_mut(), || {
        registry::get(dev_id).unwrap_or(core::ptr::null_mut())
    })
}
