//! The CPU copy engine behind the software devices: descriptor rings per vchan and
//! one worker thread per started device.
//!
//! Who may touch a ring is in the types: the worker sides (`ring::Consumer`s) sit in
//! `Control::worker` while stopped and are moved into the worker thread (and handed
//! back by `join`) while started, so a vchan's ring can only be replaced while the
//! engine holds them, i.e. while no worker runs; otherwise `setup_vchan` gives
//! `Error::Busy`. The fast path reaches a ring through `fast`, which the control path
//! clears and fences (`registry::wait_for_fast_path`) before it drops a ring.
use super::devmem::DeviceMemory;
use super::ring::{DataPath, Desc, MAX_SGES, OpKind, Producer, Ring};
use super::worker::{self, Signals, Vchans};
use crate::abi::*;
use crate::config::{ConfigFlags, DeviceConfig, Direction, VchanConfig};
use crate::driver::{Capabilities, Device, Driver, FastPath};
use crate::{Error, Result, dma_log};
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering::*};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

pub use super::worker::MAX_VCHANS;

/// Settings a device gives its engine.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub caps: Capabilities,
    /// Worker thread name (at most 15 bytes are kept by Linux).
    pub thread_name: String,
    /// CPU to pin the worker to, if any.
    pub cpu: Option<usize>,
    /// Operations to fail on purpose (the worker decides; see `super::fault`).
    pub fault: Option<super::fault::FaultPlan>,
    /// Local operations of at most this many bytes run in the caller's thread when
    /// nothing earlier is left to the worker (`ring`'s copy-break); 0: never.
    pub copybreak: u32,
}

/// Where the worker sides of the rings are.
enum Worker {
    /// Here: no worker runs.
    Stopped(Box<Vchans>),
    /// In the worker thread, which returns them when it ends.
    Running(JoinHandle<Box<Vchans>>),
}

/// The control path's state (one control call at a time: it is behind a mutex).
struct Control {
    /// Vchans configured.
    nb_vchans: usize,
    /// Each vchan's ring (for stats and dump; `fast` points into these).
    rings: [Option<Arc<Ring>>; MAX_VCHANS],
    worker: Worker,
}

pub struct CpuEngine {
    /// Per vchan, the ring the fast path uses (null: not configured or not set up).
    /// A non-null entry points into an `Arc<Ring>` of `Control::rings`, which is
    /// dropped only after the entry was cleared and `wait_for_fast_path` returned.
    fast: [AtomicPtr<Ring>; MAX_VCHANS],
    /// Configured with `RTE_DMA_CFG_FLAG_ENQ_DEQ`: operations come as `rte_dma_op`s.
    ops_mode: AtomicBool,
    /// Configured with `RTE_DMA_CFG_FLAG_SILENT`: its rings forget completions.
    silent: AtomicBool,
    signals: Arc<Signals>,
    config: EngineConfig,
    control: Mutex<Control>,
}

fn no_vchans() -> Box<Vchans> {
    Box::new(core::array::from_fn(|_| None))
}

impl CpuEngine {
    pub fn new(config: EngineConfig) -> CpuEngine {
        CpuEngine {
            fast: core::array::from_fn(|_| AtomicPtr::new(core::ptr::null_mut())),
            ops_mode: AtomicBool::new(false),
            silent: AtomicBool::new(false),
            signals: Arc::new(Signals::default()),
            config,
            control: Mutex::new(Control {
                nb_vchans: 0,
                rings: core::array::from_fn(|_| None),
                worker: Worker::Stopped(no_vchans()),
            }),
        }
    }

    fn control(&self) -> MutexGuard<'_, Control> {
        self.control.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The application side of a configured, set-up vchan: one load from `fast`.
    ///
    /// # Safety
    /// No other thread uses the vchan's application side meanwhile (`FastPath`'s
    /// contract).
    #[inline(always)]
    unsafe fn producer(&self, vchan: u16) -> Result<Producer<'_>> {
        let p = self
            .fast
            .get(vchan as usize)
            .map_or(core::ptr::null_mut(), |f| f.load(Relaxed));
        // SAFETY: a non-null entry points into a live `Arc<Ring>` (see `fast`); the
        // caller is the vchan's only application thread (forwarded contract).
        unsafe { p.as_ref().map(|r| r.producer()) }.ok_or(Error::InvalidArgument)
    }

    /// Points `fast` at the rings of the configured vchans.
    fn hook_fast_path(&self, c: &Control) {
        for (v, f) in self.fast.iter().enumerate() {
            let ring = c.rings[v].as_ref().filter(|_| v < c.nb_vchans);
            f.store(
                ring.map_or(core::ptr::null_mut(), |r| Arc::as_ptr(r).cast_mut()),
                Relaxed,
            );
        }
    }

    /// Clears `fast` (all of it, or one vchan's entry) and waits until no fast-path
    /// caller that read an entry is still inside, so rings can be dropped.
    fn unhook_fast_path(&self, vchan: Option<usize>) {
        for (v, f) in self.fast.iter().enumerate() {
            if vchan.is_none_or(|only| only == v) {
                f.store(core::ptr::null_mut(), Relaxed);
            }
        }
        crate::registry::wait_for_fast_path();
    }

    /// The worker sides, if no worker runs (else `Error::Busy`).
    fn stopped(c: &mut Control) -> Result<&mut Box<Vchans>> {
        match &mut c.worker {
            Worker::Stopped(v) => Ok(v),
            Worker::Running(_) => {
                dma_log!(ERR, "Device is started, stop it first");
                Err(Error::Busy)
            }
        }
    }

    /// Gives vchan `vchan` a new ring of `nb_desc` descriptors whose operations go
    /// through `datapath` (plain memory of this process when `None`, with the
    /// engine's copy-break). Refused (`Error::Busy`) while the worker runs.
    pub fn setup_vchan(
        &self,
        vchan: u16,
        nb_desc: u16,
        datapath: Option<Box<dyn DataPath>>,
    ) -> Result<()> {
        let v = vchan as usize;
        if v >= MAX_VCHANS {
            return Err(Error::InvalidArgument);
        }
        if !nb_desc.is_power_of_two() {
            dma_log!(ERR, "Number of desc must be power of 2!");
            return Err(Error::InvalidArgument);
        }
        let mut c = self.control();
        Self::stopped(&mut c)?;
        let (ring, consumer) = match datapath {
            Some(datapath) => Ring::with_datapath(nb_desc, Some(datapath), self.config.copybreak)?,
            None => Ring::local(nb_desc, self.config.copybreak)?,
        };
        self.unhook_fast_path(Some(v));
        Self::stopped(&mut c)?[v] = Some(consumer);
        ring.set_silent(self.silent.load(Relaxed));
        c.rings[v] = Some(ring);
        self.hook_fast_path(&c);
        Ok(())
    }

    /// Drops every vchan's ring (after unhooking the fast path from them).
    fn drop_rings(&self, c: &mut Control) -> Result<()> {
        Self::stopped(c)?;
        self.unhook_fast_path(None);
        *Self::stopped(c)? = no_vchans();
        c.rings = core::array::from_fn(|_| None);
        Ok(())
    }

    /// Writes one descriptor of the copy/fill API (refused in ops mode, where the
    /// ring must hold only `rte_dma_op`s).
    ///
    /// # Safety
    /// As `producer`.
    #[inline]
    unsafe fn push_desc(
        &self,
        vchan: u16,
        desc: Desc,
        sg: Option<(&[rte_dma_sge], &[rte_dma_sge])>,
        flags: u64,
    ) -> Result<u16> {
        // SAFETY: forwarded contract.
        let mut ring = unsafe { self.producer(vchan)? };
        if self.ops_mode.load(Relaxed) {
            return Err(Error::InvalidArgument);
        }
        // SAFETY: the operation's memory is valid (the caller's contract).
        let idx = unsafe { ring.push_or_run(desc, sg)? };
        if flags & RTE_DMA_OP_FLAG_SUBMIT != 0 && ring.publish() {
            self.signals.doorbell.ring();
        }
        Ok(idx)
    }

    /// Stops the worker, if one runs, and takes the worker sides back.
    fn join_worker(&self, c: &mut Control) {
        let Worker::Running(_) = c.worker else { return };
        c.rings.iter().flatten().for_each(|r| r.set_started(false));
        self.signals.exit.store(true, Release);
        self.signals.doorbell.wake();
        let Worker::Running(h) = core::mem::replace(&mut c.worker, Worker::Stopped(no_vchans()))
        else {
            unreachable!()
        };
        match h.join() {
            Ok(vchans) => c.worker = Worker::Stopped(vchans),
            // Its vchans are gone with it: each must be set up again.
            Err(_) => dma_log!(ERR, "Worker thread panicked; set the vchans up again"),
        }
    }

    /// The rings of the configured vchans.
    fn configured(c: &Control) -> impl Iterator<Item = &Arc<Ring>> {
        c.rings[..c.nb_vchans].iter().flatten()
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
        let mut c = self.control();
        self.join_worker(&mut c);
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
        let mut c = self.control();
        self.drop_rings(&mut c)?;
        c.nb_vchans = (conf.nb_vchans as usize).min(MAX_VCHANS);
        self.ops_mode
            .store(conf.flags.contains(ConfigFlags::ENQ_DEQ), Relaxed);
        self.silent
            .store(conf.flags.contains(ConfigFlags::SILENT), Relaxed);
        Ok(())
    }

    /// A mem-to-dev vchan writes into a memory region of the device (see `devmem`).
    fn vchan_setup(&self, vchan: u16, conf: &VchanConfig) -> Result<()> {
        let datapath: Option<Box<dyn DataPath>> = match conf.direction {
            Direction::MemToDev => Some(Box::new(DeviceMemory::new(conf.auto_free_pool)?)),
            // Only mem-to-dev buffers are freed by the device; DPDK's API test expects a
            // pool elsewhere to be refused.
            _ if conf.auto_free_pool.is_some() => {
                dma_log!(
                    ERR,
                    "vchan {vchan}: auto_free.m2d.pool needs a mem-to-dev vchan"
                );
                return Err(Error::InvalidArgument);
            }
            _ => None,
        };
        self.setup_vchan(vchan, conf.nb_desc, datapath)
    }

    fn start(&self) -> Result<()> {
        let mut c = self.control();
        let n = c.nb_vchans;
        let vchans = Self::stopped(&mut c)?;
        if vchans[..n].iter().any(Option::is_none) {
            dma_log!(ERR, "Vchan was not setup, start fail!");
            return Err(Error::InvalidArgument);
        }
        // Only the configured vchans go to the worker.
        let mut work = no_vchans();
        for (w, v) in work.iter_mut().zip(vchans[..n].iter_mut()) {
            if let Some(ring) = v.as_mut() {
                ring.reset();
            }
            *w = v.take();
        }
        self.signals.exit.store(false, Release);
        let signals = Arc::clone(&self.signals);
        let cpu = self.config.cpu;
        let name = self.config.thread_name.clone();
        let faults = self.config.fault;
        // (The closure owns `work`; if the spawn fails it is dropped with it, so the
        // vchans must be set up again, as after a configure.)
        let spawned = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                place_worker(&name, cpu);
                worker::run(work, &signals, faults)
            });
        match spawned {
            Ok(handle) => {
                c.worker = Worker::Running(handle);
                Self::configured(&c).for_each(|r| r.set_started(true));
                Ok(())
            }
            Err(_) => {
                dma_log!(ERR, "Start worker thread fail!");
                Err(Error::InvalidArgument)
            }
        }
    }

    fn stop(&self) -> Result<()> {
        self.join_worker(&mut self.control());
        Ok(())
    }

    fn close(&self) -> Result<()> {
        let mut c = self.control();
        self.join_worker(&mut c);
        self.drop_rings(&mut c)
    }

    fn stats(&self, vchan: u16) -> Result<rte_dma_stats> {
        let c = self.control();
        if vchan != RTE_DMA_ALL_VCHAN {
            return Ok(ring_of(&c, vchan).map(|r| r.stats()).unwrap_or_default());
        }
        Ok(Self::configured(&c)
            .map(|r| r.stats())
            .fold(rte_dma_stats::default(), |a, s| rte_dma_stats {
                submitted: a.submitted + s.submitted,
                completed: a.completed + s.completed,
                errors: a.errors + s.errors,
            }))
    }

    fn stats_reset(&self, vchan: u16) -> Result<()> {
        let c = self.control();
        if vchan == RTE_DMA_ALL_VCHAN {
            Self::configured(&c).for_each(|r| r.stats_reset());
        } else if let Some(ring) = ring_of(&c, vchan) {
            ring.stats_reset();
        }
        Ok(())
    }

    fn vchan_status(&self, vchan: u16) -> Result<rte_dma_vchan_status> {
        let busy = ring_of(&self.control(), vchan).is_some_and(|r| r.busy());
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
        let c = self.control();
        for (v, ring) in c.rings[..c.nb_vchans].iter().enumerate() {
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

/// The ring of a configured vchan, if set up.
fn ring_of(c: &Control, vchan: u16) -> Option<&Arc<Ring>> {
    c.rings[..c.nb_vchans].get(vchan as usize)?.as_ref()
}

fn desc(kind: OpKind, src: u64, dst: u64, len: u32) -> Desc {
    Desc {
        src,
        dst,
        len,
        kind,
        nb_src: 0,
        nb_dst: 0,
        auto_free: false,
    }
}

impl Device for CpuEngine {
    type Fast = Self;
    fn fast_path(&self) -> &Self {
        self
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
        let mut d = desc(OpKind::Copy, src, dst, length);
        d.auto_free = flags & RTE_DMA_OP_FLAG_AUTO_FREE != 0;
        // SAFETY: forwarded contract.
        unsafe { self.push_desc(vchan, d, None, flags) }
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
        let mut d = desc(OpKind::CopySg, 0, 0, 0);
        d.len = src.iter().map(|s| s.length).fold(0u32, u32::saturating_add);
        d.nb_src = src.len() as u8;
        d.nb_dst = dst.len() as u8;
        // SAFETY: forwarded contract.
        unsafe { self.push_desc(vchan, d, Some((src, dst)), flags) }
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
        let d = desc(OpKind::Fill, pattern, dst, length);
        // SAFETY: forwarded contract.
        unsafe { self.push_desc(vchan, d, None, flags) }
    }

    #[inline]
    unsafe fn submit(&self, vchan: u16) -> Result<()> {
        // SAFETY: forwarded contract.
        if unsafe { self.producer(vchan)? }.publish() {
            self.signals.doorbell.ring();
        }
        Ok(())
    }

    #[inline]
    unsafe fn completed(
        &self,
        vchan: u16,
        nb_cpls: u16,
        last_idx: &mut u16,
        has_error: &mut bool,
    ) -> u16 {
        // SAFETY: forwarded contract.
        let Ok(mut ring) = (unsafe { self.producer(vchan) }) else {
            return 0;
        };
        let (n, last, failed) = ring.reap_ok(nb_cpls);
        ring.note_poll(n);
        *last_idx = last;
        *has_error = failed;
        n
    }

    #[inline]
    unsafe fn completed_status(
        &self,
        vchan: u16,
        last_idx: &mut u16,
        status: &mut [MaybeUninit<rte_dma_status_code_raw>],
    ) -> u16 {
        // SAFETY: forwarded contract.
        let Ok(mut ring) = (unsafe { self.producer(vchan) }) else {
            return 0;
        };
        let (n, last) = ring.reap_status(status);
        ring.note_poll(n);
        *last_idx = last;
        n
    }

    #[inline]
    fn burst_capacity(&self, vchan: u16) -> u16 {
        let p = self
            .fast
            .get(vchan as usize)
            .map_or(core::ptr::null_mut(), |f| f.load(Relaxed));
        // SAFETY: a non-null entry points into a live `Arc<Ring>` (see `fast`).
        unsafe { p.as_ref() }.map_or(0, Ring::capacity)
    }

    #[inline]
    unsafe fn enqueue(&self, vchan: u16, ops: &[*mut rte_dma_op]) -> u16 {
        // SAFETY: forwarded contract.
        let Ok(mut ring) = (unsafe { self.producer(vchan) }) else {
            return 0;
        };
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
                auto_free: false,
            };
            if ring.push(d, None, false).is_err() {
                break;
            }
            n += 1;
        }
        // Enqueued operations are submitted at once: the mode has no submit call.
        if n > 0 && ring.publish() {
            self.signals.doorbell.ring();
        }
        n
    }

    #[inline]
    unsafe fn dequeue(&self, vchan: u16, ops: &mut [*mut rte_dma_op]) -> u16 {
        // SAFETY: forwarded contract.
        let Ok(mut ring) = (unsafe { self.producer(vchan) }) else {
            return 0;
        };
        if !self.ops_mode.load(Relaxed) {
            return 0;
        }
        // SAFETY: in ops mode every descriptor is an `Op` holding a live operation.
        unsafe { ring.reap_ops(ops) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> CpuEngine {
        CpuEngine::new(EngineConfig {
            caps: crate::drivers::skeleton::CAPABILITIES,
            thread_name: "test-cpu".into(),
            cpu: None,
            fault: None,
            copybreak: 0,
        })
    }

    fn configure(e: &CpuEngine, nb_vchans: u16) {
        let conf = DeviceConfig {
            nb_vchans,
            ..Default::default()
        };
        e.configure(&conf).unwrap();
    }

    #[test]
    fn a_napping_or_sleeping_worker_takes_submitted_work() {
        let e = engine();
        configure(&e, 1);
        e.setup_vchan(0, 32, None).unwrap();
        e.start().unwrap();
        // Idle 0 (polling), 5 ms (napping: no doorbell) and 60 ms (asleep: rung).
        for (round, idle_ms) in [0u64, 5, 60].into_iter().enumerate() {
            std::thread::sleep(std::time::Duration::from_millis(idle_ms));
            let src = [round as u8 + 1; 256];
            let mut dst = [0u8; 256];
            let t0 = std::time::Instant::now();
            // SAFETY: this thread is the vchan's only user; the buffers outlive the copy.
            unsafe {
                let flags = RTE_DMA_OP_FLAG_SUBMIT;
                let idx = e.copy(0, src.as_ptr() as u64, dst.as_mut_ptr() as u64, 256, flags);
                assert_eq!(idx, Ok(round as u16));
                let (mut last, mut err) = (0, false);
                while e.completed(0, 1, &mut last, &mut err) == 0 {
                    assert!(t0.elapsed().as_secs() < 5, "idle {idle_ms} ms: never ran");
                    std::thread::yield_now();
                }
            }
            assert_eq!(dst, src);
        }
        e.close().unwrap();
    }

    #[test]
    fn rings_cannot_be_replaced_while_the_worker_runs() {
        let e = engine();
        configure(&e, 1);
        e.setup_vchan(0, 32, None).unwrap();
        e.start().unwrap();
        // The worker holds the rings' worker sides: replacing one is refused.
        assert_eq!(e.setup_vchan(0, 64, None), Err(Error::Busy));
        let conf = DeviceConfig {
            nb_vchans: 1,
            ..Default::default()
        };
        assert_eq!(e.configure(&conf), Err(Error::Busy));
        let (src, mut dst) = ([7u8; 100], [0u8; 100]);
        // SAFETY: this thread is the vchan's only user; the buffers outlive the copy.
        unsafe {
            let idx = e.copy(0, src.as_ptr() as u64, dst.as_mut_ptr() as u64, 100, 0);
            assert_eq!(idx, Ok(0));
            e.submit(0).unwrap();
            let (mut last, mut err) = (0, false);
            while e.completed(0, 1, &mut last, &mut err) == 0 {
                std::thread::yield_now();
            }
        }
        assert_eq!(dst, src);
        e.stop().unwrap();
        // Stopped: the worker sides are back and the vchan can be replaced.
        e.setup_vchan(0, 64, None).unwrap();
        e.start().unwrap();
        e.close().unwrap();
        assert_eq!(
            e.setup_vchan(MAX_VCHANS as u16, 32, None),
            Err(Error::InvalidArgument)
        );
    }
}
