//! Vchans with a device side (`RTE_DMA_DIR_MEM_TO_DEV`, `RTE_DMA_DIR_DEV_TO_MEM`):
//! the device's memory is reached through a PCIe port ([`PciePort`], DPDK's
//! `rte_dma_port_param`) and addressed by [`DevAddr`]es the device checks; our
//! side is a [`DmaBuf`] the operation owns until its completion.
use super::vchan::{DRAIN_TIMEOUT, OpFlags, StatusCode, Vchan};
use super::{Device, DmaBuf, DmaPool, PoolBuf, VchanSetup};
use crate::abi::rte_iova_t;
use crate::config::{ConfigFlags, Direction, Port};
use crate::{Error, Result};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A PCIe access port (`rte_dma_port_param.pcie`): DPDK's bit-fields as plain
/// values. Each must fit its field's width (in brackets), else setting up a vchan
/// with it is refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PciePort {
    /// The PCIe core id [4 bits].
    pub coreid: u8,
    /// The physical function id [8 bits].
    pub pfid: u8,
    /// Whether `vfid` is used.
    pub vfen: bool,
    /// The virtual function id [16 bits].
    pub vfid: u16,
    /// The process address space id [20 bits].
    pub pasid: u32,
    /// The TLP attributes [3 bits].
    pub attr: u8,
    /// The processing hint [2 bits].
    pub ph: u8,
    /// The steering tag [16 bits].
    pub st: u16,
}

impl PciePort {
    /// The union's two words, with the bit positions DPDK 26.11's compilers give
    /// the bit-fields (`st` spills into the second word); `None` if a value is
    /// wider than its field.
    fn words(self) -> Option<[u64; 2]> {
        let fits = |v: u64, bits: u32| v < 1 << bits;
        let ok = fits(self.coreid.into(), 4)
            && fits(self.pasid.into(), 20)
            && fits(self.attr.into(), 3)
            && fits(self.ph.into(), 2);
        ok.then(|| {
            let w0 = u64::from(self.coreid)
                | u64::from(self.pfid) << 4
                | u64::from(self.vfen) << 12
                | u64::from(self.vfid) << 13
                | u64::from(self.pasid) << 29
                | u64::from(self.attr) << 49
                | u64::from(self.ph) << 52;
            [w0, u64::from(self.st)]
        })
    }
}

/// A range of a device's memory, as the device addresses it. Only a vchan side
/// that is device memory takes one; the device checks every byte of it, and a
/// range outside its memory completes with an error status instead of touching
/// anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DevAddr {
    /// The device address.
    pub addr: rte_iova_t,
    /// Its length in bytes.
    pub len: u32,
}

impl VchanSetup<'static> {
    /// A memory-to-device vchan: our memory into device memory behind `port`.
    /// `InvalidArgument` if a field of `port` is wider than DPDK's.
    pub fn mem_to_dev(nb_desc: u16, port: PciePort) -> Result<VchanSetup<'static>> {
        let dst = port.words().ok_or(Error::InvalidArgument)?;
        Ok(Self::local(
            nb_desc,
            Direction::MemToDev,
            Port::None,
            Port::Pcie(dst),
        ))
    }

    /// A device-to-memory vchan: device memory behind `port` into our memory.
    pub fn dev_to_mem(nb_desc: u16, port: PciePort) -> Result<VchanSetup<'static>> {
        let src = port.words().ok_or(Error::InvalidArgument)?;
        Ok(Self::local(
            nb_desc,
            Direction::DevToMem,
            Port::Pcie(src),
            Port::None,
        ))
    }
}

impl<'g> VchanSetup<'g> {
    /// Lets the device free the sources of copies flagged for it
    /// ([`DevVchan::copy_to_dev_auto_free`]) back to `pool`
    /// (`auto_free.m2d.pool`; memory-to-device vchans of devices with
    /// `M2D_AUTO_FREE` only, else the setup is refused).
    pub fn auto_free(mut self, pool: &'g DmaPool<'_>) -> VchanSetup<'g> {
        self.auto_free = Some(pool.inner());
        self
    }
}

/// An operation of a [`DevVchan`] and the buffer it owns while in flight.
#[derive(Debug)]
pub enum DevOp {
    /// A copy of all of `src` into device memory (memory-to-device vchans).
    ToDevice {
        /// Read.
        src: DmaBuf,
        /// Written.
        dst: DevAddr,
    },
    /// A copy of device memory into the start of `dst` (device-to-memory vchans).
    FromDevice {
        /// Read.
        src: DevAddr,
        /// Written.
        dst: DmaBuf,
    },
    /// A copy of `len` bytes from a [`PoolBuf`] into device memory, which the
    /// device put back in its pool ([`DevVchan::copy_to_dev_auto_free`]).
    AutoFreed {
        /// Written.
        dst: DevAddr,
        /// Bytes copied.
        len: u32,
    },
    /// Device memory filled with `pattern` (memory-to-device vchans).
    Fill {
        /// Written.
        dst: DevAddr,
        /// The pattern (its 8 bytes in memory order, repeated).
        pattern: u64,
    },
}

/// One completed operation of a [`DevVchan`].
#[derive(Debug)]
pub struct DevCompletion {
    /// Its ring index.
    pub index: u16,
    /// How it ended.
    pub status: StatusCode,
    /// The operation, whose buffer is the application's again.
    pub op: DevOp,
}

impl DevCompletion {
    /// Whether it succeeded.
    pub fn is_ok(&self) -> bool {
        self.status == StatusCode::RTE_DMA_STATUS_SUCCESSFUL
    }
}

/// An operation a [`DevVchan`] refused, with its buffer given back.
#[derive(Debug)]
pub struct DevRejected {
    /// Why: `NoSpace` on a full ring, `InvalidArgument` for a bad length or an
    /// operation of the other direction.
    pub error: Error,
    /// The operation.
    pub op: DevOp,
}

/// A vchan with a device side, set up with [`VchanSetup::mem_to_dev`] or
/// [`VchanSetup::dev_to_mem`]: operations own their buffer until their completion
/// hands it back. As [`Vchan`], it is `Send`, not `Sync`, and borrows the device;
/// dropping it waits for its operations (ones that never finish leak their
/// buffers).
///
/// ```
/// use dmadev::safe::*;
/// let eal = Eal::builder().vdev("dma_skeleton").init()?;
/// let mut dev = eal.device("dma_skeleton")?;
/// dev.configure(&DeviceConfig { nb_vchans: 1, ..Default::default() })?;
/// dev.vchan_setup(0, &VchanSetup::mem_to_dev(64, PciePort::default())?)?;
/// dev.start()?;
/// let mut vchan = dev.dev_vchan(0)?;
/// let at = DevAddr { addr: 0x1000, len: 4096 };
/// vchan.copy_to_dev(DmaBuf::new(4096)?, at, OpFlags::SUBMIT).map_err(|r| r.error)?;
/// let done = vchan.wait(1, std::time::Duration::from_secs(5))?;
/// assert!(done[0].is_ok());
/// # Ok::<(), dmadev::Error>(())
/// ```
pub struct DevVchan<'d> {
    inner: Vchan<'d>,
    direction: Direction,
    /// Operations in flight, oldest first (ring indexes are consecutive), with
    /// the pool buffer an auto-free copy gave the device.
    held: VecDeque<(u16, DevOp, Option<PoolBuf<'d>>)>,
    /// The pool the device frees auto-free sources to.
    pool: Option<core::ptr::NonNull<crate::abi::rte_mempool>>,
    unsubmitted: bool,
}

impl<'e> Device<'e> {
    /// Takes vchan `vchan`, set up with a device side, of a started device
    /// (errors as [`Device::vchan`]).
    pub fn dev_vchan(&self, vchan: u16) -> Result<DevVchan<'_>> {
        let inner = self.take_vchan(vchan, ConfigFlags::empty(), true)?;
        let (sides, nb_desc) = self.setup_of(vchan).ok_or(Error::InvalidArgument)?;
        Ok(DevVchan {
            inner,
            direction: sides.direction,
            held: VecDeque::with_capacity(nb_desc as usize),
            pool: self.auto_free_pool(vchan),
            unsubmitted: false,
        })
    }
}

impl<'d> DevVchan<'d> {
    /// Its number on the device.
    pub fn id(&self) -> u16 {
        self.inner.id()
    }

    /// Operations enqueued and not yet handed back.
    pub fn in_flight(&self) -> usize {
        self.held.len()
    }

    /// Enqueues a copy of all of `src` into device memory at `dst` (at least as
    /// long) on a memory-to-device vchan; returns its ring index.
    pub fn copy_to_dev(
        &mut self,
        src: DmaBuf,
        dst: DevAddr,
        flags: OpFlags,
    ) -> core::result::Result<u16, DevRejected> {
        let len = u32::try_from(src.len())
            .ok()
            .filter(|&l| l != 0 && dst.len >= l);
        let ret = len
            .filter(|_| self.direction == Direction::MemToDev)
            .map(|l| self.inner.raw_copy(src.iova(), dst.addr, l, flags));
        self.admit(ret, flags, DevOp::ToDevice { src, dst })
    }

    /// Enqueues a copy of device memory at `src` into the start of `dst` (at least
    /// as long) on a device-to-memory vchan; returns its ring index.
    pub fn copy_from_dev(
        &mut self,
        src: DevAddr,
        dst: DmaBuf,
        flags: OpFlags,
    ) -> core::result::Result<u16, DevRejected> {
        let ok = src.len != 0 && dst.len() >= src.len as usize;
        let ret = (ok && self.direction == Direction::DevToMem)
            .then(|| self.inner.raw_copy(src.addr, dst.iova(), src.len, flags));
        self.admit(ret, flags, DevOp::FromDevice { src, dst })
    }

    /// Enqueues a fill of device memory `dst` with `pattern` on a memory-to-device
    /// vchan; returns its ring index.
    pub fn fill_dev(
        &mut self,
        pattern: u64,
        dst: DevAddr,
        flags: OpFlags,
    ) -> core::result::Result<u16, DevRejected> {
        let ret = (dst.len != 0 && self.direction == Direction::MemToDev)
            .then(|| self.inner.raw_fill(pattern, dst.addr, dst.len, flags));
        self.admit(ret, flags, DevOp::Fill { dst, pattern })
    }

    /// Enqueues a copy of all of `src` into device memory at `dst` (at least as
    /// long) after which the device puts `src` back in its pool itself
    /// (`RTE_DMA_OP_FLAG_AUTO_FREE`); the vchan must have been set up with
    /// [`VchanSetup::auto_free`] and that pool. The completion is a
    /// [`DevOp::AutoFreed`]: the buffer is never handed back, also not after a
    /// failure, when the device may or may not have freed it (it may then be lost
    /// to the pool, never used twice). A refusal hands it back.
    pub fn copy_to_dev_auto_free(
        &mut self,
        src: PoolBuf<'d>,
        dst: DevAddr,
        flags: OpFlags,
    ) -> core::result::Result<u16, (Error, PoolBuf<'d>)> {
        let ours = self.pool.is_some_and(|p| src.is_of(p));
        let len = u32::try_from(src.len())
            .ok()
            .filter(|&l| l != 0 && dst.len >= l);
        let (Some(len), true, Direction::MemToDev) = (len, ours, self.direction) else {
            return Err((Error::InvalidArgument, src));
        };
        let auto = flags | OpFlags::from_bits_retain(crate::abi::RTE_DMA_OP_FLAG_AUTO_FREE);
        let ret = self.inner.raw_copy(src.iova(), dst.addr, len, auto);
        if ret < 0 {
            return Err((Error::from_errno(ret), src));
        }
        let op = DevOp::AutoFreed { dst, len };
        self.held.push_back((ret as u16, op, Some(src)));
        self.unsubmitted = !flags.contains(OpFlags::SUBMIT);
        Ok(ret as u16)
    }

    fn admit(
        &mut self,
        ret: Option<core::ffi::c_int>,
        flags: OpFlags,
        op: DevOp,
    ) -> core::result::Result<u16, DevRejected> {
        let error = match ret {
            Some(r) if r >= 0 => {
                self.held.push_back((r as u16, op, None));
                self.unsubmitted = !flags.contains(OpFlags::SUBMIT);
                return Ok(r as u16);
            }
            Some(r) => Error::from_errno(r),
            None => Error::InvalidArgument,
        };
        Err(DevRejected { error, op })
    }

    /// Hands every enqueued operation to the device (`rte_dma_submit`).
    pub fn submit(&mut self) -> Result<()> {
        self.inner.submit()?;
        self.unsubmitted = false;
        Ok(())
    }

    /// Appends up to `max` completed operations to `out`, oldest first, each with
    /// its status and buffer; returns how many. Allocates nothing if `out` has room.
    pub fn completed(&mut self, max: u16, out: &mut Vec<DevCompletion>) -> u16 {
        let max = max.min(self.held.len().min(u16::MAX as usize) as u16);
        if max == 0 {
            return 0;
        }
        let (ok, failed) = self.inner.raw_completed(max);
        for i in 0..ok + failed {
            let status = if i < ok {
                StatusCode::RTE_DMA_STATUS_SUCCESSFUL
            } else {
                self.inner.failed_status(i - ok)
            };
            if let Some((index, op, freed)) = self.held.pop_front() {
                if let Some(buf) = freed {
                    buf.give_up();
                }
                out.push(DevCompletion { index, status, op });
            }
        }
        ok + failed
    }

    /// Submits what is enqueued, then waits until `n` operations completed (or all
    /// in flight, if fewer) and returns them; `Errno(ETIMEDOUT)` after `timeout`.
    /// A convenience that allocates.
    pub fn wait(&mut self, n: usize, timeout: Duration) -> Result<Vec<DevCompletion>> {
        if self.unsubmitted {
            self.submit()?;
        }
        let n = n.min(self.held.len());
        let deadline = Instant::now() + timeout;
        let mut done = Vec::with_capacity(n);
        while done.len() < n {
            let left = (n - done.len()).min(u16::MAX as usize) as u16;
            if self.completed(left, &mut done) == 0 {
                if Instant::now() > deadline {
                    return Err(Error::Errno(libc::ETIMEDOUT));
                }
                std::thread::yield_now();
            }
        }
        Ok(done)
    }
}

impl Drop for DevVchan<'_> {
    fn drop(&mut self) {
        if self.unsubmitted {
            let _ = self.submit();
        }
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        let mut done = Vec::new();
        while !self.held.is_empty() && Instant::now() < deadline {
            if self.completed(u16::MAX, &mut done) == 0 {
                std::thread::sleep(Duration::from_micros(100));
            }
            done.clear();
        }
        // Never completed: the device may still use their buffers.
        self.held.drain(..).for_each(core::mem::forget);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcie_fields_sit_at_dpdk_bit_positions() {
        let words = |p: PciePort| p.words().unwrap();
        let none = PciePort::default();
        let cases = [
            (
                PciePort {
                    coreid: 0xf,
                    ..none
                },
                [0xf, 0],
            ),
            (PciePort { pfid: 0xff, ..none }, [0xff << 4, 0]),
            (PciePort { vfen: true, ..none }, [1 << 12, 0]),
            (
                PciePort {
                    vfid: 0xffff,
                    ..none
                },
                [0xffff << 13, 0],
            ),
            (
                PciePort {
                    pasid: 0xf_ffff,
                    ..none
                },
                [0xf_ffff << 29, 0],
            ),
            (PciePort { attr: 7, ..none }, [7 << 49, 0]),
            (PciePort { ph: 3, ..none }, [3 << 52, 0]),
            (PciePort { st: 0xabcd, ..none }, [0, 0xabcd]),
        ];
        for (port, want) in cases {
            assert_eq!(words(port), want, "{port:?}");
        }
        for wide in [
            PciePort { coreid: 16, ..none },
            PciePort {
                pasid: 1 << 20,
                ..none
            },
            PciePort { attr: 8, ..none },
            PciePort { ph: 4, ..none },
        ] {
            assert_eq!(wide.words(), None, "{wide:?}");
        }
    }
}
