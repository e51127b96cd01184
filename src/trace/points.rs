//! The trace points: DPDK's 19 `lib.dmadev.*` with its field names, types and order,
//! and five for the access-pair-group calls (DPDK declares but never emits those).
#![allow(non_upper_case_globals)]
use super::{Field, TracePoint, Ty::*};
use core::sync::atomic::AtomicU64;

// The fast-path enable words, exported under DPDK's names (`rte_trace_point_t`):
// DPDK's inline fast path reads them; our exported functions do too.
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_copy: u64 = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_copy_sg: u64 = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_fill: u64 = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_submit: u64 = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_completed: u64 = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_completed_status: u64 = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_burst_capacity: u64 = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_enqueue_ops: u64 = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_dequeue_ops: u64 = 0;

/// The enable word behind an exported `static mut u64`.
const fn word(p: *mut u64) -> super::Word {
    super::Word::Exported(p)
}

macro_rules! slow {
    ($name:ident) => {
        static $name: AtomicU64 = AtomicU64::new(0);
    };
}
slow!(W_INFO_GET);
slow!(W_CONFIGURE);
slow!(W_START);
slow!(W_STOP);
slow!(W_CLOSE);
slow!(W_VCHAN_SETUP);
slow!(W_STATS_GET);
slow!(W_STATS_RESET);
slow!(W_VCHAN_STATUS);
slow!(W_DUMP);
slow!(W_GROUP_CREATE);
slow!(W_GROUP_DESTROY);
slow!(W_GROUP_JOIN);
slow!(W_GROUP_LEAVE);
slow!(W_GROUP_HANDLER_GET);

const fn f(name: &'static str, ty: super::Ty) -> Field {
    Field { name, ty }
}

pub static INFO_GET: TracePoint = TracePoint {
    name: "lib.dmadev.info_get",
    word: super::Word::Owned(&W_INFO_GET),
    fields: &[
        f("dev_id", I16),
        f("dev_info_dev_name", Str32),
        f("dev_info_dev_capa", U64),
        f("dev_info_max_vchans", U16),
        f("dev_info_max_desc", U16),
        f("dev_info_min_desc", U16),
        f("dev_info_max_sges", U16),
        f("dev_info_numa_node", I16),
        f("dev_info_nb_vchans", U16),
        f("dev_info_nb_priorities", U16),
    ],
};
pub static CONFIGURE: TracePoint = TracePoint {
    name: "lib.dmadev.configure",
    word: super::Word::Owned(&W_CONFIGURE),
    fields: &[
        f("dev_id", I16),
        f("dev_conf_nb_vchans", U16),
        f("dev_conf_priority", U16),
        f("dev_conf_flags", U64),
        f("ret", I32),
    ],
};
pub static START: TracePoint = TracePoint {
    name: "lib.dmadev.start",
    word: super::Word::Owned(&W_START),
    fields: &[f("dev_id", I16), f("ret", I32)],
};
pub static STOP: TracePoint = TracePoint {
    name: "lib.dmadev.stop",
    word: super::Word::Owned(&W_STOP),
    fields: &[f("dev_id", I16), f("ret", I32)],
};
pub static CLOSE: TracePoint = TracePoint {
    name: "lib.dmadev.close",
    word: super::Word::Owned(&W_CLOSE),
    fields: &[f("dev_id", I16), f("ret", I32)],
};
pub static VCHAN_SETUP: TracePoint = TracePoint {
    name: "lib.dmadev.vchan_setup",
    word: super::Word::Owned(&W_VCHAN_SETUP),
    fields: &[
        f("dev_id", I16),
        f("vchan", U16),
        f("conf_direction", I32),
        f("conf_nb_desc", U16),
        f("conf_src_port_port_type", I32),
        f("conf_src_port_pcie_val", U64),
        f("conf_dst_port_port_type", I32),
        f("conf_dst_port_pcie_val", U64),
        f("conf_auto_free_m2d_pool", Ptr),
        f("conf_domain_type", I32),
        f("conf_domain_src_handler", U16),
        f("conf_domain_dst_handler", U16),
        f("ret", I32),
    ],
};
pub static STATS_GET: TracePoint = TracePoint {
    name: "lib.dmadev.stats_get",
    word: super::Word::Owned(&W_STATS_GET),
    fields: &[
        f("dev_id", I16),
        f("vchan", U16),
        f("stats_submitted", U64),
        f("stats_completed", U64),
        f("stats_errors", U64),
        f("ret", I32),
    ],
};
pub static STATS_RESET: TracePoint = TracePoint {
    name: "lib.dmadev.stats_reset",
    word: super::Word::Owned(&W_STATS_RESET),
    fields: &[f("dev_id", I16), f("vchan", U16), f("ret", I32)],
};
pub static VCHAN_STATUS: TracePoint = TracePoint {
    name: "lib.dmadev.vchan_status",
    word: super::Word::Owned(&W_VCHAN_STATUS),
    fields: &[
        f("dev_id", I16),
        f("vchan", U16),
        f("status_val", I32),
        f("ret", I32),
    ],
};
pub static DUMP: TracePoint = TracePoint {
    name: "lib.dmadev.dump",
    word: super::Word::Owned(&W_DUMP),
    fields: &[f("dev_id", I16), f("f", Ptr), f("ret", I32)],
};
pub static COPY: TracePoint = TracePoint {
    name: "lib.dmadev.copy",
    word: word(&raw mut __rte_dma_trace_copy),
    fields: &[
        f("dev_id", I16),
        f("vchan", U16),
        f("src", U64),
        f("dst", U64),
        f("length", U32),
        f("flags", U64),
        f("ret", I32),
    ],
};
pub static COPY_SG: TracePoint = TracePoint {
    name: "lib.dmadev.copy_sg",
    word: word(&raw mut __rte_dma_trace_copy_sg),
    fields: &[
        f("dev_id", I16),
        f("vchan", U16),
        f("src", Ptr),
        f("dst", Ptr),
        f("nb_src", U16),
        f("nb_dst", U16),
        f("flags", U64),
        f("ret", I32),
    ],
};
pub static FILL: TracePoint = TracePoint {
    name: "lib.dmadev.fill",
    word: word(&raw mut __rte_dma_trace_fill),
    fields: &[
        f("dev_id", I16),
        f("vchan", U16),
        f("pattern", U64),
        f("dst", U64),
        f("length", U32),
        f("flags", U64),
        f("ret", I32),
    ],
};
pub static SUBMIT: TracePoint = TracePoint {
    name: "lib.dmadev.submit",
    word: word(&raw mut __rte_dma_trace_submit),
    fields: &[f("dev_id", I16), f("vchan", U16), f("ret", I32)],
};
pub static COMPLETED: TracePoint = TracePoint {
    name: "lib.dmadev.completed",
    word: word(&raw mut __rte_dma_trace_completed),
    fields: &[
        f("dev_id", I16),
        f("vchan", U16),
        f("nb_cpls", U16),
        f("last_idx_val", U16),
        f("has_error_val", U8),
        f("ret", U16),
    ],
};
pub static COMPLETED_STATUS: TracePoint = TracePoint {
    name: "lib.dmadev.completed_status",
    word: word(&raw mut __rte_dma_trace_completed_status),
    fields: &[
        f("dev_id", I16),
        f("vchan", U16),
        f("nb_cpls", U16),
        f("last_idx_val", U16),
        f("status", Ptr),
        f("ret", U16),
    ],
};
pub static BURST_CAPACITY: TracePoint = TracePoint {
    name: "lib.dmadev.burst_capacity",
    word: word(&raw mut __rte_dma_trace_burst_capacity),
    fields: &[f("dev_id", I16), f("vchan", U16), f("ret", U16)],
};
pub static ENQUEUE_OPS: TracePoint = TracePoint {
    name: "lib.dmadev.enqueue_ops",
    word: word(&raw mut __rte_dma_trace_enqueue_ops),
    fields: &[
        f("dev_id", I16),
        f("vchan", U16),
        f("ops", Ptr),
        f("nb_ops", U16),
    ],
};
pub static DEQUEUE_OPS: TracePoint = TracePoint {
    name: "lib.dmadev.dequeue_ops",
    word: word(&raw mut __rte_dma_trace_dequeue_ops),
    fields: &[
        f("dev_id", I16),
        f("vchan", U16),
        f("ops", Ptr),
        f("nb_ops", U16),
    ],
};
pub static GROUP_CREATE: TracePoint = TracePoint {
    name: "lib.dmadev.access_pair_group_create",
    word: super::Word::Owned(&W_GROUP_CREATE),
    fields: &[
        f("dev_id", I16),
        f("domain_id", Uuid),
        // The token is a secret: only whether one was given (non-zero) is traced.
        f("token_set", U8),
        f("group_id", I16),
        f("ret", I32),
    ],
};
pub static GROUP_DESTROY: TracePoint = TracePoint {
    name: "lib.dmadev.access_pair_group_destroy",
    word: super::Word::Owned(&W_GROUP_DESTROY),
    fields: &[f("dev_id", I16), f("group_id", I16), f("ret", I32)],
};
pub static GROUP_JOIN: TracePoint = TracePoint {
    name: "lib.dmadev.access_pair_group_join",
    word: super::Word::Owned(&W_GROUP_JOIN),
    fields: &[
        f("dev_id", I16),
        f("domain_id", Uuid),
        // The token is a secret: only whether one was given (non-zero) is traced.
        f("token_set", U8),
        f("group_id", I16),
        f("ret", I32),
    ],
};
pub static GROUP_LEAVE: TracePoint = TracePoint {
    name: "lib.dmadev.access_pair_group_leave",
    word: super::Word::Owned(&W_GROUP_LEAVE),
    fields: &[f("dev_id", I16), f("group_id", I16), f("ret", I32)],
};
pub static GROUP_HANDLER_GET: TracePoint = TracePoint {
    name: "lib.dmadev.access_pair_group_handler_get",
    word: super::Word::Owned(&W_GROUP_HANDLER_GET),
    fields: &[
        f("dev_id", I16),
        f("group_id", I16),
        f("domain_id", Uuid),
        f("handler", U16),
        f("ret", I32),
    ],
};

/// Every trace point, in registration order (their event ids).
pub static ALL: [&TracePoint; 24] = [
    &INFO_GET,
    &CONFIGURE,
    &START,
    &STOP,
    &CLOSE,
    &VCHAN_SETUP,
    &STATS_GET,
    &STATS_RESET,
    &VCHAN_STATUS,
    &DUMP,
    &COPY,
    &COPY_SG,
    &FILL,
    &SUBMIT,
    &COMPLETED,
    &COMPLETED_STATUS,
    &BURST_CAPACITY,
    &ENQUEUE_OPS,
    &DEQUEUE_OPS,
    &GROUP_CREATE,
    &GROUP_DESTROY,
    &GROUP_JOIN,
    &GROUP_LEAVE,
    &GROUP_HANDLER_GET,
];
