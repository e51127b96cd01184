//! Capability bits, flags and limits, with DPDK 26.11's values.

/// Default (and, until `rte_dma_dev_max` says otherwise, actual) number of device slots.
pub const RTE_DMADEV_DEFAULT_MAX: u16 = 64;

pub const RTE_DMA_CAPA_MEM_TO_MEM: u64 = 1u64 << 0;
pub const RTE_DMA_CAPA_MEM_TO_DEV: u64 = 1u64 << 1;
pub const RTE_DMA_CAPA_DEV_TO_MEM: u64 = 1u64 << 2;
pub const RTE_DMA_CAPA_DEV_TO_DEV: u64 = 1u64 << 3;
pub const RTE_DMA_CAPA_SVA: u64 = 1u64 << 4;
pub const RTE_DMA_CAPA_SILENT: u64 = 1u64 << 5;
pub const RTE_DMA_CAPA_HANDLES_ERRORS: u64 = 1u64 << 6;
pub const RTE_DMA_CAPA_M2D_AUTO_FREE: u64 = 1u64 << 7;
pub const RTE_DMA_CAPA_PRI_POLICY_SP: u64 = 1u64 << 8;
pub const RTE_DMA_CAPA_INTER_PROCESS_DOMAIN: u64 = 1u64 << 9;
pub const RTE_DMA_CAPA_INTER_OS_DOMAIN: u64 = 1u64 << 10;
pub const RTE_DMA_CAPA_OPS_COPY: u64 = 1u64 << 32;
pub const RTE_DMA_CAPA_OPS_COPY_SG: u64 = 1u64 << 33;
pub const RTE_DMA_CAPA_OPS_FILL: u64 = 1u64 << 34;
pub const RTE_DMA_CAPA_OPS_ENQ_DEQ: u64 = 1u64 << 35;

pub const RTE_DMA_CFG_FLAG_SILENT: u64 = 1u64 << 0;
pub const RTE_DMA_CFG_FLAG_ENQ_DEQ: u64 = 1u64 << 1;

pub const RTE_DMA_OP_FLAG_FENCE: u64 = 1u64 << 0;
pub const RTE_DMA_OP_FLAG_SUBMIT: u64 = 1u64 << 1;
pub const RTE_DMA_OP_FLAG_LLC: u64 = 1u64 << 2;
pub const RTE_DMA_OP_FLAG_AUTO_FREE: u64 = 1u64 << 3;

/// `vchan` value meaning "every vchan" for the stats calls.
pub const RTE_DMA_ALL_VCHAN: u16 = 0xFFFF;
