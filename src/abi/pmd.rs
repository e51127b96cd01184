//! `rte_dmadev_pmd.h`: the device structures a C driver fills in.
use super::fp::rte_dma_fp_object;
use super::types::*;
use core::ffi::{c_char, c_int, c_uchar, c_void};

/// EAL's generic device, opaque here.
pub struct rte_device {
    _opaque: [u8; 0],
}

/// A C stdio stream, as the dump callback receives it.
pub type rte_dma_file = libc::FILE;

pub type rte_dma_info_get_t = Option<
    unsafe extern "C" fn(
        dev: *const rte_dma_dev,
        dev_info: *mut rte_dma_info,
        info_sz: u32,
    ) -> c_int,
>;
pub type rte_dma_configure_t = Option<
    unsafe extern "C" fn(
        dev: *mut rte_dma_dev,
        dev_conf: *const rte_dma_conf,
        conf_sz: u32,
    ) -> c_int,
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
pub type rte_dma_stats_reset_t =
    Option<unsafe extern "C" fn(dev: *mut rte_dma_dev, vchan: u16) -> c_int>;
pub type rte_dma_vchan_status_t = Option<
    unsafe extern "C" fn(
        dev: *const rte_dma_dev,
        vchan: u16,
        status: *mut rte_dma_vchan_status,
    ) -> c_int,
>;
pub type rte_dma_dump_t =
    Option<unsafe extern "C" fn(dev: *const rte_dma_dev, f: *mut libc::FILE) -> c_int>;
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
    /// 1 while started, in bit 0. Declared as an `unsigned int` bit-field (standard C,
    /// unlike DPDK's `uint8_t` one) which puts the bit in the same place; the Rust side
    /// only ever changes bit 0.
    /// cbindgen:bitfield=1
    pub dev_started: u32,
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
    use core::mem::{offset_of, size_of};

    #[test]
    fn sizes_match_dpdk() {
        assert_eq!(size_of::<rte_dma_dev_data>(), 128);
        assert_eq!(size_of::<rte_dma_dev>(), 64);
        assert_eq!(size_of::<rte_dma_dev_ops>(), 120);
    }

    #[test]
    fn offsets_match_dpdk() {
        assert_eq!(offset_of!(rte_dma_dev_data, dev_id), 64);
        assert_eq!(offset_of!(rte_dma_dev_data, dev_private), 72);
        assert_eq!(offset_of!(rte_dma_dev_data, dev_conf), 80);
        assert_eq!(offset_of!(rte_dma_dev_data, dev_started), 96);
        assert_eq!(offset_of!(rte_dma_dev_data, reserved), 104);
        assert_eq!(offset_of!(rte_dma_dev, state), 32);
        assert_eq!(offset_of!(rte_dma_dev, reserved), 40);
        assert_eq!(
            offset_of!(rte_dma_dev_ops, access_pair_group_handler_get),
            112
        );
    }
}
