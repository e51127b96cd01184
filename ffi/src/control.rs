//! `rte_dmadev.h`: the control-path functions.
use crate::guard::{c_str, guard, non_null, status, value};
use dmadev::abi::*;
use dmadev::{Error, api, registry};
use std::ffi::{c_char, c_int, c_uchar};

/// Sets how many devices can exist. Only before the first device is created.
/// Returns 0, or -EINVAL if `dev_max` is 0, above INT16_MAX, or already fixed.
#[unsafe(no_mangle)]
pub extern "C" fn rte_dma_dev_max(dev_max: usize) -> c_int {
    status(|| registry::set_dev_max(dev_max))
}

/// Id of the device called `name`, or -EINVAL.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_get_dev_id_by_name(name: *const c_char) -> c_int {
    value(|| {
        // SAFETY: forwarded contract.
        let name = unsafe { c_str(name) }.map_err(|_| registry::null_name())?;
        api::get_dev_id_by_name(name)
    })
}

/// Whether `dev_id` names an existing device.
#[unsafe(no_mangle)]
pub extern "C" fn rte_dma_is_valid(dev_id: i16) -> bool {
    guard(false, || registry::is_valid(dev_id))
}

/// Number of existing devices.
#[unsafe(no_mangle)]
pub extern "C" fn rte_dma_count_avail() -> u16 {
    guard(0, registry::count_avail)
}

/// First existing device id at or after `start_dev_id`, or -1.
#[unsafe(no_mangle)]
pub extern "C" fn rte_dma_next_dev(start_dev_id: i16) -> i16 {
    guard(-1, || registry::next_dev(start_dev_id))
}

/// Fills `dev_info` with the device's capabilities and configuration.
///
/// # Safety
/// `dev_info` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_info_get(dev_id: i16, dev_info: *mut rte_dma_info) -> c_int {
    status(|| {
        // SAFETY: forwarded contract.
        let out = unsafe { non_null(dev_info) }?;
        *out = api::info_get(dev_id)?;
        Ok(())
    })
}

/// Configures a stopped device. -EBUSY when started, -EINVAL for bad settings.
///
/// # Safety
/// `dev_conf` is NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_configure(dev_id: i16, dev_conf: *const rte_dma_conf) -> c_int {
    status(|| {
        // SAFETY: forwarded contract.
        let conf = unsafe { dev_conf.as_ref() };
        match conf {
            Some(conf) => api::configure(dev_id, conf),
            None => Err(Error::InvalidArgument),
        }
    })
}

/// Starts a configured device.
#[unsafe(no_mangle)]
pub extern "C" fn rte_dma_start(dev_id: i16) -> c_int {
    status(|| api::start(dev_id))
}

/// Stops a device; its ring indexes restart at 0 on the next start.
#[unsafe(no_mangle)]
pub extern "C" fn rte_dma_stop(dev_id: i16) -> c_int {
    status(|| api::stop(dev_id))
}

/// Closes a stopped device and frees everything it holds.
#[unsafe(no_mangle)]
pub extern "C" fn rte_dma_close(dev_id: i16) -> c_int {
    status(|| api::close(dev_id))
}

/// Sets up virtual channel `vchan` of a configured, stopped device.
///
/// # Safety
/// `conf` is NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_vchan_setup(
    dev_id: i16,
    vchan: u16,
    conf: *const rte_dma_vchan_conf,
) -> c_int {
    status(|| {
        // SAFETY: forwarded contract.
        match unsafe { conf.as_ref() } {
            Some(conf) => api::vchan_setup(dev_id, vchan, conf),
            None => Err(Error::InvalidArgument),
        }
    })
}

/// Counters of one vchan, or of all with RTE_DMA_ALL_VCHAN.
///
/// # Safety
/// `stats` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_stats_get(
    dev_id: i16,
    vchan: u16,
    stats: *mut rte_dma_stats,
) -> c_int {
    status(|| {
        if stats.is_null() {
            return Err(Error::InvalidArgument);
        }
        let s = api::stats_get(dev_id, vchan)?;
        // SAFETY: non-NULL and writable per the contract.
        unsafe { *stats = s };
        Ok(())
    })
}

/// Resets the counters of one vchan, or of all with RTE_DMA_ALL_VCHAN.
#[unsafe(no_mangle)]
pub extern "C" fn rte_dma_stats_reset(dev_id: i16, vchan: u16) -> c_int {
    status(|| api::stats_reset(dev_id, vchan))
}

/// Whether the vchan is idle or still working.
///
/// # Safety
/// `status` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_vchan_status(
    dev_id: i16,
    vchan: u16,
    status: *mut rte_dma_vchan_status,
) -> c_int {
    crate::guard::status(|| {
        if status.is_null() {
            return Err(Error::InvalidArgument);
        }
        let s = api::vchan_status(dev_id, vchan)?;
        // SAFETY: non-NULL and writable per the contract.
        unsafe { *status = s };
        Ok(())
    })
}

/// Prints the device's state to `f`.
///
/// # Safety
/// `f` is NULL or an open stream.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_dump(dev_id: i16, f: *mut libc::FILE) -> c_int {
    // SAFETY: forwarded contract (`f` NULL or open).
    status(|| api::dump(dev_id, unsafe { CStream::new(f) }))
}

/// A domain id or token the caller passed.
///
/// # Safety
/// `p` is non-NULL and points at 16 readable bytes that outlive the call.
unsafe fn uuid<'a>(p: *const c_uchar) -> &'a rte_uuid_t {
    // SAFETY: per the contract; `rte_uuid_t` is `[u8; 16]`, alignment 1.
    unsafe { &*(p as *const rte_uuid_t) }
}

/// Creates an access pair group with this process as creator; writes its id.
///
/// # Safety
/// `domain_id` and `token` point at 16 bytes; `group_id` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_access_pair_group_create(
    dev_id: i16,
    domain_id: *const c_uchar,
    token: *const c_uchar,
    group_id: *mut i16,
    cb: rte_dma_access_pair_group_event_cb_t,
) -> c_int {
    status(|| {
        if !registry::is_valid(dev_id)
            || group_id.is_null()
            || domain_id.is_null()
            || token.is_null()
        {
            return Err(Error::InvalidArgument);
        }
        // SAFETY: forwarded contract; pointers checked above, 16 bytes each.
        let (d, t) = unsafe { (uuid(domain_id), uuid(token)) };
        let id = api::group_create(dev_id, d, t, cb)?;
        // SAFETY: checked non-NULL above; writable per the contract.
        unsafe { *group_id = id };
        Ok(())
    })
}

/// Destroys a group this process created.
#[unsafe(no_mangle)]
pub extern "C" fn rte_dma_access_pair_group_destroy(dev_id: i16, group_id: i16) -> c_int {
    status(|| api::group_destroy(dev_id, group_id))
}

/// Joins group `group_id`, presenting `token`.
///
/// # Safety
/// `domain_id` and `token` point at 16 bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_access_pair_group_join(
    dev_id: i16,
    domain_id: *const c_uchar,
    token: *const c_uchar,
    group_id: i16,
    cb: rte_dma_access_pair_group_event_cb_t,
) -> c_int {
    status(|| {
        if domain_id.is_null() || token.is_null() {
            return Err(Error::InvalidArgument);
        }
        // SAFETY: forwarded contract; pointers checked above, 16 bytes each.
        let (d, t) = unsafe { (uuid(domain_id), uuid(token)) };
        api::group_join(dev_id, d, t, group_id, cb)
    })
}

/// Leaves a group this process joined.
#[unsafe(no_mangle)]
pub extern "C" fn rte_dma_access_pair_group_leave(dev_id: i16, group_id: i16) -> c_int {
    status(|| api::group_leave(dev_id, group_id))
}

/// Handler of member `domain_id` of the group, for `rte_dma_vchan_conf.domain`.
///
/// # Safety
/// `domain_id` points at 16 bytes; `handler` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_access_pair_group_handler_get(
    dev_id: i16,
    group_id: i16,
    domain_id: *const c_uchar,
    handler: *mut u16,
) -> c_int {
    status(|| {
        if handler.is_null() || domain_id.is_null() {
            return Err(Error::InvalidArgument);
        }
        // SAFETY: forwarded contract; pointer checked above, 16 bytes.
        let h = api::group_handler_get(dev_id, group_id, unsafe { uuid(domain_id) })?;
        // SAFETY: checked non-NULL above; writable per the contract.
        unsafe { *handler = h };
        Ok(())
    })
}
