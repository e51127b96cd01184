//! Bad local addresses on `dma_interdomain` complete with error statuses instead of
//! killing the process: on a plain vchan and on one bound to our own handler (both
//! run through the inter-domain data path), for memory outside the heap and inside it.
use dmadev::abi::*;
use dmadev::{api, drivers::interdomain, eal::heap, registry};
use rte_dma_status_code::*;
use std::ffi::CString;
use std::time::{Duration, Instant};

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

struct Chan {
    fp: &'static rte_dma_fp_object,
    vchan: u16,
}

impl Chan {
    fn wait(&self) -> rte_dma_status_code {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut st = [0; 1];
        let mut last = 0u16;
        // SAFETY: a started device's fast-path entry with valid out pointers.
        while unsafe {
            self.fp.completed_status.unwrap()(
                self.fp.dev_private,
                self.vchan,
                1,
                &mut last,
                st.as_mut_ptr(),
            )
        } == 0
        {
            assert!(Instant::now() < deadline, "operation never completed");
        }
        rte_dma_status_code::from_raw(st[0]).expect("a declared status")
    }

    fn copy(&self, src: u64, dst: u64, len: u32) -> rte_dma_status_code {
        // SAFETY: as above; the addresses are what is under test.
        let r = unsafe {
            self.fp.copy.unwrap()(
                self.fp.dev_private,
                self.vchan,
                src,
                dst,
                len,
                RTE_DMA_OP_FLAG_SUBMIT,
            )
        };
        assert!(r >= 0);
        self.wait()
    }

    fn fill(&self, pattern: u64, dst: u64, len: u32) -> rte_dma_status_code {
        // SAFETY: as above.
        let r = unsafe {
            self.fp.fill.unwrap()(
                self.fp.dev_private,
                self.vchan,
                pattern,
                dst,
                len,
                RTE_DMA_OP_FLAG_SUBMIT,
            )
        };
        assert!(r >= 0);
        self.wait()
    }

    fn copy_sg(&self, src: &[rte_dma_sge], dst: &[rte_dma_sge]) -> rte_dma_status_code {
        // SAFETY: as above; the lists are valid arrays.
        let r = unsafe {
            self.fp.copy_sg.unwrap()(
                self.fp.dev_private,
                self.vchan,
                src.as_ptr(),
                dst.as_ptr(),
                src.len() as u16,
                dst.len() as u16,
                RTE_DMA_OP_FLAG_SUBMIT,
            )
        };
        assert!(r >= 0);
        self.wait()
    }
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
    let dir = std::env::temp_dir().join(format!("dmadev-faults-{}", std::process::id()));
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe { std::env::set_var("DMADEV_RUNTIME_DIR", &dir) };
    let name = "dma_interdomain_faults";
    interdomain::probe(name, "").unwrap();
    let dev = api::get_dev_id_by_name(&CString::new(name).unwrap()).unwrap();
    let me = [0x3c; 16];
    let token = [0x11; 16];
    let g = api::group_create(dev, &me, &token, None).unwrap();
    let h = api::group_handler_get(dev, g, &me).unwrap();
    api::configure(
        dev,
        &rte_dma_conf {
            nb_vchans: 2,
            ..Default::default()
        },
    )
    .unwrap();
    let plain = rte_dma_vchan_conf {
        nb_desc: 64,
        ..Default::default()
    };
    api::vchan_setup(dev, 0, &plain).unwrap();
    let mut own = plain;
    own.domain.r#type = rte_dma_inter_domain_type::RTE_DMA_INTER_PROCESS_DOMAIN as u32;
    own.domain.src_handler = h;
    own.domain.dst_handler = h;
    api::vchan_setup(dev, 1, &own).unwrap();
    api::start(dev).unwrap();
    // SAFETY: the table has an entry per possible device id.
    let fp = unsafe { &*registry::rte_dma_fp_objs.add(dev as usize) };
    for vchan in [0, 1] {
        exercise(&Chan { fp, vchan });
    }
    api::stop(dev).unwrap();
    api::group_destroy(dev, g).unwrap();
    api::close(dev).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
