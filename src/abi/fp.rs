//! `rte_dmadev_core.h`: the fast-path table entry and its function types.
use super::common::rte_iova_t;
use super::types::*;
use core::ffi::{c_int, c_void};

pub type rte_dma_copy_t = Option<
    unsafe extern "C" fn(
        dev_private: *mut c_void,
        vchan: u16,
        src: rte_iova_t,
        dst: rte_iova_t,
        length: u32,
        flags: u64,
    ) -> c_int,
>;
pub type rte_dma_copy_sg_t = Option<
    unsafe extern "C" fn(
        dev_private: *mut c_void,
        vchan: u16,
        src: *const rte_dma_sge,
        dst: *const rte_dma_sge,
        nb_src: u16,
        nb_dst: u16,
        flags: u64,
    ) -> c_int,
>;
pub type rte_dma_fill_t = Option<
    unsafe extern "C" fn(
        dev_private: *mut c_void,
        vchan: u16,
        pattern: u64,
        dst: rte_iova_t,
        length: u32,
        flags: u64,
    ) -> c_int,
>;
pub type rte_dma_submit_t =
    Option<unsafe extern "C" fn(dev_private: *mut c_void, vchan: u16) -> c_int>;
pub type rte_dma_completed_t = Option<
    unsafe extern "C" fn(
        dev_private: *mut c_void,
        vchan: u16,
        nb_cpls: u16,
        last_idx: *mut u16,
        has_error: *mut bool,
    ) -> u16,
>;
pub type rte_dma_completed_status_t = Option<
    unsafe extern "C" fn(
        dev_private: *mut c_void,
        vchan: u16,
        nb_cpls: u16,
        last_idx: *mut u16,
        status: *mut rte_dma_status_code_raw,
    ) -> u16,
>;
pub type rte_dma_burst_capacity_t =
    Option<unsafe extern "C" fn(dev_private: *const c_void, vchan: u16) -> u16>;
pub type rte_dma_enqueue_ops_t = Option<
    unsafe extern "C" fn(
        dev_private: *mut c_void,
        vchan: u16,
        ops: *mut *mut rte_dma_op,
        nb_ops: u16,
    ) -> u16,
>;
pub type rte_dma_dequeue_ops_t = Option<
    unsafe extern "C" fn(
        dev_private: *mut c_void,
        vchan: u16,
        ops: *mut *mut rte_dma_op,
        nb_ops: u16,
    ) -> u16,
>;

/// One device's entry in the fast-path table `rte_dma_fp_objs`: what DPDK's inline
/// `rte_dma_copy` and friends read, so it must stay exactly 128 bytes in this order.
#[repr(C, align(64))]
#[derive(Clone, Copy)]
pub struct rte_dma_fp_object {
    /// Driver data handed back to every fast-path call.
    pub dev_private: *mut c_void,
    pub copy: rte_dma_copy_t,
    pub copy_sg: rte_dma_copy_sg_t,
    pub fill: rte_dma_fill_t,
    pub submit: rte_dma_submit_t,
    pub completed: rte_dma_completed_t,
    pub completed_status: rte_dma_completed_status_t,
    pub burst_capacity: rte_dma_burst_capacity_t,
    pub enqueue: rte_dma_enqueue_ops_t,
    pub dequeue: rte_dma_dequeue_ops_t,
}

#[cfg(test)]
mod layout_tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn fp_object_matches_dpdk() {
        assert_eq!(size_of::<rte_dma_fp_object>(), 128);
        assert_eq!(align_of::<rte_dma_fp_object>(), 64);
        assert_eq!(offset_of!(rte_dma_fp_object, copy), 8);
        assert_eq!(offset_of!(rte_dma_fp_object, completed), 40);
        assert_eq!(offset_of!(rte_dma_fp_object, dequeue), 72);
    }
}
