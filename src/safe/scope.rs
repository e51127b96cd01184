//! Borrowed buffers: operations on `&DmaBuf` / `&mut DmaBuf` inside a scope that
//! cannot end before every one of them completed, as `std::thread::scope` cannot
//! end before its threads. Nothing is moved or kept per operation, so the fast
//! path costs what the C one does.
use super::vchan::{DRAIN_TIMEOUT, StatusCode, Vchan};
use super::{DmaBuf, OpFlags};
use crate::{Error, Result, dma_log};
use core::marker::PhantomData;
use std::time::Instant;

/// The operations of one [`Vchan::scope`]: they borrow their buffers for `'scope`,
/// which lasts until the scope has waited for all of them.
pub struct Scope<'scope, 'env: 'scope, 'd> {
    vchan: &'env mut Vchan<'d>,
    in_flight: u32,
    unsubmitted: bool,
    /// Invariant: buffers borrowed for `'scope` stay borrowed to the very end.
    _scope: PhantomData<&'scope mut &'scope ()>,
}

/// What one [`Scope::completed`] collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Collected {
    /// Operations that succeeded (the oldest ones).
    pub ok: u16,
    /// Operations after those that failed; [`Scope::failed_status`] has each status.
    pub failed: u16,
}

impl<'d> Vchan<'d> {
    /// Runs `f` with a [`Scope`] whose operations borrow their buffers, then waits
    /// until all of them completed (submitting first if needed). `Busy` if owned
    /// operations are in flight. Only vchans of this process (both sides local)
    /// take borrowed operations.
    ///
    /// If an operation does not complete within 10 s (the device was stopped
    /// under the vchan by a C caller), the process aborts: returning would let
    /// the buffers be reused while the device may still write them.
    ///
    /// ```
    /// use dmadev::safe::*;
    /// let eal = Eal::builder().vdev("dma_skeleton").init()?;
    /// let mut dev = eal.device("dma_skeleton")?;
    /// dev.configure(&DeviceConfig { nb_vchans: 1, ..Default::default() })?;
    /// dev.vchan_setup(0, &VchanSetup::mem_to_mem(64))?;
    /// dev.start()?;
    /// let mut vchan = dev.vchan(0)?;
    /// let src = DmaBuf::new(256)?;
    /// let mut dst = DmaBuf::new(256)?;
    /// vchan.scope(|s| s.copy(&src, &mut dst, OpFlags::SUBMIT))??;
    /// assert_eq!(&dst[..], &src[..]); // the scope waited for the copy
    /// # Ok::<(), dmadev::Error>(())
    /// ```
    pub fn scope<'env, T>(
        &'env mut self,
        f: impl for<'scope> FnOnce(&mut Scope<'scope, 'env, 'd>) -> T,
    ) -> Result<T> {
        if self.in_flight() > 0 {
            return Err(Error::Busy);
        }
        let mut scope = Scope {
            vchan: self,
            in_flight: 0,
            unsubmitted: false,
            _scope: PhantomData,
        };
        // Dropping `scope` (also while unwinding) waits for its operations.
        Ok(f(&mut scope))
    }
}

impl<'scope> Scope<'scope, '_, '_> {
    fn local_only(&self) -> Result<()> {
        if self.vchan.has_peer_side() {
            return Err(Error::InvalidArgument);
        }
        Ok(())
    }

    /// Enqueues a copy of all of `src` into `dst` (at least as long); returns its
    /// ring index. Both stay borrowed until the scope ends.
    #[inline]
    pub fn copy(
        &mut self,
        src: &'scope DmaBuf,
        dst: &'scope mut DmaBuf,
        flags: OpFlags,
    ) -> Result<u16> {
        let len = src.len();
        self.local_only()?;
        if len == 0 || len > u32::MAX as usize || dst.len() < len {
            return Err(Error::InvalidArgument);
        }
        let ret = self
            .vchan
            .raw_copy(src.iova(), dst.iova(), len as u32, flags);
        self.admit(ret, flags)
    }

    /// Enqueues a fill of all of `dst` with `pattern`; returns its ring index.
    #[inline]
    pub fn fill(&mut self, pattern: u64, dst: &'scope mut DmaBuf, flags: OpFlags) -> Result<u16> {
        let len = dst.len();
        self.local_only()?;
        if len == 0 || len > u32::MAX as usize {
            return Err(Error::InvalidArgument);
        }
        let ret = self.vchan.raw_fill(pattern, dst.iova(), len as u32, flags);
        self.admit(ret, flags)
    }

    #[inline]
    fn admit(&mut self, ret: core::ffi::c_int, flags: OpFlags) -> Result<u16> {
        crate::error::check(ret)?;
        self.in_flight += 1;
        self.unsubmitted = !flags.contains(OpFlags::SUBMIT);
        Ok(ret as u16)
    }

    /// Hands every enqueued operation to the device.
    pub fn submit(&mut self) -> Result<()> {
        self.vchan.submit()?;
        self.unsubmitted = false;
        Ok(())
    }

    /// Collects up to `max` completed operations of the scope, oldest first.
    #[inline]
    pub fn completed(&mut self, max: u16) -> Collected {
        let max = max.min(self.in_flight.min(u16::MAX as u32) as u16);
        if max == 0 {
            return Collected { ok: 0, failed: 0 };
        }
        let (ok, failed) = self.vchan.raw_completed(max);
        self.in_flight -= (ok + failed) as u32;
        Collected { ok, failed }
    }

    /// The status of the `i`th failed operation the last [`Scope::completed`]
    /// reported.
    pub fn failed_status(&self, i: u16) -> StatusCode {
        self.vchan.failed_status(i)
    }

    /// Operations of the scope not collected yet.
    pub fn in_flight(&self) -> u32 {
        self.in_flight
    }
}

impl Drop for Scope<'_, '_, '_> {
    fn drop(&mut self) {
        if self.in_flight > 0 && self.unsubmitted {
            let _ = self.submit();
        }
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        while self.in_flight > 0 {
            let c = self.completed(u16::MAX);
            if c.ok + c.failed > 0 {
                continue;
            }
            if Instant::now() > deadline {
                dma_log!(
                    ERR,
                    "{} borrowed operations never completed: aborting",
                    self.in_flight
                );
                std::process::abort();
            }
            std::thread::yield_now();
        }
    }
}
