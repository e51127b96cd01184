//! DPDK's library layer: each public control-path call validates its arguments in
//! DPDK's order (via `validate`), then calls the driver through its ops table, and
//! keeps the shared device data (configuration, started bit) as DPDK does.
use crate::abi::*;
use crate::error::check;
use crate::trace::{self, points as tp};
use crate::{Error, Result, dma_log, registry, validate};
use core::ffi::{CStr, c_uchar};

/// The allocated device `dev_id`, or `-EINVAL` (not logged, as in DPDK).
fn device(dev_id: i16) -> Result<*mut rte_dma_dev> {
    registry::get(dev_id).ok_or(Error::InvalidArgument)
}

/// The error for a required pointer argument that is NULL (not logged, as in DPDK).
pub fn null_argument(_dev_id: i16, _what: &str) -> Error {
    Error::InvalidArgument
}

/// The ops table of an allocated device.
///
/// # Safety
/// `dev` must be an allocated slot.
unsafe fn ops<'a>(dev: *const rte_dma_dev) -> Result<&'a rte_dma_dev_ops> {
    // SAFETY: a driver's ops table outlives its device.
    unsafe { (*dev).dev_ops.as_ref() }.ok_or(Error::NotSupported)
}

/// # Safety
/// `dev` must be an allocated slot.
unsafe fn data<'a>(dev: *const rte_dma_dev) -> &'a rte_dma_dev_data {
    // SAFETY: allocated slots point at their data entry.
    unsafe { &*(*dev).data }
}

pub fn get_dev_id_by_name(name: &CStr) -> Result<i16> {
    registry::check_name(name)?;
    registry::find_by_name(name).ok_or(Error::InvalidArgument)
}

pub fn info_get(dev_id: i16) -> Result<rte_dma_info> {
    let dev = device(dev_id)?;
    // SAFETY: `dev` is allocated.
    let (ops, data) = unsafe { (ops(dev)?, data(dev)) };
    let info_get = ops.dev_info_get.ok_or(Error::NotSupported)?;
    let mut info = rte_dma_info::default();
    // SAFETY: the driver's own callback with its own slot and a valid buffer.
    check(unsafe { info_get(dev, &mut info, core::mem::size_of::<rte_dma_info>() as u32) })?;
    if info.dev_capa & RTE_DMA_CAPA_PRI_POLICY_SP != 0 && info.nb_priorities <= 1 {
        dma_log!(ERR, "Num of priorities must be > 1 for Device {}", dev_id);
        return Err(Error::InvalidArgument);
    }
    info.dev_name = data.dev_name.as_ptr();
    info.numa_node = data.numa_node;
    info.nb_vchans = data.dev_conf.nb_vchans;
    trace::emit(&tp::INFO_GET, |w| {
        let name: Vec<u8> = data.dev_name.iter().map(|&c| c as u8).collect();
        w.i16(dev_id)
            .str32(&name)
            .u64(info.dev_capa)
            .u16(info.max_vchans)
            .u16(info.max_desc);
        w.u16(info.min_desc)
            .u16(info.max_sges)
            .i16(info.numa_node)
            .u16(info.nb_vchans)
            .u16(info.nb_priorities);
    });
    Ok(info)
}

fn info_for_check(dev_id: i16) -> Result<rte_dma_info> {
    info_get(dev_id).map_err(|_| {
        dma_log!(ERR, "Device {} get device info fail", dev_id);
        Error::InvalidArgument
    })
}

fn refuse_if_started(dev: *const rte_dma_dev, dev_id: i16) -> Result<()> {
    // SAFETY: `dev` is allocated.
    if unsafe { registry::is_started(dev) } {
        dma_log!(
            ERR,
            "Device {} must be stopped to allow configuration",
            dev_id
        );
        return Err(Error::Busy);
    }
    Ok(())
}

pub fn configure(dev_id: i16, conf: &rte_dma_conf) -> Result<()> {
    let dev = device(dev_id)?;
    refuse_if_started(dev, dev_id)?;
    let info = info_for_check(dev_id)?;
    validate::configure(dev_id, conf, &info)?;
    // SAFETY: `dev` is allocated.
    let configure = unsafe { ops(dev)? }
        .dev_configure
        .ok_or(Error::NotSupported)?;
    // SAFETY: the driver's own callback with its own slot and a validated configuration.
    let rc = unsafe { configure(dev, conf, core::mem::size_of::<rte_dma_conf>() as u32) };
    trace::emit(&tp::CONFIGURE, |w| {
        w.i16(dev_id)
            .u16(conf.nb_vchans)
            .u16(conf.priority)
            .u64(conf.flags)
            .i32(rc);
    });
    check(rc)?;
    // SAFETY: `dev` is allocated; the control path is single-threaded per DPDK's rules.
    unsafe { (*(*dev).data).dev_conf = *conf };
    Ok(())
}

pub fn start(dev_id: i16) -> Result<()> {
    let dev = device(dev_id)?;
    // SAFETY: `dev` is allocated.
    let data = unsafe { data(dev) };
    if data.dev_conf.nb_vchans == 0 {
        dma_log!(ERR, "Device {} must be configured first", dev_id);
        return Err(Error::InvalidArgument);
    }
    // SAFETY: `dev` is allocated.
    if unsafe { registry::is_started(dev) } {
        dma_log!(WARNING, "Device {} already started", dev_id);
        return Ok(());
    }
    // SAFETY: `dev` is allocated; a missing callback means nothing to do.
    if let Some(start) = unsafe { ops(dev)? }.dev_start {
        // SAFETY: the driver's own callback with its own slot.
        let rc = unsafe { start(dev) };
        trace::emit(&tp::START, |w| {
            w.i16(dev_id).i32(rc);
        });
        check(rc)?;
    }
    // SAFETY: `dev` is allocated.
    unsafe { registry::set_started(dev, true) };
    Ok(())
}

pub fn stop(dev_id: i16) -> Result<()> {
    let dev = device(dev_id)?;
    // SAFETY: `dev` is allocated.
    if !unsafe { registry::is_started(dev) } {
        dma_log!(WARNING, "Device {} already stopped", dev_id);
        return Ok(());
    }
    // SAFETY: `dev` is allocated; a missing callback means nothing to do.
    if let Some(stop) = unsafe { ops(dev)? }.dev_stop {
        // SAFETY: the driver's own callback with its own slot.
        let rc = unsafe { stop(dev) };
        trace::emit(&tp::STOP, |w| {
            w.i16(dev_id).i32(rc);
        });
        check(rc)?;
    }
    // SAFETY: `dev` is allocated.
    unsafe { registry::set_started(dev, false) };
    Ok(())
}

pub fn close(dev_id: i16) -> Result<()> {
    let dev = device(dev_id)?;
    // SAFETY: `dev` is allocated.
    if unsafe { registry::is_started(dev) } {
        dma_log!(ERR, "Device {} must be stopped before closing", dev_id);
        return Err(Error::Busy);
    }
    // SAFETY: `dev` is allocated.
    let close = unsafe { ops(dev)? }.dev_close.ok_or(Error::NotSupported)?;
    // Unhook the fast path and wait for callers still inside it before the driver
    // frees what they use; put it back if the driver refuses to close.
    // SAFETY: `dev` is allocated, so `fp_obj` is its entry of the table.
    let fp = unsafe { (*dev).fp_obj };
    // SAFETY: as above; the entry is plain data.
    let saved = unsafe { fp.read() };
    // SAFETY: as above.
    unsafe { registry::unhook_fp(fp) };
    registry::wait_for_fast_path();
    // SAFETY: the driver's own callback with its own slot.
    let rc = unsafe { close(dev) };
    if rc == 0 {
        // SAFETY: the driver released its use of the slot in `dev_close`.
        unsafe { registry::release(dev) };
    } else {
        // SAFETY: as above.
        unsafe { fp.write(saved) };
    }
    trace::emit(&tp::CLOSE, |w| {
        w.i16(dev_id).i32(rc);
    });
    check(rc)
}

pub fn vchan_setup(dev_id: i16, vchan: u16, conf: &rte_dma_vchan_conf) -> Result<()> {
    let dev = device(dev_id)?;
    refuse_if_started(dev, dev_id)?;
    validate::vchan_conf(dev_id, conf)?;
    let info = info_for_check(dev_id)?;
    validate::vchan_setup(dev_id, vchan, conf, &info)?;
    // SAFETY: `dev` is allocated.
    let setup = unsafe { ops(dev)? }
        .vchan_setup
        .ok_or(Error::NotSupported)?;
    // SAFETY: the driver's own callback with its own slot and a validated configuration.
    let rc = unsafe {
        setup(
            dev,
            vchan,
            conf,
            core::mem::size_of::<rte_dma_vchan_conf>() as u32,
        )
    };
    trace::emit(&tp::VCHAN_SETUP, |w| {
        // SAFETY: `val` aliases the first 8 bytes of the 16-byte pcie union.
        let (src_pcie, dst_pcie) = unsafe { (conf.src_port.pcie.val, conf.dst_port.pcie.val) };
        w.i16(dev_id)
            .u16(vchan)
            .i32(conf.direction as i32)
            .u16(conf.nb_desc);
        w.i32(conf.src_port.port_type as i32)
            .u64(src_pcie)
            .i32(conf.dst_port.port_type as i32)
            .u64(dst_pcie);
        w.ptr(conf.auto_free.m2d.pool)
            .i32(conf.domain.r#type as i32);
        w.u16(conf.domain.src_handler)
            .u16(conf.domain.dst_handler)
            .i32(rc);
    });
    check(rc)
}

fn configured_vchans(dev: *const rte_dma_dev) -> u16 {
    // SAFETY: callers pass allocated slots.
    unsafe { data(dev) }.dev_conf.nb_vchans
}

pub fn stats_get(dev_id: i16, vchan: u16) -> Result<rte_dma_stats> {
    let dev = device(dev_id)?;
    validate::stats_vchan(dev_id, vchan, configured_vchans(dev))?;
    // SAFETY: `dev` is allocated.
    let get = unsafe { ops(dev)? }.stats_get.ok_or(Error::NotSupported)?;
    let mut stats = rte_dma_stats::default();
    // SAFETY: the driver's own callback with its own slot and a valid buffer.
    let rc = unsafe {
        get(
            dev,
            vchan,
            &mut stats,
            core::mem::size_of::<rte_dma_stats>() as u32,
        )
    };
    trace::emit(&tp::STATS_GET, |w| {
        w.i16(dev_id)
            .u16(vchan)
            .u64(stats.submitted)
            .u64(stats.completed)
            .u64(stats.errors)
            .i32(rc);
    });
    check(rc)?;
    Ok(stats)
}

pub fn stats_reset(dev_id: i16, vchan: u16) -> Result<()> {
    let dev = device(dev_id)?;
    validate::stats_vchan(dev_id, vchan, configured_vchans(dev))?;
    // SAFETY: `dev` is allocated.
    let reset = unsafe { ops(dev)? }
        .stats_reset
        .ok_or(Error::NotSupported)?;
    // SAFETY: the driver's own callback with its own slot.
    let rc = unsafe { reset(dev, vchan) };
    trace::emit(&tp::STATS_RESET, |w| {
        w.i16(dev_id).u16(vchan).i32(rc);
    });
    check(rc)
}

pub fn vchan_status(dev_id: i16, vchan: u16) -> Result<rte_dma_vchan_status> {
    let dev = device(dev_id)?;
    validate::status_vchan(dev_id, vchan, configured_vchans(dev))?;
    // SAFETY: `dev` is allocated.
    let status_fn = unsafe { ops(dev)? }
        .vchan_status
        .ok_or(Error::NotSupported)?;
    // A C driver may store any integer; read it as one and decode.
    let mut raw: u32 = 0;
    // SAFETY: the driver's own callback; `raw` has the size and alignment of the enum.
    let rc = unsafe {
        status_fn(
            dev,
            vchan,
            &mut raw as *mut u32 as *mut rte_dma_vchan_status,
        )
    };
    trace::emit(&tp::VCHAN_STATUS, |w| {
        w.i16(dev_id).u16(vchan).i32(raw as i32).i32(rc);
    });
    check(rc)?;
    match raw {
        0 => Ok(rte_dma_vchan_status::RTE_DMA_VCHAN_IDLE),
        1 => Ok(rte_dma_vchan_status::RTE_DMA_VCHAN_ACTIVE),
        2 => Ok(rte_dma_vchan_status::RTE_DMA_VCHAN_HALTED_ERROR),
        _ => Err(Error::Errno(libc::EIO)),
    }
}

/// Capability names as `rte_dma_dump` prints them.
pub fn capability_name(capa: u64) -> &'static str {
    match capa {
        RTE_DMA_CAPA_MEM_TO_MEM => "mem2mem",
        RTE_DMA_CAPA_MEM_TO_DEV => "mem2dev",
        RTE_DMA_CAPA_DEV_TO_MEM => "dev2mem",
        RTE_DMA_CAPA_DEV_TO_DEV => "dev2dev",
        RTE_DMA_CAPA_SVA => "sva",
        RTE_DMA_CAPA_SILENT => "silent",
        RTE_DMA_CAPA_HANDLES_ERRORS => "handles_errors",
        RTE_DMA_CAPA_M2D_AUTO_FREE => "m2d_auto_free",
        RTE_DMA_CAPA_PRI_POLICY_SP => "pri_policy_sp",
        RTE_DMA_CAPA_INTER_PROCESS_DOMAIN => "inter_process_domain",
        RTE_DMA_CAPA_INTER_OS_DOMAIN => "inter_os_domain",
        RTE_DMA_CAPA_OPS_COPY => "copy",
        RTE_DMA_CAPA_OPS_COPY_SG => "copy_sg",
        RTE_DMA_CAPA_OPS_FILL => "fill",
        _ => "unknown",
    }
}

/// The library's part of `rte_dma_dump`: identity, capabilities, configuration.
pub fn dump_header(dev_id: i16, info: &rte_dma_info, data: &rte_dma_dev_data) -> String {
    use core::fmt::Write;
    // SAFETY: device names are NUL-terminated within their array.
    let name = unsafe { CStr::from_ptr(data.dev_name.as_ptr()) }.to_string_lossy();
    let started = if data.dev_started & 1 != 0 {
        "started"
    } else {
        "stopped"
    };
    let mut s = format!("DMA Dev {dev_id}, '{name}' [{started}]\n");
    let _ = write!(s, "  dev_capa: 0x{:x} -", info.dev_capa);
    let mut capa = info.dev_capa;
    while capa != 0 {
        let bit = capa & capa.wrapping_neg();
        let _ = write!(s, " {}", capability_name(bit));
        capa &= !bit;
    }
    s.push('\n');
    let on_off = |flag| {
        if data.dev_conf.flags & flag != 0 {
            "on"
        } else {
            "off"
        }
    };
    let _ = writeln!(s, "  max_vchans_supported: {}", info.max_vchans);
    let _ = writeln!(s, "  nb_vchans_configured: {}", info.nb_vchans);
    let _ = writeln!(s, "  silent_mode: {}", on_off(RTE_DMA_CFG_FLAG_SILENT));
    let _ = writeln!(s, "  ops_mode: {}", on_off(RTE_DMA_CFG_FLAG_ENQ_DEQ));
    s
}

/// Writes `text` to a C stream.
///
/// # Safety
/// `f` must be an open `FILE *`.
pub unsafe fn write_to_file(f: *mut libc::FILE, text: &str) -> Result<()> {
    // SAFETY: `text` is valid for its length; `f` is open per the contract.
    let n = unsafe { libc::fwrite(text.as_ptr().cast(), 1, text.len(), f) };
    if n == text.len() {
        Ok(())
    } else {
        Err(Error::Errno(libc::EIO))
    }
}

/// `rte_dma_dump`.
///
/// # Safety
/// `f` must be an open `FILE *` (checked for NULL here).
pub unsafe fn dump(dev_id: i16, f: *mut libc::FILE) -> Result<()> {
    let dev = device(dev_id)?;
    if f.is_null() {
        return Err(null_argument(dev_id, "dump stream"));
    }
    let info = info_for_check(dev_id)?;
    // SAFETY: `dev` is allocated and `f` is open.
    unsafe {
        write_to_file(f, &dump_header(dev_id, &info, data(dev)))?;
        let rc = match ops(dev)?.dev_dump {
            Some(driver_dump) => driver_dump(dev, f),
            None => 0,
        };
        trace::emit(&tp::DUMP, |w| {
            w.i16(dev_id).ptr(f).i32(rc);
        });
        check(rc)
    }
}

/// Common checks of the access-pair-group calls; returns the device's ops.
fn group_ops(dev_id: i16) -> Result<(*mut rte_dma_dev, &'static rte_dma_dev_ops)> {
    let dev = device(dev_id)?;
    let info = info_get(dev_id).map_err(|_| {
        dma_log!(ERR, "Device {} info query failure", dev_id);
        Error::InvalidArgument
    })?;
    validate::inter_domain_capable(dev_id, &info)?;
    // SAFETY: `dev` is allocated.
    Ok((dev, unsafe { ops(dev)? }))
}

/// What the trace records of a token: whether it is set, never its bytes.
fn token_set(token: &[u8; 16]) -> u8 {
    token.iter().any(|&b| b != 0) as u8
}

/// # Safety
/// `domain_id` and `token` point at 16 readable bytes.
pub unsafe fn group_create(
    dev_id: i16,
    domain_id: *const c_uchar,
    token: *const c_uchar,
    cb: rte_dma_access_pair_group_event_cb_t,
) -> Result<i16> {
    let (dev, ops) = group_ops(dev_id)?;
    let create = ops.access_pair_group_create.ok_or(Error::NotSupported)?;
    let mut group_id = -1i16;
    // SAFETY: the driver's own callback; pointers are valid per the contract.
    let rc = unsafe {
        create(
            dev,
            domain_id.cast_mut(),
            token.cast_mut(),
            &mut group_id,
            cb,
        )
    };
    trace::emit(&tp::GROUP_CREATE, |w| {
        // SAFETY: both point at 16 readable bytes per the contract.
        let (d, t) = unsafe {
            (
                &*(domain_id as *const [u8; 16]),
                &*(token as *const [u8; 16]),
            )
        };
        w.i16(dev_id).uuid(d).u8(token_set(t)).i16(group_id).i32(rc);
    });
    check(rc)?;
    Ok(group_id)
}

pub fn group_destroy(dev_id: i16, group_id: i16) -> Result<()> {
    let (dev, ops) = group_ops(dev_id)?;
    let destroy = ops.access_pair_group_destroy.ok_or(Error::NotSupported)?;
    // SAFETY: the driver's own callback with its own slot.
    let rc = unsafe { destroy(dev, group_id) };
    trace::emit(&tp::GROUP_DESTROY, |w| {
        w.i16(dev_id).i16(group_id).i32(rc);
    });
    check(rc)
}

/// # Safety
/// `domain_id` and `token` point at 16 readable bytes.
pub unsafe fn group_join(
    dev_id: i16,
    domain_id: *const c_uchar,
    token: *const c_uchar,
    group_id: i16,
    cb: rte_dma_access_pair_group_event_cb_t,
) -> Result<()> {
    let (dev, ops) = group_ops(dev_id)?;
    let join = ops.access_pair_group_join.ok_or(Error::NotSupported)?;
    // SAFETY: the driver's own callback; pointers are valid per the contract.
    let rc = unsafe { join(dev, domain_id.cast_mut(), token.cast_mut(), group_id, cb) };
    trace::emit(&tp::GROUP_JOIN, |w| {
        // SAFETY: both point at 16 readable bytes per the contract.
        let (d, t) = unsafe {
            (
                &*(domain_id as *const [u8; 16]),
                &*(token as *const [u8; 16]),
            )
        };
        w.i16(dev_id).uuid(d).u8(token_set(t)).i16(group_id).i32(rc);
    });
    check(rc)
}

pub fn group_leave(dev_id: i16, group_id: i16) -> Result<()> {
    let (dev, ops) = group_ops(dev_id)?;
    let leave = ops.access_pair_group_leave.ok_or(Error::NotSupported)?;
    // SAFETY: the driver's own callback with its own slot.
    let rc = unsafe { leave(dev, group_id) };
    trace::emit(&tp::GROUP_LEAVE, |w| {
        w.i16(dev_id).i16(group_id).i32(rc);
    });
    check(rc)
}

/// # Safety
/// `domain_id` points at 16 readable bytes.
pub unsafe fn group_handler_get(
    dev_id: i16,
    group_id: i16,
    domain_id: *const c_uchar,
) -> Result<u16> {
    let (dev, ops) = group_ops(dev_id)?;
    let get = ops
        .access_pair_group_handler_get
        .ok_or(Error::NotSupported)?;
    let mut handler = 0u16;
    // SAFETY: the driver's own callback; pointers are valid per the contract.
    let rc = unsafe { get(dev, group_id, domain_id.cast_mut(), &mut handler) };
    trace::emit(&tp::GROUP_HANDLER_GET, |w| {
        // SAFETY: points at 16 readable bytes per the contract.
        let d = unsafe { &*(domain_id as *const [u8; 16]) };
        w.i16(dev_id).i16(group_id).uuid(d).u16(handler).i32(rc);
    });
    check(rc)?;
    Ok(handler)
}

/// Stops every started device (for `rte_eal_cleanup`, before the buses remove
/// theirs). Failures are logged and skipped.
pub fn stop_all() {
    for dev_id in (0..registry::dev_max()).filter(|&id| registry::is_valid(id)) {
        if let Err(e) = stop(dev_id) {
            dma_log!(ERR, "Device {} stop failed at cleanup: {}", dev_id, e);
        }
    }
}

/// Closes every device still allocated (for `rte_eal_cleanup`, after the buses
/// removed theirs): a driver that registered a device itself gets its `dev_close`.
pub fn close_all() {
    for dev_id in (0..registry::dev_max()).filter(|&id| registry::is_valid(id)) {
        if let Err(e) = pmd_release_id(dev_id) {
            dma_log!(ERR, "Device {} close failed at cleanup: {}", dev_id, e);
        }
    }
}

/// DPDK's `rte_dma_pmd_release`: closes a ready device, or frees a registered one.
pub fn pmd_release(name: &CStr) -> Result<()> {
    registry::check_name(name)?;
    let dev_id = registry::find_by_name(name).ok_or(Error::InvalidArgument)?;
    pmd_release_id(dev_id)
}

fn pmd_release_id(dev_id: i16) -> Result<()> {
    let dev = device(dev_id)?;
    let state = registry::state_of(dev);
    if state == rte_dma_dev_state::RTE_DMA_DEV_READY as u32 {
        return close(dev_id);
    }
    // SAFETY: a registered-only device has no driver using it yet.
    unsafe { registry::release(dev) };
    Ok(())
}
