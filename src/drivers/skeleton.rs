//! `dma_skeleton`: the software device with DPDK's skeleton capabilities and limits,
//! created with `rte_vdev_init("dma_skeleton", "lcore=N")` or `--vdev=dma_skeleton`.
use crate::abi::*;
use crate::driver::{self, Capabilities};
use crate::{Error, Result, dma_log};
use std::ffi::CString;

pub const DRIVER_NAME: &str = "dma_skeleton";

/// DPDK's skeleton (mem-to-mem copies, fills and scatter-gather, 32..8192
/// descriptors, 4 segments per side) plus what costs the fast path nothing and keeps
/// DPDK's own tests passing: enqueue/dequeue of `rte_dma_op`s, 4 vchans, and
/// mem-to-dev vchans into a region of the device with auto-free of their sources
/// (`engines::devmem`).
pub const CAPABILITIES: Capabilities = Capabilities {
    dev_capa: RTE_DMA_CAPA_MEM_TO_MEM
        | RTE_DMA_CAPA_SVA
        | RTE_DMA_CAPA_OPS_COPY
        | RTE_DMA_CAPA_OPS_COPY_SG
        | RTE_DMA_CAPA_OPS_FILL
        | RTE_DMA_CAPA_OPS_ENQ_DEQ
        | RTE_DMA_CAPA_MEM_TO_DEV
        | RTE_DMA_CAPA_M2D_AUTO_FREE,
    max_vchans: 4,
    max_desc: 8192,
    min_desc: 32,
    max_sges: 4,
    nb_priorities: 0,
};

/// Creates a skeleton device called `name` (the vdev bus's probe).
/// With fault injection (any `fault_*` argument) it also reports errors: injected
/// ones, and operations touching the null page, which fail instead of faulting.
pub fn probe(name: &str, args: &str) -> Result<()> {
    let args = super::devargs::parse(DRIVER_NAME, args, super::devargs::Keys::Skeleton)?;
    let lcore = args.lcore;
    let mut caps = CAPABILITIES;
    if args.fault.is_some() {
        caps.dev_capa |= RTE_DMA_CAPA_HANDLES_ERRORS;
    }
    if args.silent {
        caps.dev_capa |= RTE_DMA_CAPA_SILENT;
    }
    let cname = CString::new(name).map_err(|_| Error::InvalidArgument)?;
    let engine = super::engine_for_vdev(caps, "dma-skel", &args);
    let dev_id = driver::register(&cname, -1, engine).inspect_err(|_| {
        dma_log!(ERR, "Unable to allocate dmadev: {}", name);
    })?;
    let lcore_text = lcore.map_or(-1, |l| l as i64);
    dma_log!(
        INFO,
        "Create {} dmadev (id {}) with lcore-id {}",
        name,
        dev_id,
        lcore_text
    );
    Ok(())
}

/// Removes the skeleton device called `name` (the vdev bus's remove).
pub fn remove(name: &str) -> Result<()> {
    super::release_vdev(name)
}
