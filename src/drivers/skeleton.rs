//! `dma_skeleton`: the software device with DPDK's skeleton capabilities and limits,
//! created with `rte_vdev_init("dma_skeleton", "lcore=N")` or `--vdev=dma_skeleton`.
use crate::abi::*;
use crate::driver::{self, Capabilities};
use crate::{Error, Result, dma_log};
use std::ffi::CString;

pub const DRIVER_NAME: &str = "dma_skeleton";

/// DPDK's skeleton (mem-to-mem copies, fills and scatter-gather, 32..8192
/// descriptors, 4 segments per side) plus what costs the fast path nothing and keeps
/// DPDK's own tests passing: enqueue/dequeue of `rte_dma_op`s and 4 vchans.
pub const CAPABILITIES: Capabilities = Capabilities {
    dev_capa: RTE_DMA_CAPA_MEM_TO_MEM
        | RTE_DMA_CAPA_SVA
        | RTE_DMA_CAPA_OPS_COPY
        | RTE_DMA_CAPA_OPS_COPY_SG
        | RTE_DMA_CAPA_OPS_FILL
        | RTE_DMA_CAPA_OPS_ENQ_DEQ,
    max_vchans: 4,
    max_desc: 8192,
    min_desc: 32,
    max_sges: 4,
    nb_priorities: 0,
};

/// The `lcore=N` device argument: an lcore id below `RTE_MAX_LCORE`, else none
/// (DPDK ignores out-of-range values too). Unknown keys are reported and ignored.
pub fn parse_lcore(args: &str) -> Option<u32> {
    parse_args(args, |_, _| false)
}

/// `lcore=`, and any other `key=value` that `other` takes (returns true); the
/// rest is ignored with a warning.
pub fn parse_args(args: &str, mut other: impl FnMut(&str, &str) -> bool) -> Option<u32> {
    let mut lcore = None;
    for kv in args.split(',').filter(|s| !s.is_empty()) {
        match kv.split_once('=') {
            Some((key, value)) if key != "lcore" && other(key, value) => {}
            Some(("lcore", v)) => match v.trim().parse::<u32>() {
                Ok(n) if n < RTE_MAX_LCORE => lcore = Some(n),
                _ => dma_log!(
                    WARNING,
                    "{}: ignoring lcore={} (must be below {})",
                    DRIVER_NAME,
                    v,
                    RTE_MAX_LCORE
                ),
            },
            _ => dma_log!(
                WARNING,
                "{}: ignoring unknown device argument '{}'",
                DRIVER_NAME,
                kv
            ),
        }
    }
    lcore
}

/// Creates a skeleton device called `name` (the vdev bus's probe).
pub fn probe(name: &str, args: &str) -> Result<()> {
    let mut copybreak = super::devargs::DEFAULT_COPYBREAK;
    let lcore = parse_args(args, |key, value| {
        key == "copybreak" && {
            copybreak = super::devargs::copybreak(DRIVER_NAME, value).unwrap_or(copybreak);
            true
        }
    });
    let cname = CString::new(name).map_err(|_| Error::InvalidArgument)?;
    let engine = super::engine_for_vdev(CAPABILITIES, "dma-skel", lcore, copybreak);
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
