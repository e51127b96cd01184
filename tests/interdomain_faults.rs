//! Bad local addresses on `dma_interdomain` complete with error statuses instead of
//! killing the process: on a plain vchan and on one bound to our own handler (both
//! run through the inter-domain data path), for memory outside the heap and inside it.
mod common;

use common::chan::{self, Chan};
use common::rundir::RunDir;
use dmadev::abi::*;
use dmadev::{api, drivers::interdomain, eal::heap};
use rte_dma_status_code::*;

/// A mapping with no access: every load or store there faults, as at an unmapped
/// address (a munmapped hole could be reused by another thread's mmap meanwhile).
fn no_access(len: usize, prot: i32) -> u64 {
    // SAFETY: a fresh anonymous mapping; checked below. Left mapped for the test's life.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            len,
            prot,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    p as u64
}

/// Good and bad copies and fills on one vchan, in plain memory and in the heap.
fn exercise(c: &Chan) {
    const LEN: usize = 3 * 4096 + 100;
    let dead = no_access(1 << 20, libc::PROT_NONE) + 4096;
    let read_only = no_access(1 << 16, libc::PROT_READ);
    let src: Vec<u8> = (0..LEN).map(|i| (i * 7 + 3) as u8).collect();
    let mut dst = vec![0u8; LEN];
    let (s, d) = (src.as_ptr() as u64, dst.as_mut_ptr() as u64);
    let n = LEN as u32;

    assert_eq!(c.copy(dead, d, n), RTE_DMA_STATUS_INVALID_SRC_ADDR);
    assert_eq!(c.copy(s, dead, n), RTE_DMA_STATUS_INVALID_DST_ADDR);
    assert_eq!(c.copy(s, read_only, n), RTE_DMA_STATUS_INVALID_DST_ADDR);
    assert_eq!(c.fill(0x1122, dead, n), RTE_DMA_STATUS_INVALID_DST_ADDR);
    assert_eq!(
        c.fill(0x1122, read_only, n),
        RTE_DMA_STATUS_INVALID_DST_ADDR
    );
    // The source becomes bad in its third segment, after good bytes were moved.
    let seg = |addr, length| rte_dma_sge { addr, length };
    let bad_sg = [seg(s, 100), seg(s + 100, 100), seg(dead, 100)];
    assert_eq!(
        c.copy_sg(&bad_sg, &[seg(d, 300)]),
        RTE_DMA_STATUS_INVALID_SRC_ADDR
    );
    assert_eq!(
        c.copy_sg(&bad_sg[..2], &[seg(d, 100), seg(read_only, 100)]),
        RTE_DMA_STATUS_INVALID_DST_ADDR
    );
    assert!(
        dst[300..].iter().all(|&b| b == 0),
        "nothing past the ops' ranges"
    );

    // Good operations still work, outside and inside the heap.
    assert_eq!(c.copy(s, d, n), RTE_DMA_STATUS_SUCCESSFUL);
    assert_eq!(dst, src);
    assert_eq!(c.fill(0x0807060504030201, d, n), RTE_DMA_STATUS_SUCCESSFUL);
    assert!(
        dst.iter()
            .enumerate()
            .all(|(i, &b)| b as usize == i % 8 + 1)
    );
    let h = heap::alloc(2 * LEN, 64) as u64;
    assert_ne!(h, 0);
    assert_eq!(c.copy(s, h, n), RTE_DMA_STATUS_SUCCESSFUL);
    assert_eq!(c.copy(h, h + LEN as u64, n), RTE_DMA_STATUS_SUCCESSFUL);
    assert_eq!(c.fill(0x77, h, 1000), RTE_DMA_STATUS_SUCCESSFUL);
    // SAFETY: the block holds 2 * LEN bytes.
    let hb = unsafe { core::slice::from_raw_parts(h as *const u8, 2 * LEN) };
    assert!(hb[..1000].iter().step_by(8).all(|&b| b == 0x77));
    assert_eq!(&hb[1000..LEN], &src[1000..]);
    assert_eq!(&hb[LEN..], &src[..]);
    assert_eq!(c.copy(h, dead, n), RTE_DMA_STATUS_INVALID_DST_ADDR);
    assert_eq!(c.copy(dead, h, n), RTE_DMA_STATUS_INVALID_SRC_ADDR);
    // SAFETY: from heap::alloc, released once.
    unsafe { heap::release(h as *mut _) };
}

#[test]
fn bad_local_addresses_give_error_statuses_never_a_signal() {
    // SAFETY: set before any thread of this test binary reads the environment.
    let _dir = unsafe { RunDir::new("faults") };
    let dev = common::probe(interdomain::probe, "dma_interdomain_faults", "");
    let me = [0x3c; 16];
    let token = [0x11; 16];
    let g = api::group_create(dev, &me, &token, None).unwrap();
    let h = api::group_handler_get(dev, g, &me).unwrap();
    let own = rte_dma_inter_domain_type::RTE_DMA_INTER_PROCESS_DOMAIN;
    let chans = chan::start(dev, [chan::local(64), chan::between(own, h, h)]);
    for c in &chans {
        exercise(c);
    }
    api::stop(dev).unwrap();
    api::group_destroy(dev, g).unwrap();
    api::close(dev).unwrap();
}
