//! `rte_bus_vdev.h`: creating and removing virtual devices.
use super::utf8;
use crate::guard::status;
use dmadev::runtime;
use std::ffi::{c_char, c_int};

/// Creates virtual device `name` (e.g. "dma_skeleton0") with the driver whose name
/// prefixes it. `args` ("key=value,...") may be NULL. Returns 0, -EINVAL for a
/// NULL or bad name, -EEXIST if it exists, -ENOENT if no driver matches, or the
/// driver's error.
///
/// # Safety
/// `name` and `args` are NULL or NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_vdev_init(name: *const c_char, args: *const c_char) -> c_int {
    status(|| {
        // SAFETY: forwarded contract.
        let name = unsafe { utf8(name)? };
        let args = if args.is_null() {
            ""
        } else {
            // SAFETY: forwarded contract.
            unsafe { utf8(args)? }
        };
        runtime::vdev_init(name, args)
    })
}

/// Destroys virtual device `name`. Returns 0, -EINVAL for NULL, -ENOENT if there
/// is no such device, or the driver's error (the device then stays).
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_vdev_uninit(name: *const c_char) -> c_int {
    // SAFETY: forwarded contract.
    status(|| runtime::vdev_uninit(unsafe { utf8(name)? }))
}
