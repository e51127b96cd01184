//! The built-in devices, each a driver composed of the CPU engine (`crate::engines`)
//! and, for inter-domain DMA, a domain (`crate::domain`); and their table for the
//! virtual-device bus.
//!
//! `skeleton` is `dma_skeleton` (DPDK's skeleton capabilities), `interdomain`
//! `dma_interdomain` (access pair groups and data moved between processes).
pub mod devargs;
pub mod interdomain;
pub mod skeleton;

use crate::eal::vdev::VdevDriver;

/// Built-in virtual-device drivers, matched by name prefix on the vdev bus.
pub static VDEV_DRIVERS: &[VdevDriver] = &[
    VdevDriver {
        name: skeleton::DRIVER_NAME,
        probe: skeleton::probe,
        remove: skeleton::remove,
    },
    VdevDriver {
        name: interdomain::DRIVER_NAME,
        probe: interdomain::probe,
        remove: interdomain::remove,
    },
];

/// The vdev bus's remove for every software device: release the dmadev called `name`
/// (closing it first, as DPDK's `rte_dma_pmd_release` does).
fn release_vdev(name: &str) -> crate::Result<()> {
    let cname = std::ffi::CString::new(name).map_err(|_| crate::Error::InvalidArgument)?;
    crate::api::pmd_release(&cname)?;
    crate::dma_log!(INFO, "Remove {} dmadev", name);
    Ok(())
}

/// The CPU engine of a software device being created: its worker is named
/// `<thread_prefix><id>`, pinned to the `lcore` argument's CPU if one was given, and
/// fails operations as the `fault_*` arguments say.
fn engine_for_vdev(
    caps: crate::driver::Capabilities,
    thread_prefix: &str,
    args: &devargs::VdevArgs,
) -> crate::engines::cpu::CpuEngine {
    crate::engines::cpu::CpuEngine::new(crate::engines::cpu::EngineConfig {
        caps,
        thread_name: format!("{thread_prefix}{}", crate::registry::next_free_hint()),
        cpu: args.lcore.and_then(crate::eal::lcore::cpu_of_lcore),
        fault: args.fault,
    })
}
