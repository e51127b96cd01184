//! Capability bits, flags and limits, with DPDK 26.11's values.

/// Default (and, until `rte_dma_dev_max` says otherwise, actual) number of device slots.
pub const RTE_DMADEV_DEFAULT_MAX: u16 = 64;
/// Longest device name including its terminating NUL.
pub const RTE_DEV_NAME_MAX_LEN: usize = 64;
/// Cache line size the fast-path table is aligned to.
pub const RTE_CACHE_LINE_SIZE: usize = 64;
/// Highest lcore count (DPDK's build default used for the measured ABI).
pub const RTE_MAX_LCORE: u32 = 16;
/// Length of a UUID in its text form, with the NUL.
pub const RTE_UUID_STRLEN: usize = 37;

pub const RTE_DMA_CAPA_MEM_TO_MEM: u64 = 0x1;
pub const RTE_DMA_CAPA_MEM_TO_DEV: u64 = 0x2;
pub const RTE_DMA_CAPA_DEV_TO_MEM: u64 = 0x4;
pub const RTE_DMA_CAPA_DEV_TO_DEV: u64 = 0x8;
pub const RTE_DMA_CAPA_SVA: u64 = 0x10;
pub const RTE_DMA_CAPA_SILENT: u64 = 0x20;
pub const RTE_DMA_CAPA_HANDLES_ERRORS: u64 = 0x40;
pub const RTE_DMA_CAPA_M2D_AUTO_FREE: u64 = 0x80;
pub const RTE_DMA_CAPA_PRI_POLICY_SP: u64 = 0x100;
pub const RTE_DMA_CAPA_INTER_PROCESS_DOMAIN: u64 = 0x200;
pub const RTE_DMA_CAPA_INTER_OS_DOMAIN: u64 = 0x400;
pub const RTE_DMA_CAPA_OPS_COPY: u64 = 0x100000000;
pub const RTE_DMA_CAPA_OPS_COPY_SG: u64 = 0x200000000;
pub const RTE_DMA_CAPA_OPS_FILL: u64 = 0x400000000;
pub const RTE_DMA_CAPA_OPS_ENQ_DEQ: u64 = 0x800000000;

pub const RTE_DMA_CFG_FLAG_SILENT: u64 = 0x1;
pub const RTE_DMA_CFG_FLAG_ENQ_DEQ: u64 = 0x2;

pub const RTE_DMA_OP_FLAG_FENCE: u64 = 0x1;
pub const RTE_DMA_OP_FLAG_SUBMIT: u64 = 0x2;
pub const RTE_DMA_OP_FLAG_LLC: u64 = 0x4;
pub const RTE_DMA_OP_FLAG_AUTO_FREE: u64 = 0x8;

/// `vchan` value meaning "every vchan" for the stats calls.
pub const RTE_DMA_ALL_VCHAN: u16 = 0xFFFF;
