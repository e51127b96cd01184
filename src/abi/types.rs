//! Public structures and enumerations of `rte_dmadev.h`.
use super::common::rte_iova_t;
use core::ffi::{c_char, c_uchar};

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rte_dma_direction {
    RTE_DMA_DIR_MEM_TO_MEM = 0,
    RTE_DMA_DIR_MEM_TO_DEV = 1,
    RTE_DMA_DIR_DEV_TO_MEM = 2,
    RTE_DMA_DIR_DEV_TO_DEV = 3,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rte_dma_port_type {
    RTE_DMA_PORT_NONE = 0,
    RTE_DMA_PORT_PCIE = 1,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rte_dma_inter_domain_type {
    RTE_DMA_INTER_DOMAIN_NONE = 0,
    RTE_DMA_INTER_PROCESS_DOMAIN = 1,
    RTE_DMA_INTER_OS_DOMAIN = 2,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rte_dma_vchan_status {
    /// Not processing, awaiting operations.
    RTE_DMA_VCHAN_IDLE = 0,
    /// Currently processing operations.
    RTE_DMA_VCHAN_ACTIVE = 1,
    /// Halted by an error; accepts no new operations.
    RTE_DMA_VCHAN_HALTED_ERROR = 2,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rte_dma_access_pair_group_event_type {
    /// A member left the group (creator and joiners are told).
    RTE_DMA_GROUP_EVENT_MEMBER_LEFT = 0,
    /// The group was destroyed (joiners are told).
    RTE_DMA_GROUP_EVENT_GROUP_DESTROYED = 1,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rte_dma_status_code {
    RTE_DMA_STATUS_SUCCESSFUL = 0,
    RTE_DMA_STATUS_USER_ABORT = 1,
    RTE_DMA_STATUS_NOT_ATTEMPTED = 2,
    RTE_DMA_STATUS_INVALID_SRC_ADDR = 3,
    RTE_DMA_STATUS_INVALID_DST_ADDR = 4,
    RTE_DMA_STATUS_INVALID_ADDR = 5,
    RTE_DMA_STATUS_INVALID_LENGTH = 6,
    RTE_DMA_STATUS_INVALID_OPCODE = 7,
    RTE_DMA_STATUS_BUS_READ_ERROR = 8,
    RTE_DMA_STATUS_BUS_WRITE_ERROR = 9,
    RTE_DMA_STATUS_BUS_ERROR = 10,
    RTE_DMA_STATUS_DATA_POISION = 11,
    RTE_DMA_STATUS_DESCRIPTOR_READ_ERROR = 12,
    RTE_DMA_STATUS_DEV_LINK_ERROR = 13,
    RTE_DMA_STATUS_PAGE_FAULT = 14,
    RTE_DMA_STATUS_ERROR_UNKNOWN = 0x100,
}

/// Storage of an `enum rte_dma_direction` field (any 32-bit value a C caller wrote).
pub type rte_dma_direction_raw = u32;
/// Storage of an `enum rte_dma_port_type` field.
pub type rte_dma_port_type_raw = u32;
/// Storage of an `enum rte_dma_inter_domain_type` field.
pub type rte_dma_inter_domain_type_raw = u32;
/// Storage of an `enum rte_dma_status_code` field.
pub type rte_dma_status_code_raw = u32;

pub use super::mempool::rte_mempool;

/// Device information, filled by `rte_dma_info_get`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rte_dma_info {
    /// Unique device name (owned by the library).
    pub dev_name: *const c_char,
    /// Capabilities, `RTE_DMA_CAPA_*`.
    pub dev_capa: u64,
    pub max_vchans: u16,
    pub max_desc: u16,
    pub min_desc: u16,
    /// Most source or destination segments one `rte_dma_copy_sg` may take.
    pub max_sges: u16,
    /// NUMA node, -1 if unknown.
    pub numa_node: i16,
    /// Number of vchans configured.
    pub nb_vchans: u16,
    /// Priority levels (> 1) with `RTE_DMA_CAPA_PRI_POLICY_SP`, else 0.
    pub nb_priorities: u16,
}

impl Default for rte_dma_info {
    fn default() -> Self {
        Self {
            dev_name: core::ptr::null(),
            dev_capa: 0,
            max_vchans: 0,
            max_desc: 0,
            min_desc: 0,
            max_sges: 0,
            numa_node: 0,
            nb_vchans: 0,
            nb_priorities: 0,
        }
    }
}

/// Device configuration given to `rte_dma_configure`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rte_dma_conf {
    pub nb_vchans: u16,
    /// Device priority, below `nb_priorities`; 0 without priority scheduling.
    pub priority: u16,
    /// `RTE_DMA_CFG_FLAG_*`.
    pub flags: u64,
}

/// PCIe access-port parameters: 70 bits of fields over 16 bytes; `val` aliases the
/// first 64 bits. The named bit-fields are added to the C union by the header generator.
#[repr(C)]
#[derive(Clone, Copy)]
pub union rte_dma_port_pcie {
    pub val: u64,
    pub raw: [u64; 2],
}

/// Access port of a device-side transfer.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct rte_dma_port_param {
    pub port_type: rte_dma_port_type_raw,
    pub pcie: rte_dma_port_pcie,
    pub reserved: [u64; 2],
}

/// Mempool handle the hardware frees memory-to-device buffers to.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rte_dma_auto_free_m2d {
    pub pool: *mut rte_mempool,
}

/// Auto-free parameters of a vchan.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rte_dma_auto_free_param {
    pub m2d: rte_dma_auto_free_m2d,
    pub reserved: [u64; 2],
}

/// Inter-process / inter-OS parameters of a vchan (DPDK 25.11).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct rte_dma_inter_domain_param {
    pub r#type: rte_dma_inter_domain_type_raw,
    /// Handler of the domain whose memory the source addresses name.
    pub src_handler: u16,
    /// Handler of the domain whose memory the destination addresses name.
    pub dst_handler: u16,
    pub reserved: [u64; 2],
}

/// Virtual channel configuration given to `rte_dma_vchan_setup`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct rte_dma_vchan_conf {
    pub direction: rte_dma_direction_raw,
    pub nb_desc: u16,
    pub src_port: rte_dma_port_param,
    pub dst_port: rte_dma_port_param,
    pub auto_free: rte_dma_auto_free_param,
    pub domain: rte_dma_inter_domain_param,
}

impl Default for rte_dma_vchan_conf {
    fn default() -> Self {
        let port = rte_dma_port_param {
            port_type: 0,
            pcie: rte_dma_port_pcie { raw: [0; 2] },
            reserved: [0; 2],
        };
        Self {
            direction: 0,
            nb_desc: 0,
            src_port: port,
            dst_port: port,
            auto_free: rte_dma_auto_free_param {
                m2d: rte_dma_auto_free_m2d {
                    pool: core::ptr::null_mut(),
                },
                reserved: [0; 2],
            },
            domain: rte_dma_inter_domain_param::default(),
        }
    }
}

/// Per-vchan (or whole-device) counters.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rte_dma_stats {
    /// Operations submitted to the engine.
    pub submitted: u64,
    /// Operations completed, successfully or not.
    pub completed: u64,
    /// Operations that failed.
    pub errors: u64,
}

/// One scatter-gather segment.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rte_dma_sge {
    pub addr: rte_iova_t,
    pub length: u32,
}

/// An operation for `rte_dma_enqueue_ops`. In C it ends with the flexible array
/// `struct rte_dma_sge src_dst_seg[]` (`nb_src` sources then `nb_dst` destinations),
/// which starts right after this 64-byte header.
#[repr(C)]
#[derive(Debug)]
pub struct rte_dma_op {
    /// `RTE_DMA_OP_FLAG_*`.
    pub flags: u64,
    /// The pool the op came from.
    pub op_mp: *mut rte_mempool,
    pub status: rte_dma_status_code_raw,
    pub rsvd: u32,
    /// Owned by the device between enqueue and dequeue.
    pub impl_opaque: [u64; 2],
    pub user_meta: u64,
    pub event_meta: u64,
    pub dma_dev_id: i16,
    pub vchan: u16,
    pub nb_src: u16,
    pub nb_dst: u16,
}

/// Callback told of access-pair-group membership changes.
pub type rte_dma_access_pair_group_event_cb_t = Option<
    unsafe extern "C" fn(
        dev_id: i16,
        group_id: i16,
        domain_id: *mut c_uchar,
        event: rte_dma_access_pair_group_event_type,
    ),
>;

impl rte_dma_status_code {
    /// The enumerator whose value is `raw`, if one is.
    pub fn from_raw(raw: rte_dma_status_code_raw) -> Option<rte_dma_status_code> {
        use rte_dma_status_code::*;
        const ALL: [rte_dma_status_code; 16] = [
            RTE_DMA_STATUS_SUCCESSFUL,
            RTE_DMA_STATUS_USER_ABORT,
            RTE_DMA_STATUS_NOT_ATTEMPTED,
            RTE_DMA_STATUS_INVALID_SRC_ADDR,
            RTE_DMA_STATUS_INVALID_DST_ADDR,
            RTE_DMA_STATUS_INVALID_ADDR,
            RTE_DMA_STATUS_INVALID_LENGTH,
            RTE_DMA_STATUS_INVALID_OPCODE,
            RTE_DMA_STATUS_BUS_READ_ERROR,
            RTE_DMA_STATUS_BUS_WRITE_ERROR,
            RTE_DMA_STATUS_BUS_ERROR,
            RTE_DMA_STATUS_DATA_POISION,
            RTE_DMA_STATUS_DESCRIPTOR_READ_ERROR,
            RTE_DMA_STATUS_DEV_LINK_ERROR,
            RTE_DMA_STATUS_PAGE_FAULT,
            RTE_DMA_STATUS_ERROR_UNKNOWN,
        ];
        ALL.into_iter().find(|&s| s as u32 == raw)
    }
}

#[cfg(test)]
mod layout_tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn sizes_match_dpdk() {
        assert_eq!(size_of::<rte_dma_info>(), 32);
        assert_eq!(size_of::<rte_dma_conf>(), 16);
        assert_eq!(size_of::<rte_dma_port_param>(), 40);
        assert_eq!(size_of::<rte_dma_auto_free_param>(), 24);
        assert_eq!(size_of::<rte_dma_inter_domain_param>(), 24);
        assert_eq!(size_of::<rte_dma_vchan_conf>(), 136);
        assert_eq!(size_of::<rte_dma_stats>(), 24);
        assert_eq!(size_of::<rte_dma_sge>(), 16);
        assert_eq!(size_of::<rte_dma_op>(), 64);
        assert_eq!(size_of::<rte_dma_direction>(), 4);
        assert_eq!(size_of::<rte_dma_status_code>(), 4);
        assert_eq!(size_of::<crate::abi::rte_uuid_t>(), 16);
        assert_eq!(align_of::<rte_dma_vchan_conf>(), 8);
    }

    #[test]
    fn offsets_match_dpdk() {
        assert_eq!(offset_of!(rte_dma_info, numa_node), 24);
        assert_eq!(offset_of!(rte_dma_info, nb_priorities), 28);
        assert_eq!(offset_of!(rte_dma_conf, flags), 8);
        assert_eq!(offset_of!(rte_dma_port_param, pcie), 8);
        assert_eq!(offset_of!(rte_dma_port_param, reserved), 24);
        assert_eq!(offset_of!(rte_dma_vchan_conf, src_port), 8);
        assert_eq!(offset_of!(rte_dma_vchan_conf, dst_port), 48);
        assert_eq!(offset_of!(rte_dma_vchan_conf, auto_free), 88);
        assert_eq!(offset_of!(rte_dma_vchan_conf, domain), 112);
        assert_eq!(offset_of!(rte_dma_inter_domain_param, src_handler), 4);
        assert_eq!(offset_of!(rte_dma_inter_domain_param, dst_handler), 6);
        assert_eq!(offset_of!(rte_dma_inter_domain_param, reserved), 8);
        assert_eq!(offset_of!(rte_dma_op, status), 16);
        assert_eq!(offset_of!(rte_dma_op, impl_opaque), 24);
        assert_eq!(offset_of!(rte_dma_op, dma_dev_id), 56);
        assert_eq!(offset_of!(rte_dma_op, nb_dst), 62);
    }
}
