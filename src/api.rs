//! DPDK's library layer: each public control-path call validates its arguments in
//! DPDK's order (via `validate`), then calls the driver through its ops table, and
//! keeps the shared device data (configuration, started bit) as DPDK does.
//!
//! Devices are reached through `registry::DevRef`; the only `unsafe` here is the call
//! of a driver's function pointer (C or Rust trampoline), whose contract is DPDK's:
//! the driver's own slot and valid buffers of the sizes passed.
use crate::abi::*;
use crate::config::{DeviceConfig, VchanConfig};
use crate::error::check;
use crate::registry::DevRef;
use crate::trace;
use crate::{Error, Result, dma_log, registry, validate};
use core::ffi::CStr;

/// The allocated device `dev_id`, or `-EINVAL` (not logged, as in DPDK).
fn device(dev_id: i16) -> Result<DevRef> {
    registry::device(dev_id).ok_or(Error::InvalidArgument)
}

pub fn get_dev_id_by_name(name: &CStr) -> Result<i16> {
    registry::check_name(name)?;
    registry::find_by_name(name).ok_or(Error::InvalidArgument)
}

pub fn info_get(dev_id: i16) -> Result<rte_dma_info> {
    let dev = device(dev_id)?;
    let info_get = dev.ops()?.dev_info_get.ok_or(Error::NotSupported)?;
    let mut info = rte_dma_info::default();
    let size = core::mem::size_of::<rte_dma_info>() as u32;
    // SAFETY: the driver's own callback with its own slot and a valid buffer.
    check(unsafe { info_get(dev.raw(), &mut info, size) })?;
    if info.dev_capa & RTE_DMA_CAPA_PRI_POLICY_SP != 0 && info.nb_priorities <= 1 {
        dma_log!(ERR, "Num of priorities must be > 1 for Device {}", dev_id);
        return Err(Error::InvalidArgument);
    }
    info.dev_name = dev.name_ptr();
    info.numa_node = dev.numa_node();
    info.nb_vchans = dev.conf().nb_vchans;
    trace::emit!(info_get(
        dev_id,
        dev.name().as_bytes(),
        info.dev_capa,
        info.max_vchans,
        info.max_desc,
        info.min_desc,
        info.max_sges,
        info.numa_node,
        info.nb_vchans,
        info.nb_priorities,
    ));
    Ok(info)
}

fn info_for_check(dev_id: i16) -> Result<rte_dma_info> {
    info_get(dev_id).map_err(|_| {
        dma_log!(ERR, "Device {} get device info fail", dev_id);
        Error::InvalidArgument
    })
}

fn refuse_if_started(dev: DevRef, dev_id: i16) -> Result<()> {
    if dev.is_started() {
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
    let typed: DeviceConfig = validate::configure(dev_id, conf, &info)?;
    let configure = dev.ops()?.dev_configure.ok_or(Error::NotSupported)?;
    let conf = typed.to_c();
    let size = core::mem::size_of::<rte_dma_conf>() as u32;
    // SAFETY: the driver's own callback with its own slot and a validated configuration.
    let rc = unsafe { configure(dev.raw(), &conf, size) };
    trace::emit!(configure(
        dev_id,
        conf.nb_vchans,
        conf.priority,
        conf.flags,
        rc
    ));
    check(rc)?;
    dev.set_conf(conf);
    Ok(())
}

pub fn start(dev_id: i16) -> Result<()> {
    let dev = device(dev_id)?;
    if dev.conf().nb_vchans == 0 {
        dma_log!(ERR, "Device {} must be configured first", dev_id);
        return Err(Error::InvalidArgument);
    }
    if dev.is_started() {
        dma_log!(WARNING, "Device {} already started", dev_id);
        return Ok(());
    }
    // A missing callback means nothing to do.
    if let Some(start) = dev.ops()?.dev_start {
        // SAFETY: the driver's own callback with its own slot.
        let rc = unsafe { start(dev.raw()) };
        trace::emit!(start(dev_id, rc));
        check(rc)?;
    }
    dev.set_started(true);
    Ok(())
}

pub fn stop(dev_id: i16) -> Result<()> {
    let dev = device(dev_id)?;
    if !dev.is_started() {
        dma_log!(WARNING, "Device {} already stopped", dev_id);
        return Ok(());
    }
    if let Some(stop) = dev.ops()?.dev_stop {
        // SAFETY: the driver's own callback with its own slot.
        let rc = unsafe { stop(dev.raw()) };
        trace::emit!(stop(dev_id, rc));
        check(rc)?;
    }
    dev.set_started(false);
    Ok(())
}

pub fn close(dev_id: i16) -> Result<()> {
    let dev = device(dev_id)?;
    if dev.is_started() {
        dma_log!(ERR, "Device {} must be stopped before closing", dev_id);
        return Err(Error::Busy);
    }
    let close = dev.ops()?.dev_close.ok_or(Error::NotSupported)?;
    // Unhook the fast path and wait for callers still inside it before the driver
    // frees what they use; put it back if the driver refuses to close.
    let saved = registry::unhook_fp(dev);
    registry::wait_for_fast_path();
    // SAFETY: the driver's own callback with its own slot.
    let rc = unsafe { close(dev.raw()) };
    if rc == 0 {
        registry::release(dev);
    } else {
        registry::rehook_fp(dev, saved);
    }
    trace::emit!(close(dev_id, rc));
    check(rc)
}

pub fn vchan_setup(dev_id: i16, vchan: u16, conf: &rte_dma_vchan_conf) -> Result<()> {
    let dev = device(dev_id)?;
    refuse_if_started(dev, dev_id)?;
    let typed: VchanConfig = validate::vchan_conf(dev_id, conf)?;
    let info = info_for_check(dev_id)?;
    validate::vchan_setup(dev_id, vchan, &typed, &info)?;
    let setup = dev.ops()?.vchan_setup.ok_or(Error::NotSupported)?;
    let conf = typed.to_c();
    let size = core::mem::size_of::<rte_dma_vchan_conf>() as u32;
    // SAFETY: the driver's own callback with its own slot and a validated configuration.
    let rc = unsafe { setup(dev.raw(), vchan, &conf, size) };
    let pcie = |p: crate::config::Port| match p {
        crate::config::Port::Pcie(raw) => raw[0],
        crate::config::Port::None => 0,
    };
    trace::emit!(vchan_setup(
        dev_id,
        vchan,
        conf.direction as i32,
        conf.nb_desc,
        conf.src_port.port_type as i32,
        pcie(typed.src_port),
        conf.dst_port.port_type as i32,
        pcie(typed.dst_port),
        conf.auto_free.m2d.pool,
        conf.domain.r#type as i32,
        conf.domain.src_handler,
        conf.domain.dst_handler,
        rc,
    ));
    check(rc)
}

fn configured_vchans(dev: DevRef) -> u16 {
    dev.conf().nb_vchans
}

pub fn stats_get(dev_id: i16, vchan: u16) -> Result<rte_dma_stats> {
    let dev = device(dev_id)?;
    validate::stats_vchan(dev_id, vchan, configured_vchans(dev))?;
    let get = dev.ops()?.stats_get.ok_or(Error::NotSupported)?;
    let mut stats = rte_dma_stats::default();
    // SAFETY: the driver's own callback with its own slot and a valid buffer.
    let rc = unsafe {
        get(
            dev.raw(),
            vchan,
            &mut stats,
            core::mem::size_of::<rte_dma_stats>() as u32,
        )
    };
    trace::emit!(stats_get(
        dev_id,
        vchan,
        stats.submitted,
        stats.completed,
        stats.errors,
        rc
    ));
    check(rc)?;
    Ok(stats)
}

pub fn stats_reset(dev_id: i16, vchan: u16) -> Result<()> {
    let dev = device(dev_id)?;
    validate::stats_vchan(dev_id, vchan, configured_vchans(dev))?;
    let reset = dev.ops()?.stats_reset.ok_or(Error::NotSupported)?;
    // SAFETY: the driver's own callback with its own slot.
    let rc = unsafe { reset(dev.raw(), vchan) };
    trace::emit!(stats_reset(dev_id, vchan, rc));
    check(rc)
}

pub fn vchan_status(dev_id: i16, vchan: u16) -> Result<rte_dma_vchan_status> {
    let dev = device(dev_id)?;
    validate::status_vchan(dev_id, vchan, configured_vchans(dev))?;
    let status_fn = dev.ops()?.vchan_status.ok_or(Error::NotSupported)?;
    // A C driver may store any integer; read it as one and decode.
    let mut raw: u32 = 0;
    // SAFETY: the driver's own callback; `raw` has the size and alignment of the enum.
    let rc = unsafe {
        status_fn(
            dev.raw(),
            vchan,
            &mut raw as *mut u32 as *mut rte_dma_vchan_status,
        )
    };
    trace::emit!(vchan_status(dev_id, vchan, raw as i32, rc));
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
pub fn dump_header(dev: DevRef, info: &rte_dma_info) -> String {
    use core::fmt::Write;
    let started = if dev.is_started() {
        "started"
    } else {
        "stopped"
    };
    let mut s = format!("DMA Dev {}, '{}' [{started}]\n", dev.id(), dev.name());
    let _ = write!(s, "  dev_capa: 0x{:x} -", info.dev_capa);
    let mut capa = info.dev_capa;
    while capa != 0 {
        let bit = capa & capa.wrapping_neg();
        let _ = write!(s, " {}", capability_name(bit));
        capa &= !bit;
    }
    s.push('\n');
    let flags = dev.conf().flags;
    let on_off = |flag| if flags & flag != 0 { "on" } else { "off" };
    let _ = writeln!(s, "  max_vchans_supported: {}", info.max_vchans);
    let _ = writeln!(s, "  nb_vchans_configured: {}", info.nb_vchans);
    let _ = writeln!(s, "  silent_mode: {}", on_off(RTE_DMA_CFG_FLAG_SILENT));
    let _ = writeln!(s, "  ops_mode: {}", on_off(RTE_DMA_CFG_FLAG_ENQ_DEQ));
    s
}

/// `rte_dma_dump` (`f` is `None` for a NULL stream).
pub fn dump(dev_id: i16, f: Option<CStream>) -> Result<()> {
    let dev = device(dev_id)?;
    let Some(f) = f else {
        return Err(Error::InvalidArgument); // a NULL stream: DPDK logs nothing
    };
    let info = info_for_check(dev_id)?;
    f.write(&dump_header(dev, &info))?;
    let rc = match dev.ops()?.dev_dump {
        // SAFETY: the driver's own callback with its own slot and an open stream.
        Some(driver_dump) => unsafe { driver_dump(dev.raw(), f.as_ptr()) },
        None => 0,
    };
    trace::emit!(dump(dev_id, f.as_ptr(), rc));
    check(rc)
}

/// Common checks of the access-pair-group calls; returns the device's ops.
fn group_ops(dev_id: i16) -> Result<(DevRef, &'static rte_dma_dev_ops)> {
    let dev = device(dev_id)?;
    let info = info_get(dev_id).map_err(|_| {
        dma_log!(ERR, "Device {} info query failure", dev_id);
        Error::InvalidArgument
    })?;
    validate::inter_domain_capable(dev_id, &info)?;
    Ok((dev, dev.ops()?))
}

/// What the trace records of a token: whether it is set, never its bytes.
fn token_set(token: &rte_uuid_t) -> u8 {
    token.iter().any(|&b| b != 0) as u8
}

pub fn group_create(
    dev_id: i16,
    domain_id: &rte_uuid_t,
    token: &rte_uuid_t,
    cb: rte_dma_access_pair_group_event_cb_t,
) -> Result<i16> {
    let (dev, ops) = group_ops(dev_id)?;
    let create = ops.access_pair_group_create.ok_or(Error::NotSupported)?;
    let mut group_id = -1i16;
    let (d, t) = (domain_id.as_ptr().cast_mut(), token.as_ptr().cast_mut());
    // SAFETY: the driver's own callback; both ids are 16 bytes, read only.
    let rc = unsafe { create(dev.raw(), d, t, &mut group_id, cb) };
    trace::emit!(access_pair_group_create(
        dev_id,
        domain_id,
        token_set(token),
        group_id,
        rc
    ));
    check(rc)?;
    Ok(group_id)
}

pub fn group_destroy(dev_id: i16, group_id: i16) -> Result<()> {
    let (dev, ops) = group_ops(dev_id)?;
    let destroy = ops.access_pair_group_destroy.ok_or(Error::NotSupported)?;
    // SAFETY: the driver's own callback with its own slot.
    let rc = unsafe { destroy(dev.raw(), group_id) };
    trace::emit!(access_pair_group_destroy(dev_id, group_id, rc));
    check(rc)
}

pub fn group_join(
    dev_id: i16,
    domain_id: &rte_uuid_t,
    token: &rte_uuid_t,
    group_id: i16,
    cb: rte_dma_access_pair_group_event_cb_t,
) -> Result<()> {
    let (dev, ops) = group_ops(dev_id)?;
    let join = ops.access_pair_group_join.ok_or(Error::NotSupported)?;
    let (d, t) = (domain_id.as_ptr().cast_mut(), token.as_ptr().cast_mut());
    // SAFETY: the driver's own callback; both ids are 16 bytes, read only.
    let rc = unsafe { join(dev.raw(), d, t, group_id, cb) };
    trace::emit!(access_pair_group_join(
        dev_id,
        domain_id,
        token_set(token),
        group_id,
        rc
    ));
    check(rc)
}

pub fn group_leave(dev_id: i16, group_id: i16) -> Result<()> {
    let (dev, ops) = group_ops(dev_id)?;
    let leave = ops.access_pair_group_leave.ok_or(Error::NotSupported)?;
    // SAFETY: the driver's own callback with its own slot.
    let rc = unsafe { leave(dev.raw(), group_id) };
    trace::emit!(access_pair_group_leave(dev_id, group_id, rc));
    check(rc)
}

pub fn group_handler_get(dev_id: i16, group_id: i16, domain_id: &rte_uuid_t) -> Result<u16> {
    let (dev, ops) = group_ops(dev_id)?;
    let get = ops
        .access_pair_group_handler_get
        .ok_or(Error::NotSupported)?;
    let mut handler = 0u16;
    let d = domain_id.as_ptr().cast_mut();
    // SAFETY: the driver's own callback; the id is 16 bytes, read only.
    let rc = unsafe { get(dev.raw(), group_id, d, &mut handler) };
    trace::emit!(access_pair_group_handler_get(
        dev_id, group_id, domain_id, handler, rc
    ));
    check(rc)?;
    Ok(handler)
}

/// Stops every started device (for `rte_eal_cleanup`, before the buses remove
/// theirs). Failures are logged and skipped.
pub fn stop_all() {
    let started = |&id: &i16| registry::device(id).is_some_and(|d| d.is_started());
    for dev_id in (0..registry::dev_max()).filter(started) {
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
    if dev.state() == rte_dma_dev_state::RTE_DMA_DEV_READY as u32 {
        return close(dev_id);
    }
    // A registered-only device has no driver using it yet.
    registry::release(dev);
    Ok(())
}
