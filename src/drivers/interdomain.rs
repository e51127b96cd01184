//! `dma_interdomain`: the software device that moves bytes between processes.
//!
//! It is the CPU engine of `dma_skeleton` plus the access-pair-group control plane
//! (`crate::domain`). Each vchan's `domain` setting binds its source and destination
//! to group members by handler; the vchan's data path (`domain::remote`) then reads
//! and writes those processes' memory. The fast path is the engine's own. Every vchan
//! reports bad addresses as error statuses instead of faulting, hence
//! `RTE_DMA_CAPA_HANDLES_ERRORS`.
//!
//! With `os_region=` (a host file, or `pci[:addr]` for a guest's ivshmem BAR) the
//! device attaches to a region shared between OS domains (`domain::region`): its
//! groups live in the region, its `rte_malloc` heap in its window there
//! (`os_window=`, 64M by default), and it reports `RTE_DMA_CAPA_INTER_OS_DOMAIN`.
use crate::abi::uuid_text;
use crate::abi::*;
use crate::config::{DeviceConfig, Domain, VchanConfig};
use crate::domain::group::{Group, Role};
use crate::domain::handlers::{Endpoint, Handlers, OsEndpoint, Reach};
use crate::domain::region::control::{self, RegionGroups};
use crate::domain::region::datapath::OsDataPath;
use crate::domain::region::{attach, layout};
use crate::domain::remote::ProcessDataPath;
use crate::driver::{self, Capabilities, Device, Driver};
use crate::engines::cpu::CpuEngine;
use crate::telemetry::data::{ArrayType, TelData};
use crate::{Error, Result, dma_log};
use std::ffi::CString;
use std::sync::{Arc, Mutex, Weak};

pub const DRIVER_NAME: &str = "dma_interdomain";

/// `dma_skeleton`'s, plus inter-process domains and error statuses for bad addresses.
pub const CAPABILITIES: Capabilities = Capabilities {
    dev_capa: super::skeleton::CAPABILITIES.dev_capa
        | RTE_DMA_CAPA_HANDLES_ERRORS
        | RTE_DMA_CAPA_INTER_PROCESS_DOMAIN,
    ..super::skeleton::CAPABILITIES
};

/// With a shared region: OS domains as well.
pub const OS_CAPABILITIES: Capabilities = Capabilities {
    dev_capa: CAPABILITIES.dev_capa | RTE_DMA_CAPA_INTER_OS_DOMAIN,
    ..CAPABILITIES
};

/// The size of a region file we create.
const DEFAULT_REGION: u64 = 1 << 30;

type Groups = Mutex<Vec<Arc<Group>>>;

pub struct InterDomain {
    engine: CpuEngine,
    handlers: Arc<Handlers>,
    groups: Arc<Groups>,
    /// The groups in a shared region, when the device has one.
    region: Option<Arc<RegionGroups>>,
}

/// A live device's handlers and groups, for `/dmadev/groups` (weak: the device owns
/// them and drops them when it is closed).
type LiveDevice = (i16, Weak<Handlers>, Weak<Groups>);

static LIVE: Mutex<Vec<LiveDevice>> = Mutex::new(Vec::new());

/// `/dmadev/groups,<id>`: an array with one dictionary per group this process is in:
/// `group_id`, `role`, `state` (`active` while its control thread runs), our
/// `domain_id` and `members`, keyed by handler: `domain_id`, `pid`, `local`, `alive`
/// and `window_len` (bytes of its heap mapped here, 0 if none). `-ENOTSUP` for a
/// device that is not a `dma_interdomain`.
pub fn telemetry_groups(dev_id: i16, d: &mut TelData) -> core::result::Result<(), i32> {
    let live = LIVE.lock().unwrap_or_else(|p| p.into_inner());
    let found = live.iter().find(|(id, ..)| *id == dev_id);
    let Some((handlers, groups)) = found.and_then(|(_, h, g)| Some((h.upgrade()?, g.upgrade()?)))
    else {
        return Err(-libc::ENOTSUP);
    };
    drop(live);
    d.start_array(ArrayType::Container);
    for g in groups.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        let mut group = TelData::new();
        group.start_dict();
        group.add_dict_int(b"group_id", g.id as i64);
        let role = if g.role == Role::Creator {
            "creator"
        } else {
            "joiner"
        };
        group.add_dict_string(b"role", role.as_bytes());
        let state = if g.is_active() { "active" } else { "ended" };
        group.add_dict_string(b"state", state.as_bytes());
        group.add_dict_string(b"domain_id", uuid_text(&g.me).as_bytes());
        let mut members = TelData::new();
        members.start_dict();
        for (h, domain, pid, _) in handlers.members(g.id) {
            let mut m = TelData::new();
            m.start_dict();
            m.add_dict_string(b"domain_id", uuid_text(&domain).as_bytes());
            m.add_dict_int(b"pid", pid as i64);
            let ep = handlers.endpoint(h);
            let local = matches!(ep, Some(Endpoint::Local));
            m.add_dict_int(b"local", local as i64);
            m.add_dict_int(b"alive", ep.as_ref().is_some_and(Endpoint::is_alive) as i64);
            let window = match ep {
                Some(Endpoint::Peer {
                    window: Some(w), ..
                }) => w.len,
                _ => 0,
            };
            m.add_dict_uint(b"window_len", window);
            members.add_dict_owned(&h.to_string(), m);
        }
        group.add_dict_owned("members", members);
        d.add_array_owned(group);
    }
    Ok(())
}

impl InterDomain {
    fn groups(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Group>>> {
        self.groups.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn group(&self, group_id: i16) -> Result<Arc<Group>> {
        self.groups()
            .iter()
            .find(|g| g.id == group_id)
            .cloned()
            .ok_or_else(|| {
                dma_log!(ERR, "this process is not a member of group {}", group_id);
                Error::InvalidArgument
            })
    }

    fn endpoint(&self, handler: u16, side: &str) -> Result<Endpoint> {
        if handler == 0 {
            dma_log!(ERR, "{} handler 0 is not a valid handler", side);
            return Err(Error::InvalidArgument);
        }
        self.handlers.endpoint(handler).ok_or_else(|| {
            dma_log!(
                ERR,
                "{} handler {} is not a current group member on this device",
                side,
                handler
            );
            Error::InvalidArgument
        })
    }

    /// An `RTE_DMA_INTER_OS_DOMAIN` endpoint: 0 is this process, any other handler
    /// must name a member of a group in the region (a process group's is refused).
    fn os_endpoint(&self, handler: u16, side: &str) -> Result<OsEndpoint> {
        if handler == 0 {
            return Ok(OsEndpoint::Local);
        }
        self.handlers.os_endpoint(handler).ok_or_else(|| {
            dma_log!(
                ERR,
                "{} handler {} is not a current OS-domain group member on this device",
                side,
                handler
            );
            Error::InvalidArgument
        })
    }

    fn remove_group(&self, group_id: i16) -> Option<Arc<Group>> {
        let mut groups = self.groups();
        let i = groups.iter().position(|g| g.id == group_id)?;
        Some(groups.remove(i))
    }
}

impl Driver for InterDomain {
    fn capabilities(&self) -> Capabilities {
        match self.region {
            Some(_) => OS_CAPABILITIES,
            None => CAPABILITIES,
        }
    }
    fn configure(&self, conf: &DeviceConfig) -> Result<()> {
        self.engine.configure(conf)
    }
    fn vchan_setup(&self, vchan: u16, conf: &VchanConfig) -> Result<()> {
        // Plain vchans go through the checked path too, so bad addresses complete
        // with an error status as HANDLES_ERRORS promises.
        let (src, dst) = match conf.domain {
            Domain::Process { src, dst } => (
                self.endpoint(src, "source")?,
                self.endpoint(dst, "destination")?,
            ),
            Domain::Os { src, dst } => {
                // Validation refuses it unless the device reports INTER_OS_DOMAIN.
                let Some(r) = &self.region else {
                    return Err(Error::NotSupported);
                };
                let datapath = Box::new(OsDataPath::new(
                    self.os_endpoint(src, "source")?,
                    self.os_endpoint(dst, "destination")?,
                    (r.att.region.base(), r.att.region.len),
                ));
                return self.engine.setup_vchan(vchan, conf.nb_desc, Some(datapath));
            }
            Domain::Local => (Endpoint::Local, Endpoint::Local),
        };
        let datapath = Box::new(ProcessDataPath::new(src, dst));
        self.engine.setup_vchan(vchan, conf.nb_desc, Some(datapath))
    }
    fn start(&self) -> Result<()> {
        self.engine.start()
    }
    fn stop(&self) -> Result<()> {
        self.engine.stop()
    }
    fn close(&self) -> Result<()> {
        for g in self.groups().drain(..) {
            g.end();
        }
        if let Some(r) = &self.region {
            r.end_all();
        }
        self.engine.close()
    }
    fn stats(&self, vchan: u16) -> Result<rte_dma_stats> {
        self.engine.stats(vchan)
    }
    fn stats_reset(&self, vchan: u16) -> Result<()> {
        self.engine.stats_reset(vchan)
    }
    fn vchan_status(&self, vchan: u16) -> Result<rte_dma_vchan_status> {
        self.engine.vchan_status(vchan)
    }
    fn dump(&self, out: &mut String) {
        use core::fmt::Write;
        self.engine.dump(out);
        let mut groups: Vec<(i16, bool)> = self
            .groups()
            .iter()
            .map(|g| (g.id, g.role == Role::Creator))
            .collect();
        if let Some(r) = &self.region {
            dump_region(r, out);
            groups.extend(
                r.ids()
                    .into_iter()
                    .map(|(id, role)| (id, role == control::Role::Creator)),
            );
        }
        for (id, creator) in groups {
            let role = if creator { "creator" } else { "joiner" };
            let _ = writeln!(out, "    group {id} ({role}):");
            for (h, d, pid, reach) in self.handlers.members(id) {
                let how = match reach {
                    Reach::Process => String::new(),
                    Reach::OsLocal => " (this process)".to_string(),
                    Reach::OsPeer(Some(w)) => format!(
                        " window {:#x}+{:#x} mapped here at {:#x}",
                        w.peer_base, w.len, w.local
                    ),
                    Reach::OsPeer(None) => " no window".to_string(),
                };
                let _ = writeln!(
                    out,
                    "      handler {h}: domain {} pid {pid}{how}",
                    uuid_text(&d)
                );
            }
        }
    }

    fn group_create(
        &self,
        domain_id: &rte_uuid_t,
        token: &rte_uuid_t,
        cb: rte_dma_access_pair_group_event_cb_t,
    ) -> Result<i16> {
        if let Some(r) = &self.region {
            let id = r.create(*domain_id, *token)?;
            self.handlers.set_callback(id, cb);
            return Ok(id);
        }
        let group = Group::create(*domain_id, *token, self.handlers.clone())?;
        let id = group.id;
        // Ids are unique among live groups, so an entry with this id is a group we had
        // joined whose creator is gone (the application has not left it yet): drop it.
        let stale: Vec<Arc<Group>> = {
            let mut groups = self.groups();
            let (stale, keep) = groups.drain(..).partition(|g| g.id == id);
            *groups = keep;
            groups.push(group);
            stale
        };
        for g in stale {
            g.end();
        }
        self.handlers.set_callback(id, cb);
        Ok(id)
    }

    fn group_join(
        &self,
        domain_id: &rte_uuid_t,
        token: &rte_uuid_t,
        group_id: i16,
        cb: rte_dma_access_pair_group_event_cb_t,
    ) -> Result<()> {
        if let Some(r) = &self.region {
            if r.role(group_id).is_some() {
                dma_log!(ERR, "this process is already in group {}", group_id);
                return Err(Error::Exists);
            }
            self.handlers.set_callback(group_id, cb);
            return r.join(group_id, *domain_id, *token);
        }
        if self.groups().iter().any(|g| g.id == group_id) {
            dma_log!(ERR, "this process is already in group {}", group_id);
            return Err(Error::Exists);
        }
        self.handlers.set_callback(group_id, cb);
        let group = Group::join(group_id, *domain_id, *token, self.handlers.clone())?;
        self.groups().push(group);
        Ok(())
    }

    fn group_leave(&self, group_id: i16) -> Result<()> {
        if let Some(r) = &self.region {
            return match self.region_role(r, group_id)? {
                control::Role::Joiner => {
                    r.end(group_id);
                    Ok(())
                }
                control::Role::Creator => {
                    dma_log!(
                        ERR,
                        "the creator of group {} cannot leave it (destroy it instead)",
                        group_id
                    );
                    Err(Error::NotPermitted)
                }
            };
        }
        let group = self.group(group_id)?;
        if group.role == Role::Creator {
            dma_log!(
                ERR,
                "the creator of group {} cannot leave it (destroy it instead)",
                group_id
            );
            return Err(Error::NotPermitted);
        }
        if let Some(g) = self.remove_group(group_id) {
            g.end();
        }
        Ok(())
    }

    fn group_destroy(&self, group_id: i16) -> Result<()> {
        if let Some(r) = &self.region {
            return match self.region_role(r, group_id)? {
                control::Role::Creator => {
                    r.end(group_id);
                    Ok(())
                }
                control::Role::Joiner => {
                    dma_log!(ERR, "only the creator of group {} can destroy it", group_id);
                    Err(Error::NotPermitted)
                }
            };
        }
        let group = self.group(group_id)?;
        if group.role != Role::Creator {
            dma_log!(ERR, "only the creator of group {} can destroy it", group_id);
            return Err(Error::NotPermitted);
        }
        if let Some(g) = self.remove_group(group_id) {
            g.end();
        }
        Ok(())
    }

    fn group_handler(&self, group_id: i16, domain_id: &rte_uuid_t) -> Result<u16> {
        match &self.region {
            Some(r) => {
                self.region_role(r, group_id)?;
            }
            None => {
                self.group(group_id)?;
            }
        }
        self.handlers
            .handler_of(group_id, domain_id)
            .ok_or_else(|| {
                dma_log!(
                    ERR,
                    "domain {} is not a member of group {}",
                    uuid_text(domain_id),
                    group_id
                );
                Error::InvalidArgument
            })
    }
}

impl InterDomain {
    fn region_role(&self, r: &RegionGroups, group_id: i16) -> Result<control::Role> {
        r.role(group_id).ok_or_else(|| {
            dma_log!(ERR, "this process is not a member of group {}", group_id);
            Error::InvalidArgument
        })
    }
}

/// The region, its live slots and their windows, for `rte_dma_dump`.
fn dump_region(r: &RegionGroups, out: &mut String) {
    use core::fmt::Write;
    use core::sync::atomic::Ordering::Acquire;
    let a = r.att;
    let _ = writeln!(
        out,
        "  region {} ({} bytes, mapped at {:#x}): slot {}, window {:#x}+{:#x}{}",
        a.region.source,
        a.region.len,
        a.region.base(),
        a.slot,
        a.win_off,
        a.win_len,
        if a.heap { " (rte_malloc heap)" } else { "" }
    );
    for i in 0..layout::MAX_SLOTS {
        let Some(s) = a.region.slot(i) else { break };
        let word = s.state.load(Acquire);
        if layout::state_of(word) != layout::LIVE {
            continue;
        }
        let _ = writeln!(
            out,
            "    slot {i}: pid {} heartbeat {} window {:#x}+{:#x} at {:#x} groups {:#x}",
            s.pid.load(Acquire),
            s.heartbeat.load(Acquire),
            s.win_off.load(Acquire),
            s.win_len.load(Acquire),
            s.win_base.load(Acquire),
            s.member_of.load(Acquire)
        );
    }
}

impl Device for InterDomain {
    /// The engine's own fast path: the fast-path table reaches it directly.
    type Fast = CpuEngine;
    fn fast_path(&self) -> &CpuEngine {
        &self.engine
    }
}

/// Creates an inter-domain device called `name` (the vdev bus's probe).
pub fn probe(name: &str, args: &str) -> Result<()> {
    let args = super::devargs::parse(DRIVER_NAME, args, super::devargs::Keys::WithRegion)?;
    let cname = CString::new(name).map_err(|_| Error::InvalidArgument)?;
    let handlers = Arc::new(Handlers::default());
    let region = match args.region.clone() {
        Some(source) => {
            let att = attach::attach(source, args.window, DEFAULT_REGION)?;
            Some(RegionGroups::new(att, Arc::clone(&handlers)))
        }
        None => None,
    };
    let caps = if region.is_some() {
        OS_CAPABILITIES
    } else {
        CAPABILITIES
    };
    let dev = InterDomain {
        engine: super::engine_for_vdev(caps, "dma-idom", &args),
        handlers: Arc::clone(&handlers),
        groups: Arc::new(Mutex::new(Vec::new())),
        region,
    };
    let groups = Arc::downgrade(&dev.groups);
    let dev_id = driver::register(&cname, -1, dev).inspect_err(|_| {
        dma_log!(ERR, "Unable to allocate dmadev: {}", name);
    })?;
    handlers.set_dev_id(dev_id);
    let mut live = LIVE.lock().unwrap_or_else(|p| p.into_inner());
    live.retain(|(id, h, _)| *id != dev_id && h.strong_count() > 0);
    live.push((dev_id, Arc::downgrade(&handlers), groups));
    dma_log!(INFO, "Create {} dmadev (id {})", name, dev_id);
    Ok(())
}

/// Removes the inter-domain device called `name` (the vdev bus's remove).
pub fn remove(name: &str) -> Result<()> {
    super::release_vdev(name)
}
