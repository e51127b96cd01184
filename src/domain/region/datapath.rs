//! The data path of an `RTE_DMA_INTER_OS_DOMAIN` vchan: every peer address is
//! translated through the peer's window (its own virtual address in its mapping of
//! the region, which we map too), so copies, scatter-gather and fills are plain
//! memcpy/stores between mappings of the region, with no system call. A peer range
//! outside its window completes with `INVALID_SRC_ADDR`/`INVALID_DST_ADDR`, a member
//! that left or died with `DEV_LINK_ERROR`, without touching memory. Local ranges
//! inside the region (our heap is our window) are copied directly; other local
//! memory goes through the checked system call on ourselves (`remote::move_checked`),
//! so a bad local address is a status too.
use crate::abi::{rte_dma_sge, rte_dma_status_code};
use crate::domain::handlers::OsEndpoint;
use crate::domain::remote::{self, Scratch, Shape};
use crate::engines::memops;
use crate::engines::ring::{Batch, DataPath, InlinePath};
use rte_dma_status_code::*;

pub struct OsDataPath {
    src: OsEndpoint,
    dst: OsEndpoint,
    /// Our mapping of the whole region `(base, len)`: always mapped.
    region: (u64, u64),
    tsrc: Vec<rte_dma_sge>,
    tdst: Vec<rte_dma_sge>,
    scratch: Scratch,
}

impl OsDataPath {
    pub fn new(src: OsEndpoint, dst: OsEndpoint, region: (u64, u64)) -> OsDataPath {
        OsDataPath {
            src,
            dst,
            region,
            tsrc: Vec::new(),
            tdst: Vec::new(),
            scratch: Scratch::default(),
        }
    }
}

/// Where the segments are here: a peer's through its window (None if one lies
/// outside it), local ones as they are. `mapped` tells whether all are in memory
/// known to be mapped (the region).
fn translate(
    segs: &[rte_dma_sge],
    side: &OsEndpoint,
    region: (u64, u64),
    out: &mut Vec<rte_dma_sge>,
) -> Option<bool> {
    out.clear();
    match side {
        OsEndpoint::Local => {
            out.extend_from_slice(segs);
            Some(segs.iter().all(|g| remote::in_heap(Some(region), g)))
        }
        OsEndpoint::Peer { window, .. } => {
            let w = window.as_ref()?;
            for g in segs {
                let addr = w.translate(g.addr, u64::from(g.length))?;
                out.push(rte_dma_sge {
                    addr,
                    length: g.length,
                });
            }
            Some(true)
        }
    }
}

impl OsDataPath {
    fn one(&mut self, shape: Shape<'_>) -> rte_dma_status_code {
        if !self.src.is_alive() || !self.dst.is_alive() {
            return RTE_DMA_STATUS_DEV_LINK_ERROR;
        }
        match shape {
            Shape::Move { src: s, dst: t } => {
                let Some(s_mapped) = translate(s, &self.src, self.region, &mut self.tsrc) else {
                    return RTE_DMA_STATUS_INVALID_SRC_ADDR;
                };
                let Some(t_mapped) = translate(t, &self.dst, self.region, &mut self.tdst) else {
                    return RTE_DMA_STATUS_INVALID_DST_ADDR;
                };
                if s_mapped && t_mapped {
                    // SAFETY: every range lies in our mapping of the region, which is
                    // never unmapped.
                    unsafe { memops::copy_sg(&self.tsrc, &self.tdst) };
                    RTE_DMA_STATUS_SUCCESSFUL
                } else {
                    remote::move_checked(&self.tsrc, &self.tdst, &mut self.scratch)
                }
            }
            Shape::Fill { pattern, dst } => {
                let one = [dst];
                let Some(mapped) = translate(&one, &self.dst, self.region, &mut self.tdst) else {
                    return RTE_DMA_STATUS_INVALID_DST_ADDR;
                };
                let seg = self.tdst[0];
                if mapped {
                    // SAFETY: inside our mapping of the region.
                    unsafe { memops::fill(pattern, seg.addr, seg.length as usize) };
                    RTE_DMA_STATUS_SUCCESSFUL
                } else {
                    remote::call_fill(pattern, &seg, std::process::id() as i32, &mut self.scratch)
                }
            }
        }
    }
}

impl DataPath for OsDataPath {
    fn inline_path(&self) -> Option<std::sync::Arc<dyn InlinePath>> {
        Some(std::sync::Arc::new(crate::domain::inline::OsInline::new(
            self.src.clone(),
            self.dst.clone(),
            Some(self.region),
        )))
    }

    fn execute(&mut self, batch: &Batch<'_>) -> u64 {
        let mut failed = 0;
        for pos in batch.range() {
            let (d, sg) = batch.desc_at(pos);
            if d.is_noop() {
                batch.set_status(pos, RTE_DMA_STATUS_SUCCESSFUL as u8);
                continue;
            }
            let mut one = [rte_dma_sge::default(); 2];
            // SAFETY: a published descriptor of this batch.
            let shape = unsafe { remote::shape(&d, sg, &mut one) };
            let status = self.one(shape);
            failed += u64::from(status != RTE_DMA_STATUS_SUCCESSFUL);
            batch.set_status(pos, status as u8);
        }
        failed
    }
}
