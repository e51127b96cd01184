//! The CPU copy engine behind the software devices: descriptor rings per vchan and
//! one worker thread per started device.
use super::doorbell::Doorbell;
use super::ring::{Access, Desc, MAX_SGES, OpKind, Ring};
use super::worker::{self, WorkSource};
use crate::abi::*;
use crate::config::{ConfigFlags, DeviceConfig, VchanConfig};
use crate::driver::{Capabilities, Driver, FastPath};
use crate::{Error, Result, dma_log};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU16, Ordering::*};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Vchans an engine can hold (a device reports how many it offers).
pub const MAX_VCHANS: usize = 16;

/// State shared by the application's threads and the worker.
struct Shared {
    /// Replaced only while the device is stopped (no worker, no fast-path calls, by
    /// DPDK's rules); read by both otherwise.
    rings: UnsafeCell<Vec<Option<Ring>>>,
    nb_vchans: AtomicU16,
    doorbell: Doorbell,
    exit: AtomicBool,
}

// SAFETY: `rings` is only mutated while the device is stopped (see above); everything
// else is atomic or internally synchronised (`Ring`).
unsafe impl Sync for Shared {}

impl WorkSource for Shared {
    fn rings(&self) -> &[Option<Ring>] {
        // SAFETY: the worker runs only while started, when `rings` is not mutated.
        unsafe { &*self.rings.get() }
    }
    fn doorbell(&self) -> &Doorbell {
        &self.doorbell
    }
    fn exit_flag(&self) -> &AtomicBool {
        &self.exit
    }
}

/// Settings a device gives its engine.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub caps: Capabilities,
    /// Worker thread name (at most 15 bytes are kept by Linux).
    pub thread_name: String,
    /// CPU to pin the worker to, if any.
    pub cpu: Option<usize>,
}

pub struct CpuEngine {
    shared: Arc<Shared>,
    /// Per vchan, the ring the fast path uses (null: not configured or not set up).
    fast: [AtomicPtr<Ring>; MAX_VCHANS],
    /// Configured with `RTE_DMA_CFG_FLAG_ENQ_DEQ`: operations come as `rte_dma_op`s.
    ops_mode: AtomicBool,
    config: EngineConfig,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl CpuEngine {
    pub fn new(config: EngineConfig) -> CpuEngine {
        CpuEngine {
            fast: core::array::from_fn(|_| AtomicPtr::new(core::ptr::null_mut())),
            ops_mode: AtomicBool::new(false),
            shared: Arc::new(Shared {
                rings: UnsafeCell::new((0..MAX_VCHANS).map(|_| None).collect()),
                nb_vchans: AtomicU16::new(0),
                doorbell: Doorbell::default(),
                exit: AtomicBool::new(false),
            }),
            config,
            worker: Mutex::new(None),
        }
    }

    fn rings(&self) -> &[Option<Ring>] {
        self.shared.rings()
    }

    /// The ring of a configured, set-up vchan: one load from `fast`.
    #[inline(always)]
    fn ring(&self, vchan: u16) -> Result<&Ring> {
        let p = self
            .fast
            .get(vchan as usize)
            .map_or(core::ptr::null_mut(), |f| f.load(Relaxed));
        // SAFETY: a non-null entry points into `rings`, which keeps the ring in place
        // until the control path (device stopped) replaces it and refreshes `fast`.
        unsafe { p.as_ref() }.ok_or(Error::InvalidArgument)
    }

    /// Recomputes `fast` from the configured vchan count and the rings (control path).
    fn refresh_fast(&self) {
        let n = self.shared.nb_vchans.load(Relaxed) as usize;
        for (v, f) in self.fast.iter().enumerate() {
            let ring = if v < n {
                self.rings()[v].as_ref()
            } else {
                None
            };
            f.store(
                ring.map_or(core::ptr::null_mut(), |r| r as *const Ring as *mut Ring),
                Relaxed,
            );
        }
    }

    /// Gives `vchan` a new ring of `nb_desc` descriptors whose operations move data
    /// as `access` says (control path, device stopped).
    pub fn setup_vchan(&self, vchan: u16, nb_desc: u16, access: Access) -> Result<()> {
        if !nb_desc.is_power_of_two() {
            dma_log!(ERR, "Number of desc must be power of 2!");
            return Err(Error::InvalidArgument);
        }
        let ring = Ring::with_access(nb_desc, access)?;
        if let Some(f) = self.fast.get(vchan as usize) {
            f.store(core::ptr::null_mut(), Relaxed);
        }
        crate::registry::wait_for_fast_path();
        self.rings_mut()[vchan as usize] = Some(ring);
        self.refresh_fast();
        Ok(())
    }

    /// Mutable access to the rings, for the control path while stopped.
    #[allow(clippy::mut_from_ref)] // exclusive by DPDK's rules, not by the borrow
    fn rings_mut(&self) -> &mut Vec<Option<Ring>> {
        // SAFETY: called only from configure/vchan_setup/close, which the library runs
        // on a stopped device (no worker, no fast path).
        unsafe { &mut *self.shared.rings.get() }
    }

    /// Forgets every vchan's ring pointer and waits until no fast-path caller that
    /// read one is still inside (control path, before rings are dropped).
    fn unhook_fast_path(&self) {
        self.shared.nb_vchans.store(0, Relaxed);
        self.refresh_fast();
        crate::registry::wait_for_fast_path();
    }

    fn configured(&self) -> impl Iterator<Item = &Ring> {
        let n = self.shared.nb_vchans.load(Relaxed) as usize;
        self.rings()[..n].iter().flatten()
    }

    /// Writes one descriptor of the copy/fill API (refused in ops mode, where the
    /// ring must hold only `rte_dma_op`s).
    #[inline]
    fn push_desc(
        &self,
        vchan: u16,
        desc: Desc,
        sg: Option<(&[rte_dma_sge], &[rte_dma_sge])>,
        flags: u64,
    ) -> Result<u16> {
        let ring = self.ring(vchan)?;
        if self.ops_mode.load(Relaxed) {
            return Err(Error::InvalidArgument);
        }
        let submit = flags & RTE_DMA_OP_FLAG_SUBMIT != 0;
        let idx = ring.push(desc, sg, submit)?;
        if submit {
            self.shared.doorbell.ring();
        }
        Ok(idx)
    }

    fn join_worker(&self) {
        let handle = self.worker.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            self.shared.exit.store(true, Release);
            self.shared.doorbell.wake();
            let _ = h.join();
        }
    }
}

/// Where the worker runs: its lcore's CPU if the device was given one, else the
/// EAL's helper-thread CPUs (every CPU but the main lcore's), else wherever its
/// creator may run.
fn place_worker(name: &str, cpu: Option<usize>) {
    let cpus = match cpu {
        Some(c) => vec![c],
        None => match crate::eal::helper_thread_cpus() {
            Some(cpus) => cpus,
            None => return,
        },
    };
    if crate::eal::lcore::set_current_affinity(&cpus).is_err() {
        dma_log!(
            WARNING,
            "Set thread affinity of {} to CPUs {:?} failed",
            name,
            cpus
        );
    }
}

impl Drop for CpuEngine {
    fn drop(&mut self) {
        self.join_worker();
    }
}

impl Driver for CpuEngine {
    fn capabilities(&self) -> Capabilities {
        self.config.caps
    }

    /// Discards every vchan: each must be set up again before start, so nothing
    /// enqueued or executed under the old configuration survives it (neither in a
    /// vchan the new one drops nor as a stale descriptor in ops mode).
    fn configure(&self, conf: &DeviceConfig) -> Result<()> {
        self.unhook_fast_path();
        self.rings_mut().iter_mut().for_each(|r| *r = None);
        self.shared.nb_vchans.store(conf.nb_vchans, Relaxed);
        self.ops_mode
            .store(conf.flags.contains(ConfigFlags::ENQ_DEQ), Relaxed);
        self.refresh_fast();
        Ok(())
    }

    fn vchan_setup(&self, vchan: u16, conf: &VchanConfig) -> Result<()> {
        self.setup_vchan(vchan, conf.nb_desc, Access::Local)
    }

    fn start(&self) -> Result<()> {
        let n = self.shared.nb_vchans.load(Relaxed) as usize;
        if self.rings()[..n].iter().any(Option::is_none) {
            dma_log!(ERR, "Vchan was not setup, start fail!");
            return Err(Error::InvalidArgument);
        }
        for ring in self.configured() {
            ring.reset();
        }
        self.shared.exit.store(false, Release);
        let shared = Arc::clone(&self.shared);
        let cpu = self.config.cpu;
        let name = self.config.thread_name.clone();
        let handle = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                place_worker(&name, cpu);
                worker::run(&*shared);
            })
            .map_err(|_| {
                dma_log!(ERR, "Start worker thread fail!");
                Error::InvalidArgument
            })?;
        *self.worker.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        Ok(())
    }

    fn stop(&self) -> Result<()> {
        self.join_worker();
        Ok(())
    }

    fn close(&self) -> Result<()> {
        self.join_worker();
        self.unhook_fast_path();
        self.rings_mut().iter_mut().for_each(|r| *r = None);
        Ok(())
    }

    fn stats(&self, vchan: u16) -> Result<rte_dma_stats> {
        if vchan != RTE_DMA_ALL_VCHAN {
            return Ok(self.ring(vchan).map(Ring::stats).unwrap_or_default());
        }
        Ok(self
            .configured()
            .map(Ring::stats)
            .fold(rte_dma_stats::default(), |a, s| rte_dma_stats {
                submitted: a.submitted + s.submitted,
                completed: a.completed + s.completed,
                errors: a.errors + s.errors,
            }))
    }

    fn stats_reset(&self, vchan: u16) -> Result<()> {
        if vchan == RTE_DMA_ALL_VCHAN {
            self.configured().for_each(Ring::stats_reset);
        } else if let Ok(ring) = self.ring(vchan) {
            ring.stats_reset();
        }
        Ok(())
    }

    fn vchan_status(&self, vchan: u16) -> Result<rte_dma_vchan_status> {
        let busy = self.ring(vchan).is_ok_and(Ring::busy);
        Ok(if busy {
            rte_dma_vchan_status::RTE_DMA_VCHAN_ACTIVE
        } else {
            rte_dma_vchan_status::RTE_DMA_VCHAN_IDLE
        })
    }

    fn dump(&self, out: &mut String) {
        use core::fmt::Write;
        let cpu = self.config.cpu.map_or(-1, |c| c as i64);
        let _ = writeln!(out, "    worker_cpu: {cpu}");
        let n = self.shared.nb_vchans.load(Relaxed) as usize;
        for (v, ring) in self.rings()[..n].iter().enumerate() {
            let Some(ring) = ring else {
                let _ = writeln!(out, "    vchan {v}: not set up");
                continue;
            };
            let (tail, published, done, reaped) = ring.positions();
            let s = ring.stats();
            let _ = writeln!(
                out,
                "    vchan {v}: nb_desc {}, free {}",
                ring.nb_desc(),
                ring.capacity()
            );
            let _ = writeln!(out, "      next_ring_idx: {}", tail as u16);
            let _ = writeln!(
                out,
                "      last_ring_idx: {}",
                reaped.wrapping_sub(1) as u16
            );
            let _ = writeln!(
                out,
                "      enqueued: {tail} submitted: {published} executed: {done} reaped: {reaped}"
            );
            let _ = writeln!(
                out,
                "      stats submitted: {} completed: {} errors: {}",
                s.submitted, s.completed, s.errors
            );
        }
    }
}

fn desc(kind: OpKind, src: u64, dst: u64, len: u32, flags: u64) -> Desc {
    Desc {
        src,
        dst,
        len,
        kind,
        nb_src: 0,
        nb_dst: 0,
        flags: flags as u8,
    }
}

impl FastPath for CpuEngine {
    #[inline]
    unsafe fn copy(
        &self,
        vchan: u16,
        src: rte_iova_t,
        dst: rte_iova_t,
        length: u32,
        flags: u64,
    ) -> Result<u16> {
        if length == 0 {
            return Err(Error::InvalidArgument);
        }
        self.push_desc(
            vchan,
            desc(OpKind::Copy, src, dst, length, flags),
            None,
            flags,
        )
    }

    #[inline]
    unsafe fn copy_sg(
        &self,
        vchan: u16,
        src: &[rte_dma_sge],
        dst: &[rte_dma_sge],
        flags: u64,
    ) -> Result<u16> {
        let limit = (self.config.caps.max_sges as usize).min(MAX_SGES);
        if src.is_empty() || dst.is_empty() || src.len() > limit || dst.len() > limit {
            return Err(Error::InvalidArgument);
        }
        let mut d = desc(OpKind::CopySg, 0, 0, 0, flags);
        d.len = src.iter().map(|s| s.length).fold(0u32, u32::saturating_add);
        d.nb_src = src.len() as u8;
        d.nb_dst = dst.len() as u8;
        self.push_desc(vchan, d, Some((src, dst)), flags)
    }

    #[inline]
    unsafe fn fill(
        &self,
        vchan: u16,
        pattern: u64,
        dst: rte_iova_t,
        length: u32,
        flags: u64,
    ) -> Result<u16> {
        if length == 0 {
            return Err(Error::InvalidArgument);
        }
        self.push_desc(
            vchan,
            desc(OpKind::Fill, pattern, dst, length, flags),
            None,
            flags,
        )
    }

    #[inline]
    fn submit(&self, vchan: u16) -> Result<()> {
        if self.ring(vchan)?.publish() {
            self.shared.doorbell.ring();
        }
        Ok(())
    }

    #[inline]
    fn completed(&self, vchan: u16, nb_cpls: u16, last_idx: &mut u16, has_error: &mut bool) -> u16 {
        let Ok(ring) = self.ring(vchan) else { return 0 };
        let (n, last, failed) = ring.reap_ok(nb_cpls);
        ring.note_poll(n);
        *last_idx = last;
        *has_error = failed;
        n
    }

    #[inline]
    fn completed_status(
        &self,
        vchan: u16,
        last_idx: &mut u16,
        status: &mut [rte_dma_status_code],
    ) -> u16 {
        let Ok(ring) = self.ring(vchan) else { return 0 };
        let (n, last) = ring.reap_status(status);
        ring.note_poll(n);
        *last_idx = last;
        n
    }

    #[inline]
    fn burst_capacity(&self, vchan: u16) -> u16 {
        self.ring(vchan).map_or(0, Ring::capacity)
    }

    #[inline]
    unsafe fn enqueue(&self, vchan: u16, ops: &[*mut rte_dma_op]) -> u16 {
        let Ok(ring) = self.ring(vchan) else { return 0 };
        if !self.ops_mode.load(Relaxed) {
            return 0;
        }
        let mut n = 0;
        for &op in ops {
            // SAFETY: the caller passes valid ops (NULL ones are refused).
            let Some(o) = (unsafe { op.as_ref() }) else {
                break;
            };
            if o.nb_src == 0 || o.nb_dst == 0 {
                break;
            }
            let d = Desc {
                src: op as u64,
                dst: 0,
                len: 0,
                kind: OpKind::Op,
                nb_src: 0,
                nb_dst: 0,
                flags: o.flags as u8,
            };
            if ring.push(d, None, false).is_err() {
                break;
            }
            n += 1;
        }
        // Enqueued operations are submitted at once: the mode has no submit call.
        if n > 0 && ring.publish() {
            self.shared.doorbell.ring();
        }
        n
    }

    #[inline]
    fn dequeue(&self, vchan: u16, ops: &mut [*mut rte_dma_op]) -> u16 {
        let Ok(ring) = self.ring(vchan) else { return 0 };
        if !self.ops_mode.load(Relaxed) {
            return 0;
        }
        // SAFETY: in ops mode every descriptor is an `Op` holding a live operation.
        unsafe { ring.reap_ops(ops) }
    }
}
