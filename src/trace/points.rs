//! The trace points: DPDK's 19 `lib.dmadev.*` with its field names, types and order,
//! and five for the access-pair-group calls (DPDK declares but never emits those).
//!
//! Each point is described once, in the `points!` invocation below: its module
//! holds the `POINT` (name, enable word, fields, read by the CTF metadata) and an
//! `emit` taking the field values in order, with their types, generated from the
//! same list. Call sites use `trace::emit!(point(values..))`, which evaluates the
//! values only when the point is enabled.

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

/// A field's Rust type in its point's `emit`.
macro_rules! arg {
    (U8) => { u8 };
    (I16) => { i16 };
    (U16) => { u16 };
    (I32) => { i32 };
    (U32) => { u32 };
    (U64) => { u64 };
    (Ptr) => { impl super::super::Addr };
    (Str32) => { &[u8] };
    (Uuid) => { &[u8; 16] };
}

/// Writes a field of type `$ty`.
macro_rules! put {
    ($w:ident, U8, $v:ident) => {
        $w.u8($v)
    };
    ($w:ident, I16, $v:ident) => {
        $w.i16($v)
    };
    ($w:ident, U16, $v:ident) => {
        $w.u16($v)
    };
    ($w:ident, I32, $v:ident) => {
        $w.i32($v)
    };
    ($w:ident, U32, $v:ident) => {
        $w.u32($v)
    };
    ($w:ident, U64, $v:ident) => {
        $w.u64($v)
    };
    ($w:ident, Ptr, $v:ident) => {
        $w.ptr($v)
    };
    ($w:ident, Str32, $v:ident) => {
        $w.str32($v)
    };
    ($w:ident, Uuid, $v:ident) => {
        $w.uuid($v)
    };
}

/// A point's enable word, read straight from its static (the fast path's check is
/// then one load, with no hop through `POINT`): its own, or an exported `static mut
/// u64` (DPDK's `rte_trace_point_t`), used atomically.
macro_rules! word {
    (owned) => {{
        static WORD: AtomicU64 = AtomicU64::new(0);
        &WORD
    }};
    (exported $w:ident) => {
        // SAFETY: a static, aligned u64 that lives forever; all our accesses are
        // atomic, and C code only reads it.
        unsafe { AtomicU64::from_ptr(&raw mut super::$w) }
    };
}

/// Whether a point of this kind is one of the fast path's (their words are exported).
macro_rules! fast_path {
    (owned) => {
        false
    };
    (exported) => {
        true
    };
}

/// Declares each point's module (`POINT`, `enabled`, `emit`) and `ALL`, in order.
macro_rules! points {
    ($($id:ident = $name:literal, $kind:ident $($export:ident)? {
        $($field:ident: $ty:ident,)*
    })*) => {
        $(
            #[doc = concat!("`", $name, "`.")]
            pub mod $id {
                use super::super::{Field, TracePoint, Ty};
                use core::sync::atomic::AtomicU64;

                pub static POINT: TracePoint = TracePoint {
                    name: $name,
                    word,
                    fast_path: fast_path!($kind),
                    fields: &[$(Field { name: stringify!($field), ty: Ty::$ty }),*],
                };

                /// The point's enable word.
                #[inline(always)]
                fn word() -> &'static AtomicU64 {
                    word!($kind $($export)?)
                }

                /// Whether the point is on (always false without the `trace` feature).
                #[inline(always)]
                pub fn enabled() -> bool {
                    super::super::enabled(word())
                }

                /// Writes an event with these field values; `trace::emit!` calls it
                /// when the point is enabled.
                #[cold]
                #[allow(clippy::too_many_arguments)]
                pub fn emit($($field: arg!($ty)),*) {
                    super::super::record(&POINT, |w| {
                        $(put!(w, $ty, $field);)*
                    });
                }
            }
        )*

        /// Every trace point, in registration order (their event ids).
        pub static ALL: [&super::TracePoint; [$($name),*].len()] = [$(&$id::POINT),*];
    };
}

points! {
    info_get = "lib.dmadev.info_get", owned {
        dev_id: I16,
        dev_info_dev_name: Str32,
        dev_info_dev_capa: U64,
        dev_info_max_vchans: U16,
        dev_info_max_desc: U16,
        dev_info_min_desc: U16,
        dev_info_max_sges: U16,
        dev_info_numa_node: I16,
        dev_info_nb_vchans: U16,
        dev_info_nb_priorities: U16,
    }

    configure = "lib.dmadev.configure", owned {
        dev_id: I16,
        dev_conf_nb_vchans: U16,
        dev_conf_priority: U16,
        dev_conf_flags: U64,
        ret: I32,
    }

    start = "lib.dmadev.start", owned {
        dev_id: I16,
        ret: I32,
    }

    stop = "lib.dmadev.stop", owned {
        dev_id: I16,
        ret: I32,
    }

    close = "lib.dmadev.close", owned {
        dev_id: I16,
        ret: I32,
    }

    vchan_setup = "lib.dmadev.vchan_setup", owned {
        dev_id: I16,
        vchan: U16,
        conf_direction: I32,
        conf_nb_desc: U16,
        conf_src_port_port_type: I32,
        conf_src_port_pcie_val: U64,
        conf_dst_port_port_type: I32,
        conf_dst_port_pcie_val: U64,
        conf_auto_free_m2d_pool: Ptr,
        conf_domain_type: I32,
        conf_domain_src_handler: U16,
        conf_domain_dst_handler: U16,
        ret: I32,
    }

    stats_get = "lib.dmadev.stats_get", owned {
        dev_id: I16,
        vchan: U16,
        stats_submitted: U64,
        stats_completed: U64,
        stats_errors: U64,
        ret: I32,
    }

    stats_reset = "lib.dmadev.stats_reset", owned {
        dev_id: I16,
        vchan: U16,
        ret: I32,
    }

    vchan_status = "lib.dmadev.vchan_status", owned {
        dev_id: I16,
        vchan: U16,
        status_val: I32,
        ret: I32,
    }

    dump = "lib.dmadev.dump", owned {
        dev_id: I16,
        f: Ptr,
        ret: I32,
    }

    copy = "lib.dmadev.copy", exported __rte_dma_trace_copy {
        dev_id: I16,
        vchan: U16,
        src: U64,
        dst: U64,
        length: U32,
        flags: U64,
        ret: I32,
    }

    copy_sg = "lib.dmadev.copy_sg", exported __rte_dma_trace_copy_sg {
        dev_id: I16,
        vchan: U16,
        src: Ptr,
        dst: Ptr,
        nb_src: U16,
        nb_dst: U16,
        flags: U64,
        ret: I32,
    }

    fill = "lib.dmadev.fill", exported __rte_dma_trace_fill {
        dev_id: I16,
        vchan: U16,
        pattern: U64,
        dst: U64,
        length: U32,
        flags: U64,
        ret: I32,
    }

    submit = "lib.dmadev.submit", exported __rte_dma_trace_submit {
        dev_id: I16,
        vchan: U16,
        ret: I32,
    }

    completed = "lib.dmadev.completed", exported __rte_dma_trace_completed {
        dev_id: I16,
        vchan: U16,
        nb_cpls: U16,
        last_idx_val: U16,
        has_error_val: U8,
        ret: U16,
    }

    completed_status = "lib.dmadev.completed_status", exported __rte_dma_trace_completed_status {
        dev_id: I16,
        vchan: U16,
        nb_cpls: U16,
        last_idx_val: U16,
        status: Ptr,
        ret: U16,
    }

    burst_capacity = "lib.dmadev.burst_capacity", exported __rte_dma_trace_burst_capacity {
        dev_id: I16,
        vchan: U16,
        ret: U16,
    }

    enqueue_ops = "lib.dmadev.enqueue_ops", exported __rte_dma_trace_enqueue_ops {
        dev_id: I16,
        vchan: U16,
        ops: Ptr,
        nb_ops: U16,
    }

    dequeue_ops = "lib.dmadev.dequeue_ops", exported __rte_dma_trace_dequeue_ops {
        dev_id: I16,
        vchan: U16,
        ops: Ptr,
        nb_ops: U16,
    }

    access_pair_group_create = "lib.dmadev.access_pair_group_create", owned {
        dev_id: I16,
        domain_id: Uuid,
        // The token is a secret: only whether one was given (non-zero) is traced.
        token_set: U8,
        group_id: I16,
        ret: I32,
    }

    access_pair_group_destroy = "lib.dmadev.access_pair_group_destroy", owned {
        dev_id: I16,
        group_id: I16,
        ret: I32,
    }

    access_pair_group_join = "lib.dmadev.access_pair_group_join", owned {
        dev_id: I16,
        domain_id: Uuid,
        // The token is a secret: only whether one was given (non-zero) is traced.
        token_set: U8,
        group_id: I16,
        ret: I32,
    }

    access_pair_group_leave = "lib.dmadev.access_pair_group_leave", owned {
        dev_id: I16,
        group_id: I16,
        ret: I32,
    }

    access_pair_group_handler_get = "lib.dmadev.access_pair_group_handler_get", owned {
        dev_id: I16,
        group_id: I16,
        domain_id: Uuid,
        handler: U16,
        ret: I32,
    }

    // The control events of groups in a shared region (`domain::region`): `what`
    // 0 created, 1 joined, 2 ended here, 3 admitted `slot`, 4 refused `slot` (`ret`
    // the errno), 5 a member left, 6 the group is gone.
    region_control = "lib.dmadev.region_control", owned {
        group_id: I16,
        slot: U16,
        what: U8,
        ret: I32,
    }
}
