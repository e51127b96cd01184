//! The driver-facing ABI of `rte_dmadev_core.h` and `rte_dmadev_pmd.h`: the fast-path
//! table and the device structures a C driver fills in.
use super::types::*;
use core::ffi::{c_char, c_int, c_uchar, c_void};

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
pub type rte_dma_submit_t = Option<unsafe extern "C" fn(dev_private: *mut c_void, vchan: u16) -> c_int>;
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
        status: *mut rte_dma_status_code,
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

/// EAL's generic device, opaque here.
#[repr(C)]
pub struct rte_device {
    _opaque: [u8; 0],
}

/// A C stdio stream, as the dump callback receives it.
pub type rte_dma_file = libc::FILE;

pub type rte_dma_info_get_t = Option<
    unsafe extern "C" fn(dev: *const rte_dma_dev, dev_info: *mut rte_dma_info, info_sz: u32) -> c_int,
>;
pub type rte_dma_configure_t = Option<
    unsafe extern "C" fn(dev: *mut rte_dma_dev, dev_conf: *const rte_dma_conf, conf_sz: u32) -> c_int,
>;
pub type rte_dma_start_t = Option<unsafe extern "C" fn(dev: *mut rte_dma_dev) -> c_int>;
pub type rte_dma_stop_t = Option<unsafe extern "C" fn(dev: *mut rte_dma_dev) -> c_int>;
pub type rte_dma_close_t = Option<unsafe extern "C" fn(dev: *mut rte_dma_dev) -> c_int>;
pub type rte_dma_vchan_setup_t = Option<
    unsafe extern "C" fn(
        dev: *mut rte_dma_dev,
        vchan: u16,
        conf: *const rte_dma_vchan_conf,
        conf_sz: u32,
    ) -> c_int,
>;
pub type rte_dma_stats_get_t = Option<
    unsafe extern "C" fn(
        dev: *const rte_dma_dev,
        vchan: u16,
        stats: *mut rte_dma_stats,
        stats_sz: u32,
    ) -> c_int,
>;
pub type rte_dma_stats_reset_t = Option<unsafe extern "C" fn(dev: *mut rte_dma_dev, vchan: u16) -> c_int>;
pub type rte_dma_vchan_status_t = Option<
    unsafe extern "C" fn(dev: *const rte_dma_dev, vchan: u16, status: *mut rte_dma_vchan_status) -> c_int,
>;
pub type rte_dma_dump_t = Option<unsafe extern "C" fn(dev: *const rte_dma_dev, f: *mut libc::FILE) -> c_int>;
pub type rte_dma_access_pair_group_create_t = Option<
    unsafe extern "C" fn(
        dev: *const rte_dma_dev,
        domain_id: *mut c_uchar,
        token: *mut c_uchar,
        group_id: *mut i16,
        cb: rte_dma_access_pair_group_event_cb_t,
    ) -> c_int,
>;
pub type rte_dma_access_pair_group_destroy_t =
    Option<unsafe extern "C" fn(dev: *const rte_dma_dev, group_id: i16) -> c_int>;
pub type rte_dma_access_pair_group_join_t = Option<
    unsafe extern "C" fn(
        dev: *const rte_dma_dev,
        domain_id: *mut c_uchar,
        token: *mut c_uchar,
        group_id: i16,
        cb: rte_dma_access_pair_group_event_cb_t,
    ) -> c_int,
>;
pub type rte_dma_access_pair_group_leave_t =
    Option<unsafe extern "C" fn(dev: *const rte_dma_dev, group_id: i16) -> c_int>;
pub type rte_dma_access_pair_group_handler_get_t = Option<
    unsafe extern "C" fn(
        dev: *const rte_dma_dev,
        group_id: i16,
        domain_id: *mut c_uchar,
        handler: *mut u16,
    ) -> c_int,
>;

/// Control-path operations of a C driver.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct rte_dma_dev_ops {
    pub dev_info_get: rte_dma_info_get_t,
    pub dev_configure: rte_dma_configure_t,
    pub dev_start: rte_dma_start_t,
    pub dev_stop: rte_dma_stop_t,
    pub dev_close: rte_dma_close_t,
    pub vchan_setup: rte_dma_vchan_setup_t,
    pub stats_get: rte_dma_stats_get_t,
    pub stats_reset: rte_dma_stats_reset_t,
    pub vchan_status: rte_dma_vchan_status_t,
    pub dev_dump: rte_dma_dump_t,
    pub access_pair_group_create: rte_dma_access_pair_group_create_t,
    pub access_pair_group_destroy: rte_dma_access_pair_group_destroy_t,
    pub access_pair_group_join: rte_dma_access_pair_group_join_t,
    pub access_pair_group_leave: rte_dma_access_pair_group_leave_t,
    pub access_pair_group_handler_get: rte_dma_access_pair_group_handler_get_t,
}

/// Device data shared with drivers.
#[repr(C, align(64))]
pub struct rte_dma_dev_data {
    /// Unique name, NUL-terminated.
    pub dev_name: [c_char; 64],
    pub dev_id: i16,
    /// NUMA node, -1 if unknown.
    pub numa_node: i16,
    /// Driver data (`private_data_size` bytes, zeroed, cache aligned).
    pub dev_private: *mut c_void,
    /// Configuration accepted by the last successful `rte_dma_configure`.
    pub dev_conf: rte_dma_conf,
    /// 1 while started, in bit 0.
    /// cbindgen:bitfield="1"
    pub dev_started: u8,
    pub reserved: [u64; 2],
}

/// Lifecycle state of a device slot.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rte_dma_dev_state {
    /// The slot is free.
    RTE_DMA_DEV_UNUSED = 0,
    /// Allocated by a driver that is still setting it up.
    RTE_DMA_DEV_REGISTERED = 1,
    /// Ready for use (set by the driver).
    RTE_DMA_DEV_READY = 2,
}
/// Storage of an `enum rte_dma_dev_state` field.
pub type rte_dma_dev_state_raw = u32;

/// A device slot as drivers see it.
#[repr(C, align(64))]
pub struct rte_dma_dev {
    /// The EAL device it came from, if any.
    pub device: *mut rte_device,
    pub data: *mut rte_dma_dev_data,
    /// This device's entry in `rte_dma_fp_objs`.
    pub fp_obj: *mut rte_dma_fp_object,
    pub dev_ops: *const rte_dma_dev_ops,
    pub state: rte_dma_dev_state_raw,
    pub reserved: [u64; 2],
}

#[cfg(test)]
mod layout_tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn sizes_match_dpdk() {
        assert_eq!(size_of::<rte_dma_fp_object>(), 128);
        assert_eq!(align_of::<rte_dma_fp_object>(), 64);
        assert_eq!(size_of::<rte_dma_dev_data>(), 128);
        assert_eq!(size_of::<rte_dma_dev>(), 64);
        assert_eq!(size_of::<rte_dma_dev_ops>(), 120);
    }

    #[test]
    fn offsets_match_dpdk() {
        assert_eq!(offset_of!(rte_dma_fp_object, copy), 8);
        assert_eq!(offset_of!(rte_dma_fp_object, dequeue), 72);
        assert_eq!(offset_of!(rte_dma_dev_data, dev_id), 64);
        assert_eq!(offset_of!(rte_dma_dev_data, dev_private), 72);
        assert_eq!(offset_of!(rte_dma_dev_data, dev_conf), 80);
        assert_eq!(offset_of!(rte_dma_dev_data, dev_started), 96);
        assert_eq!(offset_of!(rte_dma_dev_data, reserved), 104);
        assert_eq!(offset_of!(rte_dma_dev, state), 32);
        assert_eq!(offset_of!(rte_dma_dev, reserved), 40);
        assert_eq!(offset_of!(rte_dma_dev_ops, access_pair_group_handler_get), 112);
    }
}
