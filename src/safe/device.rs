//! A claimed device: its control path, information and statistics, and the vchans
//! taken from it.
use super::group::Member;
use super::pool::PoolInner;
use super::{Eal, Vchan};
use crate::abi::*;
use crate::config::{ConfigFlags, DeviceConfig, Direction, Domain, Port, VchanConfig};
use crate::{Error, Result, api, registry};
use core::marker::PhantomData;
use core::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

bitflags::bitflags! {
    /// What a device can do (`RTE_DMA_CAPA_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Capabilities: u64 {
        /// Memory to memory transfers.
        const MEM_TO_MEM = RTE_DMA_CAPA_MEM_TO_MEM;
        /// Memory to device transfers.
        const MEM_TO_DEV = RTE_DMA_CAPA_MEM_TO_DEV;
        /// Device to memory transfers.
        const DEV_TO_MEM = RTE_DMA_CAPA_DEV_TO_MEM;
        /// Device to device transfers.
        const DEV_TO_DEV = RTE_DMA_CAPA_DEV_TO_DEV;
        /// Shared virtual addressing.
        const SVA = RTE_DMA_CAPA_SVA;
        /// Silent mode (no completions).
        const SILENT = RTE_DMA_CAPA_SILENT;
        /// Bad operations complete with an error status.
        const HANDLES_ERRORS = RTE_DMA_CAPA_HANDLES_ERRORS;
        /// Memory-to-device buffers freed to a mempool.
        const M2D_AUTO_FREE = RTE_DMA_CAPA_M2D_AUTO_FREE;
        /// Strict priority between devices.
        const PRI_POLICY_SP = RTE_DMA_CAPA_PRI_POLICY_SP;
        /// Transfers between processes (access pair groups).
        const INTER_PROCESS_DOMAIN = RTE_DMA_CAPA_INTER_PROCESS_DOMAIN;
        /// Transfers between OS domains.
        const INTER_OS_DOMAIN = RTE_DMA_CAPA_INTER_OS_DOMAIN;
        /// Copies.
        const OPS_COPY = RTE_DMA_CAPA_OPS_COPY;
        /// Scatter-gather copies.
        const OPS_COPY_SG = RTE_DMA_CAPA_OPS_COPY_SG;
        /// Fills.
        const OPS_FILL = RTE_DMA_CAPA_OPS_FILL;
        /// `rte_dma_op` lists.
        const OPS_ENQ_DEQ = RTE_DMA_CAPA_OPS_ENQ_DEQ;
        // A driver may report bits this list does not name.
        const _ = !0;
    }
}

/// `rte_dma_info`, as Rust values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The device's unique name.
    pub name: String,
    /// What it can do.
    pub capabilities: Capabilities,
    /// Most vchans it offers.
    pub max_vchans: u16,
    /// Most descriptors per vchan.
    pub max_desc: u16,
    /// Fewest descriptors per vchan.
    pub min_desc: u16,
    /// Most segments per side of a scatter-gather copy.
    pub max_sges: u16,
    /// Its NUMA node, -1 if unknown.
    pub numa_node: i16,
    /// Vchans configured now.
    pub nb_vchans: u16,
    /// Priority levels (with `PRI_POLICY_SP`).
    pub nb_priorities: u16,
}

/// A vchan's counters (`rte_dma_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Operations submitted to the device.
    pub submitted: u64,
    /// Operations completed, successfully or not.
    pub completed: u64,
    /// Operations that failed.
    pub errors: u64,
}

/// `rte_dma_vchan_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VchanState {
    /// Nothing to do.
    Idle,
    /// Working on submitted operations.
    Active,
    /// Stopped by an error.
    HaltedError,
}

/// Which memory a vchan's two sides are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Sides {
    /// The source side is a peer's memory (takes [`PeerMem`](super::PeerMem)).
    pub src_peer: bool,
    /// The destination side is a peer's memory.
    pub dst_peer: bool,
    /// Its direction: other than memory-to-memory, one side is device memory
    /// behind a port (addressed by [`DevAddr`](super::DevAddr)).
    pub direction: Direction,
}

impl Sides {
    /// Whether a side is device memory.
    pub fn has_device(&self) -> bool {
        self.direction != Direction::MemToMem
    }
}

/// How to set up a vchan: its ring size and where its two sides are. The safe API
/// sets up memory-to-memory vchans, in this process or between members of an
/// access pair group; `'g` is the group the members belong to.
#[derive(Clone, Copy, Debug)]
pub struct VchanSetup<'g> {
    pub(super) nb_desc: u16,
    pub(super) domain: Domain,
    pub(super) sides: Sides,
    /// The device the members' handlers belong to (`None`: local).
    pub(super) dev_id: Option<i16>,
    pub(super) src_port: Port,
    pub(super) dst_port: Port,
    /// The pool a memory-to-device vchan frees auto-free sources to.
    pub(super) auto_free: Option<&'g Arc<PoolInner>>,
    pub(super) _group: PhantomData<&'g ()>,
}

impl VchanSetup<'static> {
    /// A memory-to-memory vchan of this process with `nb_desc` descriptors.
    pub fn mem_to_mem(nb_desc: u16) -> VchanSetup<'static> {
        Self::local(nb_desc, Direction::MemToMem, Port::None, Port::None)
    }

    /// A vchan of this process in `direction`, through these ports.
    pub(super) fn local(nb_desc: u16, direction: Direction, src: Port, dst: Port) -> Self {
        VchanSetup {
            nb_desc,
            domain: Domain::Local,
            sides: Sides {
                src_peer: false,
                dst_peer: false,
                direction,
            },
            dev_id: None,
            src_port: src,
            dst_port: dst,
            auto_free: None,
            _group: PhantomData,
        }
    }
}

impl<'g> VchanSetup<'g> {
    /// A vchan that reads `src`'s memory and writes `dst`'s (each a member of a live
    /// group of the device, ourselves or a peer): an inter-process vchan, or an
    /// inter-OS one between members of an OS-domain group
    /// ([`Group::is_os_domain`](super::Group::is_os_domain)).
    pub fn between(src: &Member<'g>, dst: &Member<'g>, nb_desc: u16) -> VchanSetup<'g> {
        VchanSetup {
            nb_desc,
            domain: super::group::domain_between(src, dst),
            sides: Sides {
                src_peer: !src.is_self(),
                dst_peer: !dst.is_self(),
                direction: Direction::MemToMem,
            },
            // Members of different devices: refused by `vchan_setup`.
            dev_id: (src.dev_id() == dst.dev_id())
                .then_some(src.dev_id())
                .or(Some(-1)),
            src_port: Port::None,
            dst_port: Port::None,
            auto_free: None,
            _group: PhantomData,
        }
    }
}

/// One DMA device, claimed from the [`Eal`] (only one `Device` per device exists).
/// Control calls take `&mut self`, so none can run while a [`Vchan`] of it is in
/// use. Dropping it stops the device; a later claim configures it again.
pub struct Device<'e> {
    eal: &'e Eal,
    id: i16,
    /// What each configured vchan was set up as (by this handle): its sides and
    /// ring size.
    setups: Vec<Option<(Sides, u16)>>,
    /// Vchans a live [`Vchan`] holds.
    taken: Vec<AtomicBool>,
    /// The last `configure` (its flags: which kind of vchan it hands out).
    conf: DeviceConfig,
    /// Per vchan, the pool its device side frees auto-free sources to, kept alive
    /// while the device may use it.
    pools: Vec<Option<Arc<PoolInner>>>,
}

impl<'e> Device<'e> {
    pub(super) fn claimed(eal: &'e Eal, id: i16) -> Device<'e> {
        Device {
            eal,
            id,
            setups: Vec::new(),
            taken: Vec::new(),
            conf: DeviceConfig::default(),
            pools: Vec::new(),
        }
    }

    /// Its id (`dev_id` in the C API).
    pub fn id(&self) -> i16 {
        self.id
    }

    /// `rte_dma_info_get`.
    pub fn info(&self) -> Result<DeviceInfo> {
        let i = api::info_get(self.id)?;
        Ok(DeviceInfo {
            name: registry::device(self.id)
                .map(|d| d.name())
                .unwrap_or_default(),
            capabilities: Capabilities::from_bits_retain(i.dev_capa),
            max_vchans: i.max_vchans,
            max_desc: i.max_desc,
            min_desc: i.min_desc,
            max_sges: i.max_sges,
            numa_node: i.numa_node,
            nb_vchans: i.nb_vchans,
            nb_priorities: i.nb_priorities,
        })
    }

    /// `rte_dma_configure`. The flags choose which vchans the device hands out:
    /// none, [`Vchan`]s; `SILENT`, [`SilentVchan`](super::SilentVchan)s; `ENQ_DEQ`,
    /// [`OpVchan`](super::OpVchan)s. Both at once (operation lists nobody
    /// dequeues, which DPDK allows) are `NotSupported` here: no safe type could
    /// ever hand their buffers back.
    pub fn configure(&mut self, conf: &DeviceConfig) -> Result<()> {
        if conf
            .flags
            .contains(ConfigFlags::SILENT | ConfigFlags::ENQ_DEQ)
        {
            return Err(Error::NotSupported);
        }
        self.conf = DeviceConfig::default();
        api::configure(self.id, &conf.to_c())?;
        self.conf = *conf;
        self.setups = vec![None; conf.nb_vchans as usize];
        // The device dropped its vchans, and with them any use of these pools.
        self.pools = vec![None; conf.nb_vchans as usize];
        self.taken = (0..conf.nb_vchans)
            .map(|_| AtomicBool::new(false))
            .collect();
        Ok(())
    }

    /// `rte_dma_vchan_setup`.
    pub fn vchan_setup(&mut self, vchan: u16, setup: &VchanSetup<'_>) -> Result<()> {
        if setup.dev_id.is_some_and(|d| d != self.id) {
            return Err(Error::InvalidArgument);
        }
        let conf = VchanConfig {
            direction: setup.sides.direction,
            nb_desc: setup.nb_desc,
            src_port: setup.src_port,
            dst_port: setup.dst_port,
            auto_free_pool: setup.auto_free.map(|p| p.as_ptr()),
            domain: setup.domain,
        };
        // The record goes first: a failed setup leaves the vchan unusable.
        let record = self
            .setups
            .get_mut(vchan as usize)
            .ok_or(Error::InvalidArgument)?;
        *record = None;
        api::vchan_setup(self.id, vchan, &conf.to_c())?;
        *record = Some((setup.sides, setup.nb_desc));
        // The old pool is no longer the device's (its vchan was replaced).
        self.pools[vchan as usize] = setup.auto_free.cloned();
        Ok(())
    }

    /// `rte_dma_start`.
    pub fn start(&mut self) -> Result<()> {
        api::start(self.id)
    }

    /// `rte_dma_stop`.
    pub fn stop(&mut self) -> Result<()> {
        api::stop(self.id)
    }

    /// Whether the device is started.
    pub fn is_started(&self) -> bool {
        registry::device(self.id).is_some_and(|d| d.is_started())
    }

    /// Takes vchan `vchan` of the started device for this thread (or the one it is
    /// sent to). `InvalidArgument` if the device is stopped or the vchan was not set
    /// up through this handle, `Busy` if a [`Vchan`] of it exists.
    /// `InvalidArgument` too if the device was configured for silent mode or
    /// operation lists (those have their own vchan types).
    /// A vchan with a device side is a [`DevVchan`](super::DevVchan).
    pub fn vchan(&self, vchan: u16) -> Result<Vchan<'_>> {
        self.take_vchan(vchan, ConfigFlags::empty(), false)
    }

    /// Takes vchan `vchan` as [`Device::vchan`] does, if the device was configured
    /// with exactly the mode flags `mode` and the vchan has a device side exactly
    /// if `device` says so.
    pub(super) fn take_vchan(
        &self,
        vchan: u16,
        mode: ConfigFlags,
        device: bool,
    ) -> Result<Vchan<'_>> {
        let (sides, nb_desc) = self.setup_of(vchan).ok_or(Error::InvalidArgument)?;
        if self.conf.flags != mode || sides.has_device() != device {
            return Err(Error::InvalidArgument);
        }
        if !self.is_started() {
            return Err(Error::InvalidArgument);
        }
        let info = api::info_get(self.id)?;
        let dev = registry::device(self.id).ok_or(Error::InvalidArgument)?;
        let taken = &self.taken[vchan as usize];
        if taken.swap(true, Ordering::AcqRel) {
            return Err(Error::Busy);
        }
        Ok(Vchan::new(
            self,
            dev.fp_entry(),
            vchan,
            sides,
            nb_desc,
            info.max_sges,
        ))
    }

    /// How vchan `vchan` was set up through this handle (its sides and ring
    /// size), if it was.
    pub(super) fn setup_of(&self, vchan: u16) -> Option<(Sides, u16)> {
        self.setups.get(vchan as usize).copied().flatten()
    }

    /// The pool vchan `vchan`'s device side frees auto-free sources to, if any.
    pub(super) fn auto_free_pool(&self, vchan: u16) -> Option<NonNull<rte_mempool>> {
        let pool = self.pools.get(vchan as usize)?.as_ref()?;
        Some(pool.as_ptr())
    }

    pub(super) fn release_vchan(&self, vchan: u16) {
        if let Some(t) = self.taken.get(vchan as usize) {
            t.store(false, Ordering::Release);
        }
    }

    /// `rte_dma_stats_get` of one vchan, or of all with `None`.
    pub fn stats(&self, vchan: Option<u16>) -> Result<Stats> {
        let s = api::stats_get(self.id, vchan.unwrap_or(RTE_DMA_ALL_VCHAN))?;
        Ok(Stats {
            submitted: s.submitted,
            completed: s.completed,
            errors: s.errors,
        })
    }

    /// `rte_dma_stats_reset` of one vchan, or of all with `None`.
    pub fn stats_reset(&self, vchan: Option<u16>) -> Result<()> {
        api::stats_reset(self.id, vchan.unwrap_or(RTE_DMA_ALL_VCHAN))
    }

    /// `rte_dma_vchan_status`.
    pub fn vchan_state(&self, vchan: u16) -> Result<VchanState> {
        use rte_dma_vchan_status::*;
        Ok(match api::vchan_status(self.id, vchan)? {
            RTE_DMA_VCHAN_IDLE => VchanState::Idle,
            RTE_DMA_VCHAN_ACTIVE => VchanState::Active,
            RTE_DMA_VCHAN_HALTED_ERROR => VchanState::HaltedError,
        })
    }

    /// `rte_dma_dump`, as text.
    pub fn dump(&self) -> Result<String> {
        let mut buf: *mut libc::c_char = core::ptr::null_mut();
        let mut size: libc::size_t = 0;
        // SAFETY: both out-pointers are valid; the stream is closed below.
        let f = unsafe { libc::open_memstream(&mut buf, &mut size) };
        // SAFETY: `f` is an open stream or NULL (then `None`).
        let stream = unsafe { CStream::new(f) }.ok_or(Error::NoMemory)?;
        let rc = api::dump(self.id, Some(stream));
        // SAFETY: the stream we opened; closing it sets `buf`/`size` to the text.
        unsafe { libc::fclose(f) };
        let text = if buf.is_null() {
            String::new()
        } else {
            // SAFETY: memstream's buffer holds `size` bytes; we own and free it.
            let bytes = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), size) };
            let text = String::from_utf8_lossy(bytes).into_owned();
            // SAFETY: allocated by open_memstream, freed once.
            unsafe { libc::free(buf.cast()) };
            text
        };
        rc.map(|()| text)
    }

    /// The [`Eal`] the device belongs to.
    pub fn eal(&self) -> &'e Eal {
        self.eal
    }
}

impl Drop for Device<'_> {
    fn drop(&mut self) {
        if self.is_started() {
            let _ = api::stop(self.id);
        }
        // The device keeps its vchans (and their auto-free pools) after we go:
        // configuring it again drops them, so the pools can go too.
        if self.pools.iter().any(Option::is_some)
            && api::configure(self.id, &self.conf.to_c()).is_err()
        {
            self.pools.drain(..).for_each(core::mem::forget);
        }
        self.eal.unclaim(self.id);
    }
}
