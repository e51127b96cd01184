//! `dma_interdomain`: the software device that moves bytes between processes.
//!
//! It is the CPU engine of `dma_skeleton` plus the access-pair-group control plane
//! (`crate::domain`). Each vchan's `domain` setting binds its source and destination
//! to group members by handler; the vchan's data path (`domain::remote`) then reads
//! and writes those processes' memory. The fast path is the engine's own. Every vchan
//! reports bad addresses as error statuses instead of faulting, hence
//! `RTE_DMA_CAPA_HANDLES_ERRORS`.
use crate::abi::uuid_text;
use crate::abi::*;
use crate::config::{DeviceConfig, Domain, VchanConfig};
use crate::domain::group::{Group, Role};
use crate::domain::handlers::{Endpoint, Handlers};
use crate::domain::remote::ProcessDataPath;
use crate::driver::{self, Capabilities, Device, Driver};
use crate::engines::cpu::CpuEngine;
use crate::{Error, Result, dma_log};
use std::ffi::CString;
use std::sync::{Arc, Mutex};

pub const DRIVER_NAME: &str = "dma_interdomain";

/// `dma_skeleton`'s, plus inter-process domains and error statuses for bad addresses.
pub const CAPABILITIES: Capabilities = Capabilities {
    dev_capa: super::skeleton::CAPABILITIES.dev_capa
        | RTE_DMA_CAPA_HANDLES_ERRORS
        | RTE_DMA_CAPA_INTER_PROCESS_DOMAIN,
    ..super::skeleton::CAPABILITIES
};

pub struct InterDomain {
    engine: CpuEngine,
    handlers: Arc<Handlers>,
    groups: Mutex<Vec<Arc<Group>>>,
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

    fn remove_group(&self, group_id: i16) -> Option<Arc<Group>> {
        let mut groups = self.groups();
        let i = groups.iter().position(|g| g.id == group_id)?;
        Some(groups.remove(i))
    }
}

impl Driver for InterDomain {
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
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
            // Validation refuses it: this device does not report INTER_OS_DOMAIN.
            Domain::Os { .. } => return Err(Error::NotSupported),
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
        for g in self.groups().iter() {
            let role = if g.role == Role::Creator {
                "creator"
            } else {
                "joiner"
            };
            let _ = writeln!(out, "    group {} ({role}):", g.id);
            for (h, d, pid) in self.handlers.members(g.id) {
                let _ = writeln!(out, "      handler {h}: domain {} pid {pid}", uuid_text(&d));
            }
        }
    }

    fn group_create(
        &self,
        domain_id: &rte_uuid_t,
        token: &rte_uuid_t,
        cb: rte_dma_access_pair_group_event_cb_t,
    ) -> Result<i16> {
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
        self.group(group_id)?;
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

impl Device for InterDomain {
    /// The engine's own fast path: the fast-path table reaches it directly.
    type Fast = CpuEngine;
    fn fast_path(&self) -> &CpuEngine {
        &self.engine
    }
}

/// Creates an inter-domain device called `name` (the vdev bus's probe).
pub fn probe(name: &str, args: &str) -> Result<()> {
    let args = super::devargs::parse(DRIVER_NAME, args);
    let cname = CString::new(name).map_err(|_| Error::InvalidArgument)?;
    let handlers = Arc::new(Handlers::default());
    // Every vchan goes through `domain::remote`, whose state belongs to the worker:
    // no copy-break (its window list may change under a caller's thread).
    let dev = InterDomain {
        engine: super::engine_for_vdev(CAPABILITIES, "dma-idom", args.lcore, 0),
        handlers: Arc::clone(&handlers),
        groups: Mutex::new(Vec::new()),
    };
    let dev_id = driver::register(&cname, -1, dev).inspect_err(|_| {
        dma_log!(ERR, "Unable to allocate dmadev: {}", name);
    })?;
    handlers.set_dev_id(dev_id);
    dma_log!(INFO, "Create {} dmadev (id {})", name, dev_id);
    Ok(())
}

/// Removes the inter-domain device called `name` (the vdev bus's remove).
pub fn remove(name: &str) -> Result<()> {
    super::release_vdev(name)
}
