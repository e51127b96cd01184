//! The device side of mem-to-dev vchans: a memory region of the device (1 MiB of
//! `rte_malloc` memory per vchan) that device addresses index from 0. An operation
//! whose device range does not lie in the region completes with `INVALID_DST_ADDR`
//! and writes nothing. A copy flagged `RTE_DMA_OP_FLAG_AUTO_FREE` on a vchan set up
//! with `auto_free.m2d.pool` returns its source buffer (the pool object holding the
//! source address, an mbuf by its reference count) to that pool once copied, before
//! the completion is published, as DPDK's hardware does.
use super::ring::{Batch, DataPath, Desc, MAX_SGES, OpKind, SgList};
use super::worker;
use crate::abi::*;
use crate::eal::malloc;
use crate::mempool::{self, Pool, mbuf};
use crate::{Error, Result, dma_log};
use core::ptr::NonNull;

/// Bytes of a mem-to-dev vchan's device region.
pub const DEVICE_MEMORY_SIZE: u64 = 1 << 20;

const INVALID_DST: u8 = rte_dma_status_code::RTE_DMA_STATUS_INVALID_DST_ADDR as u8;

pub struct DeviceMemory {
    /// Address of the region (an `rte_malloc` block this value owns).
    base: u64,
    /// Where auto-freed sources go.
    pool: Option<Pool>,
}

impl DeviceMemory {
    /// A zeroed region; `pool` must be a live mempool of this library.
    pub fn new(pool: Option<NonNull<rte_mempool>>) -> Result<DeviceMemory> {
        let pool = match pool {
            None => None,
            Some(p) => Some(mempool::registered_at(p.as_ptr()).ok_or_else(|| {
                dma_log!(ERR, "auto_free.m2d.pool is not a mempool of this library");
                Error::InvalidArgument
            })?),
        };
        let base = malloc::zmalloc(DEVICE_MEMORY_SIZE as usize, 0);
        if base.is_null() {
            return Err(Error::NoMemory);
        }
        Ok(DeviceMemory {
            base: base as u64,
            pool,
        })
    }

    /// The local address of device range `[dev, dev + len)`, if it is in the region.
    fn local(&self, dev: u64, len: u32) -> Option<u64> {
        let end = dev.checked_add(len as u64)?;
        (end <= DEVICE_MEMORY_SIZE).then(|| self.base + dev)
    }

    /// Segments with their destinations moved into the region, if all fit.
    fn rebase(&self, src: &[rte_dma_sge], dst: &[rte_dma_sge]) -> Option<SgList> {
        if src.len() > MAX_SGES || dst.len() > MAX_SGES {
            return None;
        }
        let mut list = SgList::default();
        list.segs[..src.len()].copy_from_slice(src);
        for (out, d) in list.segs[src.len()..].iter_mut().zip(dst) {
            *out = rte_dma_sge {
                addr: self.local(d.addr, d.length)?,
                length: d.length,
            };
        }
        Some(list)
    }

    /// Executes one operation; returns its status code.
    fn run(&self, d: &Desc, sg: &SgList) -> u8 {
        let (local, list) = match d.kind {
            OpKind::Copy | OpKind::Fill => match self.local(d.dst, d.len) {
                Some(dst) => (Desc { dst, ..*d }, *sg),
                None => return INVALID_DST,
            },
            OpKind::CopySg => {
                let (ns, nd) = (d.nb_src as usize, d.nb_dst as usize);
                match self.rebase(&sg.segs[..ns], &sg.segs[ns..ns + nd]) {
                    Some(list) => (*d, list),
                    None => return INVALID_DST,
                }
            }
            OpKind::Op => {
                let op = d.src as usize as *const rte_dma_op;
                // SAFETY: the application's op, valid until dequeued (enqueue contract);
                // its nb_src + nb_dst segments follow it.
                let segs = unsafe {
                    let (ns, nd) = ((*op).nb_src as usize, (*op).nb_dst as usize);
                    let all = core::slice::from_raw_parts(op.add(1).cast::<rte_dma_sge>(), ns + nd);
                    all.split_at(ns)
                };
                match self.rebase(segs.0, segs.1) {
                    Some(list) => {
                        let as_sg = Desc {
                            kind: OpKind::CopySg,
                            nb_src: segs.0.len() as u8,
                            nb_dst: segs.1.len() as u8,
                            ..*d
                        };
                        (as_sg, list)
                    }
                    None => return INVALID_DST,
                }
            }
        };
        // SAFETY: the destination lies in our region; the source is the
        // application's promise of valid memory, as on every plain vchan.
        unsafe { worker::execute(&local, &list) }
    }
}

impl DataPath for DeviceMemory {
    fn execute(&mut self, batch: &Batch<'_>) -> u64 {
        let mut failed = 0;
        for pos in batch.range() {
            let (d, sg) = batch.desc_at(pos);
            let code = self.run(&d, sg);
            let freed = (code == 0 && d.auto_free && d.kind == OpKind::Copy)
                .then_some(self.pool)
                .flatten()
                .and_then(|p| Some((p, p.object_containing(d.src)?)));
            if let Some((pool, obj)) = freed {
                // SAFETY: the application handed this buffer over with the AUTO_FREE
                // flag (DPDK's contract); it is an object of `pool`.
                unsafe { mbuf::free_object(pool, obj) };
            }
            batch.set_status(pos, code);
            failed += (code != 0) as u64;
        }
        failed
    }
}

impl Drop for DeviceMemory {
    fn drop(&mut self) {
        // SAFETY: the region came from `zmalloc` and is freed once, here.
        unsafe { malloc::free(self.base as *mut core::ffi::c_void) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(src: u64, dst: u64, len: u32) -> Desc {
        Desc {
            src,
            dst,
            len,
            kind: OpKind::Copy,
            nb_src: 0,
            nb_dst: 0,
            auto_free: false,
        }
    }

    #[test]
    fn device_addresses_are_offsets_in_the_region_and_checked() {
        let dev = DeviceMemory::new(None).unwrap();
        let data = [0x5au8; 64];
        let sg = SgList::default();
        let at = DEVICE_MEMORY_SIZE - 64;
        assert_eq!(dev.run(&copy(data.as_ptr() as u64, at, 64), &sg), 0);
        // SAFETY: the region is ours and 64 bytes from `at` were just written.
        let written = unsafe { core::slice::from_raw_parts((dev.base + at) as *const u8, 64) };
        assert_eq!(written, &data);
        for (dst, len) in [(at + 1, 64), (DEVICE_MEMORY_SIZE, 1), (u64::MAX, 2)] {
            assert_eq!(
                dev.run(&copy(data.as_ptr() as u64, dst, len), &sg),
                INVALID_DST
            );
        }
        let bad_sg = SgList {
            segs: [
                rte_dma_sge { addr: 0, length: 8 },
                rte_dma_sge {
                    addr: DEVICE_MEMORY_SIZE,
                    length: 8,
                },
                Default::default(),
                Default::default(),
                Default::default(),
                Default::default(),
                Default::default(),
                Default::default(),
            ],
        };
        let d = Desc {
            kind: OpKind::CopySg,
            nb_src: 1,
            nb_dst: 1,
            ..copy(0, 0, 8)
        };
        assert_eq!(
            dev.run(&d, &bad_sg),
            INVALID_DST,
            "a scatter-gather segment outside"
        );
    }

    #[test]
    fn a_pool_that_is_not_ours_is_refused() {
        let fake = NonNull::new(core::ptr::dangling_mut::<rte_mempool>());
        assert_eq!(DeviceMemory::new(fake).err(), Some(Error::InvalidArgument));
    }
}
