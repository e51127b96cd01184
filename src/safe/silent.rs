//! Silent vchans (`RTE_DMA_CFG_FLAG_SILENT`): the device reports no completions
//! and DPDK forbids asking for them, so the only sign that operations are done is
//! the vchan going idle (`rte_dma_vchan_status`). A [`SilentVchan`] therefore has
//! no `completed`: it lends buffers to a scope that ends once the vchan is idle, or
//! keeps owned operations and gives them back all together once it is idle.
use super::vchan::{DRAIN_TIMEOUT, Op, OpFlags, Rejected, Vchan};
use super::{Device, DmaBuf, Region, VchanState};
use crate::config::ConfigFlags;
use crate::{Error, Result, dma_log};
use core::marker::PhantomData;
use std::time::{Duration, Instant};

/// One vchan of a device configured with [`ConfigFlags::SILENT`]: operations are
/// enqueued and submitted, and nothing reports them one by one. A failed
/// operation is only counted in the vchan's [`Stats`](super::Stats)`::errors`.
/// As [`Vchan`], it is `Send`, not `Sync`, and borrows the device.
///
/// Calling `completed` on it does not compile: there is no such method.
///
/// ```
/// use dmadev::safe::*;
/// let eal = Eal::builder().vdev("dma_skeleton,silent=1").init()?;
/// let mut dev = eal.device("dma_skeleton")?;
/// let conf = DeviceConfig { nb_vchans: 1, flags: ConfigFlags::SILENT, ..Default::default() };
/// dev.configure(&conf)?;
/// dev.vchan_setup(0, &VchanSetup::mem_to_mem(64))?;
/// dev.start()?;
/// let mut vchan = dev.silent_vchan(0)?;
/// let mut src = DmaBuf::new(512)?;
/// src.fill(7);
/// let mut dst = DmaBuf::new(512)?;
/// vchan.scope(|s| s.copy(&src, &mut dst, OpFlags::SUBMIT))??;
/// assert!(dst.iter().all(|&b| b == 7)); // the scope waited until the vchan was idle
/// # Ok::<(), dmadev::Error>(())
/// ```
pub struct SilentVchan<'d> {
    /// The vchan's fast path; its own completion calls are never used.
    inner: Vchan<'d>,
    /// Owned operations enqueued since the last [`SilentVchan::drain`].
    held: Vec<Op>,
    unsubmitted: bool,
}

impl<'e> Device<'e> {
    /// Takes vchan `vchan` of a started device configured with
    /// [`ConfigFlags::SILENT`] (errors as [`Device::vchan`]). Only vchans of this
    /// process (both sides local) are offered; `NotSupported` if the device cannot
    /// tell whether the vchan is idle.
    pub fn silent_vchan(&self, vchan: u16) -> Result<SilentVchan<'_>> {
        let inner = self.take_vchan(vchan, ConfigFlags::SILENT, false)?;
        if inner.has_peer_side() {
            return Err(Error::InvalidArgument);
        }
        self.vchan_state(vchan)?;
        let room = self.setup_of(vchan).map_or(0, |(_, n)| n as usize);
        Ok(SilentVchan {
            inner,
            held: Vec::with_capacity(room),
            unsubmitted: false,
        })
    }
}

/// Copy and fill argument checks shared by the owned and borrowed paths: the
/// length an operation on `len` bytes passes to the device.
fn op_len(len: usize) -> Option<u32> {
    (len != 0).then_some(u32::try_from(len).ok()).flatten()
}

impl<'d> SilentVchan<'d> {
    /// Its number on the device.
    pub fn id(&self) -> u16 {
        self.inner.id()
    }

    /// Owned operations not yet given back by [`SilentVchan::drain`].
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// Enqueues a copy of all of `src` into `dst` (at least as long), which the
    /// vchan keeps until [`SilentVchan::drain`]; returns its ring index. The held
    /// list is allocated for the device's ring size, and grows past it.
    pub fn copy(
        &mut self,
        src: DmaBuf,
        dst: DmaBuf,
        flags: OpFlags,
    ) -> core::result::Result<u16, Rejected> {
        let len = op_len(src.len()).filter(|&l| dst.len() >= l as usize);
        let ret = len.map(|l| self.inner.raw_copy(src.iova(), dst.iova(), l, flags));
        let op = Op::Copy {
            src: Region::Local(src),
            dst: Region::Local(dst),
        };
        self.keep(ret, flags, op)
    }

    /// Enqueues a fill of all of `dst` with `pattern`, kept as [`SilentVchan::copy`]
    /// keeps its buffers.
    pub fn fill(
        &mut self,
        pattern: u64,
        dst: DmaBuf,
        flags: OpFlags,
    ) -> core::result::Result<u16, Rejected> {
        let ret = op_len(dst.len()).map(|l| self.inner.raw_fill(pattern, dst.iova(), l, flags));
        let op = Op::Fill {
            dst: Region::Local(dst),
            pattern,
        };
        self.keep(ret, flags, op)
    }

    /// Enqueues a scatter-gather copy of the `src` regions, in order, into the `dst`
    /// ones (this process's buffers; at most the device's `max_sges` each), kept as
    /// [`SilentVchan::copy`] keeps its buffers.
    pub fn copy_sg(
        &mut self,
        src: Vec<Region>,
        dst: Vec<Region>,
        flags: OpFlags,
    ) -> core::result::Result<u16, Rejected> {
        let ret = self.inner.raw_copy_sg(&src, &dst, flags);
        self.keep(ret, flags, Op::CopySg { src, dst })
    }

    /// Holds an enqueued operation (`ret`: the device's answer, `None` if refused
    /// before asking it).
    fn keep(
        &mut self,
        ret: Option<core::ffi::c_int>,
        flags: OpFlags,
        op: Op,
    ) -> core::result::Result<u16, Rejected> {
        match ret {
            Some(r) if r >= 0 => {
                self.held.push(op);
                self.note_enqueued(flags);
                Ok(r as u16)
            }
            Some(r) => Err(Rejected {
                error: Error::from_errno(r),
                op,
            }),
            None => Err(Rejected {
                error: Error::InvalidArgument,
                op,
            }),
        }
    }

    fn note_enqueued(&mut self, flags: OpFlags) {
        self.unsubmitted = !flags.contains(OpFlags::SUBMIT);
    }

    /// Hands every enqueued operation to the device (`rte_dma_submit`).
    pub fn submit(&mut self) -> Result<()> {
        self.inner.submit()?;
        self.unsubmitted = false;
        Ok(())
    }

    /// How many more operations fit in the ring (`rte_dma_burst_capacity`).
    pub fn burst_capacity(&self) -> u16 {
        self.inner.burst_capacity()
    }

    /// Submits what is enqueued and waits until the vchan is idle: every operation
    /// enqueued so far has run. `Errno(ETIMEDOUT)` after `timeout`, `Errno(EIO)` if
    /// the vchan halted on an error.
    pub fn wait_idle(&mut self, timeout: Duration) -> Result<()> {
        if self.unsubmitted {
            self.submit()?;
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.inner.device().vchan_state(self.id())? {
                VchanState::Idle => return Ok(()),
                VchanState::HaltedError => return Err(Error::Errno(libc::EIO)),
                VchanState::Active if Instant::now() > deadline => {
                    return Err(Error::Errno(libc::ETIMEDOUT));
                }
                VchanState::Active => std::thread::yield_now(),
            }
        }
    }

    /// Waits until the vchan is idle ([`SilentVchan::wait_idle`]), then gives back
    /// every owned operation, oldest first. On an error the operations stay held.
    pub fn drain(&mut self, timeout: Duration) -> Result<Vec<Op>> {
        self.wait_idle(timeout)?;
        Ok(core::mem::take(&mut self.held))
    }

    /// Runs `f` with a [`SilentScope`] whose operations borrow their buffers, then
    /// submits and waits until the vchan is idle, so the buffers are the caller's
    /// again. If the vchan does not become idle within 10 s (the device was stopped
    /// under it by a C caller, or halted), the process aborts: returning would let
    /// the buffers be reused while the device may still write them.
    pub fn scope<'env, T>(
        &'env mut self,
        f: impl for<'scope> FnOnce(&mut SilentScope<'scope, 'env, 'd>) -> T,
    ) -> Result<T> {
        let mut scope = SilentScope {
            vchan: self,
            _scope: PhantomData,
        };
        // Dropping `scope` (also while unwinding) waits for its operations.
        Ok(f(&mut scope))
    }
}

impl Drop for SilentVchan<'_> {
    fn drop(&mut self) {
        if self.wait_idle(DRAIN_TIMEOUT).is_err() {
            // The device may still use them: leak, never free under it.
            self.held.drain(..).for_each(core::mem::forget);
        }
    }
}

/// The operations of one [`SilentVchan::scope`]: they borrow their buffers for
/// `'scope`, which lasts until the vchan is idle.
pub struct SilentScope<'scope, 'env: 'scope, 'd> {
    vchan: &'env mut SilentVchan<'d>,
    /// Invariant: buffers borrowed for `'scope` stay borrowed to the very end.
    _scope: PhantomData<&'scope mut &'scope ()>,
}

impl<'scope> SilentScope<'scope, '_, '_> {
    /// Enqueues a copy of all of `src` into `dst` (at least as long); returns its
    /// ring index. Both stay borrowed until the scope ends.
    pub fn copy(
        &mut self,
        src: &'scope DmaBuf,
        dst: &'scope mut DmaBuf,
        flags: OpFlags,
    ) -> Result<u16> {
        let len = op_len(src.len())
            .filter(|&l| dst.len() >= l as usize)
            .ok_or(Error::InvalidArgument)?;
        let ret = self
            .vchan
            .inner
            .raw_copy(src.iova(), dst.iova(), len, flags);
        self.admit(ret, flags)
    }

    /// Enqueues a fill of all of `dst` with `pattern`; returns its ring index.
    pub fn fill(&mut self, pattern: u64, dst: &'scope mut DmaBuf, flags: OpFlags) -> Result<u16> {
        let len = op_len(dst.len()).ok_or(Error::InvalidArgument)?;
        let ret = self.vchan.inner.raw_fill(pattern, dst.iova(), len, flags);
        self.admit(ret, flags)
    }

    fn admit(&mut self, ret: core::ffi::c_int, flags: OpFlags) -> Result<u16> {
        crate::error::check(ret)?;
        self.vchan.note_enqueued(flags);
        Ok(ret as u16)
    }

    /// Hands every enqueued operation to the device.
    pub fn submit(&mut self) -> Result<()> {
        self.vchan.submit()
    }

    /// How many more operations fit in the ring.
    pub fn burst_capacity(&self) -> u16 {
        self.vchan.burst_capacity()
    }
}

impl Drop for SilentScope<'_, '_, '_> {
    fn drop(&mut self) {
        if let Err(e) = self.vchan.wait_idle(DRAIN_TIMEOUT) {
            dma_log!(
                ERR,
                "silent vchan {} never became idle ({}): aborting",
                self.vchan.id(),
                e
            );
            std::process::abort();
        }
    }
}
