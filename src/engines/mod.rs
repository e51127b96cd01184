//! Software DMA engines and the virtual devices built on them.
//!
//! `cpu` is the engine (rings, worker, fast path), `skeleton` the `dma_skeleton`
//! device that offers it with DPDK's skeleton capabilities.
pub mod cpu;
pub mod doorbell;
pub mod memops;
pub mod ring;
pub mod skeleton;
pub mod worker;

use crate::eal::vdev::VdevDriver;

/// Built-in virtual-device drivers, matched by name prefix on the vdev bus.
pub static VDEV_DRIVERS: &[VdevDriver] = &[VdevDriver {
    name: skeleton::DRIVER_NAME,
    probe: skeleton::probe,
    remove: skeleton::remove,
}];
