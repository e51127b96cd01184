//! The safe Rust API: the same devices, vchans, transfers and access pair groups the
//! C ABI offers, with the rules DPDK writes in its documentation checked by the
//! compiler instead.
//!
//! # The mental model
//!
//! * [`Eal`] is the running environment. DPDK allows one EAL per process at a time,
//!   so there is at most one `Eal` value; dropping it is `rte_eal_cleanup` (every
//!   device is stopped and closed). Everything below borrows it, so nothing can
//!   outlive it.
//! * A [`Device`] is one DMA device (`dma_skeleton`, `dma_interdomain`, ...), claimed
//!   from the `Eal` by name or id, once: two handles of one device cannot exist. Its
//!   control path (`configure`, `vchan_setup`, `start`, `stop`) takes `&mut self`.
//! * A [`Vchan`] is one virtual channel of a started device, taken once. It is the
//!   fast path: enqueue, submit, poll completions. It borrows the device, so the
//!   device cannot be stopped or reconfigured while the vchan exists. It is `Send`
//!   but not `Sync`: DPDK requires that one thread at a time uses a vchan, and here
//!   that is the only way to use one.
//! * A [`DmaBuf`] is memory the device may read or write, with its IOVA: a block of
//!   the library's heap (`rte_malloc`), a boxed slice, or (unsafely) any pinned
//!   memory. An enqueued operation *owns* its buffers: [`Vchan::copy`] moves them
//!   in and the [`Completion`] of that operation gives them back, as the io_uring
//!   crates do. A buffer in flight cannot be read, written or freed, because nobody
//!   holds it but the vchan. A refused operation hands its buffers back in
//!   [`Rejected`]. Dropping a vchan waits for its operations to finish; ones that
//!   never finish leak their buffers rather than free memory a device may still use.
//! * Or operations *borrow* their buffers inside a [`Vchan::scope`]: `&DmaBuf` to
//!   read, `&mut DmaBuf` to write, and the scope does not end before every one of
//!   them completed (as `std::thread::scope` waits for its threads). Nothing is
//!   moved or recorded per operation: this path costs what the C one does.
//! * A device configured with [`ConfigFlags::SILENT`] reports no completions, and
//!   DPDK forbids asking: its vchans are [`SilentVchan`]s, which have no
//!   `completed`. Their operations borrow buffers for a [`SilentVchan::scope`] that
//!   ends once the vchan is idle, or own them until [`SilentVchan::drain`] gives
//!   them all back once it is idle.
//! * A device configured with [`ConfigFlags::ENQ_DEQ`] takes operation lists
//!   (`rte_dma_enqueue_ops`): its vchans are [`OpVchan`]s. A [`DmaOp`] is one
//!   `rte_dma_op` with the buffers its segments name; enqueued, it belongs to the
//!   vchan until dequeue hands it back with its status and user metadata.
//! * A vchan set up with [`VchanSetup::mem_to_dev`] (or `dev_to_mem`) has one side
//!   in device memory behind a [`PciePort`]: it is a [`DevVchan`], whose
//!   operations take a [`DevAddr`] (checked by the device) for that side and own
//!   the [`DmaBuf`] of the other until their [`DevCompletion`]. Set up with
//!   [`VchanSetup::auto_free`], the device puts the sources of
//!   [`DevVchan::copy_to_dev_auto_free`] back in their [`DmaPool`] itself.
//! * A [`Group`] is an access pair group (`dma_interdomain`): processes that let a
//!   device move data between their memories. Its events arrive on a channel or a
//!   callback. A vchan between members is set up from [`Member`]s of a live group;
//!   the side that is another process's memory takes a [`PeerMem`] (an address in
//!   that process, checked by the device), the local side a `DmaBuf`. On a device
//!   created with `os_region=<file>` (or an ivshmem BAR) every group is an
//!   OS-domain group ([`Group::is_os_domain`]): its members may be other OSes
//!   sharing only the region, the same [`VchanSetup::between`] makes
//!   `RTE_DMA_INTER_OS_DOMAIN` vchans, and a `PeerMem` is an address in the peer's
//!   window (its `rte_malloc` memory, as its [`DmaBuf::iova`] reports).
//! * Errors are the crate's [`Error`](crate::Error), DPDK's negative errno.
//!
//! # Example
//!
//! ```
//! use dmadev::safe::*;
//!
//! let eal = Eal::builder().vdev("dma_skeleton").init()?;
//! let mut dev = eal.device("dma_skeleton")?;
//! dev.configure(&DeviceConfig { nb_vchans: 1, ..Default::default() })?;
//! dev.vchan_setup(0, &VchanSetup::mem_to_mem(128))?;
//! dev.start()?;
//!
//! let mut vchan = dev.vchan(0)?;
//! let mut src = DmaBuf::new(4096)?;
//! src.fill(0xab);
//! let dst = DmaBuf::new(4096)?;
//! let index = vchan.copy(src, dst, OpFlags::SUBMIT).map_err(|r| r.error)?;
//! let done = vchan.wait(1, std::time::Duration::from_secs(5))?;
//! assert_eq!(done[0].index, index);
//! assert!(done[0].is_ok());
//! let Op::Copy { dst, .. } = &done[0].op else { unreachable!() };
//! assert!(dst.as_local().unwrap().iter().all(|&b| b == 0xab));
//! # Ok::<(), dmadev::Error>(())
//! ```
#![deny(missing_docs)]

mod buffer;
mod device;
mod eal;
mod group;
mod ops;
mod pool;
mod port;
mod scope;
mod silent;
mod vchan;

pub use crate::config::{ConfigFlags, DeviceConfig, Direction};
pub use buffer::{DmaBuf, PeerMem, Region};
pub use device::{Capabilities, Device, DeviceInfo, Stats, VchanSetup, VchanState};
pub use eal::{Eal, EalBuilder};
pub use group::{Group, GroupEvent, GroupEventKind, Member, Uuid};
pub use ops::{DmaOp, OpVchan};
pub use pool::{DmaPool, PoolBuf};
pub use port::{DevAddr, DevCompletion, DevOp, DevRejected, DevVchan, PciePort};
pub use scope::{Collected, Scope};
pub use silent::{SilentScope, SilentVchan};
pub use vchan::{Completion, Completions, Op, OpFlags, Rejected, StatusCode, Vchan};
