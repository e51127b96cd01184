//! A started device's vchans, driven through its entry of the fast-path table as an
//! application's inline code drives them, one operation at a time.
use super::DEADLINE;
use dmadev::abi::*;
use dmadev::{api, registry};
use std::time::Instant;

/// The fast-path entry of the registered device `dev`.
pub fn fp_entry(dev: i16) -> &'static rte_dma_fp_object {
    assert!(registry::is_valid(dev), "device {dev} is not registered");
    // SAFETY: a registered device's id is inside the table, which is never freed.
    unsafe { &*registry::rte_dma_fp_objs.add(dev as usize) }
}

/// A vchan of `nb_desc` descriptors within this process's memory.
pub fn local(nb_desc: u16) -> rte_dma_vchan_conf {
    rte_dma_vchan_conf {
        nb_desc,
        ..Default::default()
    }
}

/// A vchan of 64 descriptors from group member `src`'s memory to member `dst`'s
/// (handlers; 0 is this process), across process or OS domains.
pub fn between(kind: rte_dma_inter_domain_type, src: u16, dst: u16) -> rte_dma_vchan_conf {
    let mut vc = local(64);
    vc.domain.r#type = kind as u32;
    vc.domain.src_handler = src;
    vc.domain.dst_handler = dst;
    vc
}

/// Configures the stopped device `dev` with the vchans `confs` and starts it.
pub fn start<const N: usize>(dev: i16, confs: [rte_dma_vchan_conf; N]) -> [Chan; N] {
    api::configure(
        dev,
        &rte_dma_conf {
            nb_vchans: N as u16,
            ..Default::default()
        },
    )
    .unwrap();
    for (vchan, conf) in confs.iter().enumerate() {
        api::vchan_setup(dev, vchan as u16, conf).unwrap();
    }
    api::start(dev).unwrap();
    core::array::from_fn(|vchan| Chan::of(dev, vchan as u16))
}

/// One vchan of a started device. Its operations are submitted at once; the
/// addresses are what the tests try, the device checks them (HANDLES_ERRORS).
#[derive(Clone, Copy)]
pub struct Chan {
    pub fp: &'static rte_dma_fp_object,
    pub vchan: u16,
}

impl Chan {
    pub fn of(dev: i16, vchan: u16) -> Chan {
        Chan {
            fp: fp_entry(dev),
            vchan,
        }
    }

    /// Enqueues a copy; the operation's index, or a negative errno.
    pub fn enqueue_copy(&self, src: u64, dst: u64, len: u32) -> i32 {
        // SAFETY: the device's own entry; the device checks the addresses.
        unsafe {
            self.fp.copy.unwrap()(
                self.fp.dev_private,
                self.vchan,
                src,
                dst,
                len,
                RTE_DMA_OP_FLAG_SUBMIT,
            )
        }
    }

    /// Enqueues a fill; the operation's index, or a negative errno.
    pub fn enqueue_fill(&self, pattern: u64, dst: u64, len: u32) -> i32 {
        // SAFETY: as in `enqueue_copy`.
        unsafe {
            self.fp.fill.unwrap()(
                self.fp.dev_private,
                self.vchan,
                pattern,
                dst,
                len,
                RTE_DMA_OP_FLAG_SUBMIT,
            )
        }
    }

    /// Enqueues a scatter-gather copy; the operation's index, or a negative errno.
    pub fn enqueue_copy_sg(&self, src: &[rte_dma_sge], dst: &[rte_dma_sge]) -> i32 {
        // SAFETY: as in `enqueue_copy`; the lists are arrays of their lengths that
        // live across the call.
        unsafe {
            self.fp.copy_sg.unwrap()(
                self.fp.dev_private,
                self.vchan,
                src.as_ptr(),
                dst.as_ptr(),
                src.len() as u16,
                dst.len() as u16,
                RTE_DMA_OP_FLAG_SUBMIT,
            )
        }
    }

    /// The status of the next operation to complete (`rte_dma_completed_status`),
    /// within `DEADLINE`.
    pub fn wait(&self) -> rte_dma_status_code {
        let deadline = Instant::now() + DEADLINE;
        let mut st = [0; 1];
        let mut last = 0u16;
        // SAFETY: the device's own entry, with valid out pointers for one status.
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
            std::thread::yield_now();
        }
        rte_dma_status_code::from_raw(st[0]).expect("a declared status")
    }

    /// Waits, within `DEADLINE`, for the next operation to complete through
    /// `rte_dma_completed` (which reports no status), and returns its index.
    pub fn wait_completed(&self) -> u16 {
        let deadline = Instant::now() + DEADLINE;
        let mut last = 0u16;
        // SAFETY: the device's own entry; a valid out pointer, and none for the error.
        while unsafe {
            self.fp.completed.unwrap()(
                self.fp.dev_private,
                self.vchan,
                1,
                &mut last,
                core::ptr::null_mut(),
            )
        } == 0
        {
            assert!(Instant::now() < deadline, "operation never completed");
            std::thread::yield_now();
        }
        last
    }

    /// A copy, enqueued and waited for: its status.
    pub fn copy(&self, src: u64, dst: u64, len: u32) -> rte_dma_status_code {
        let r = self.enqueue_copy(src, dst, len);
        assert!(r >= 0, "copy enqueue {r}");
        self.wait()
    }

    /// A fill, enqueued and waited for: its status.
    pub fn fill(&self, pattern: u64, dst: u64, len: u32) -> rte_dma_status_code {
        let r = self.enqueue_fill(pattern, dst, len);
        assert!(r >= 0, "fill enqueue {r}");
        self.wait()
    }

    /// A scatter-gather copy, enqueued and waited for: its status.
    pub fn copy_sg(&self, src: &[rte_dma_sge], dst: &[rte_dma_sge]) -> rte_dma_status_code {
        let r = self.enqueue_copy_sg(src, dst);
        assert!(r >= 0, "copy_sg enqueue {r}");
        self.wait()
    }
}
