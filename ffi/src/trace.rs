//! The fast-path trace-point enable words DPDK exports (`rte_trace_point_t`), read by
//! DPDK's inline fast path. All zero (disabled) until the trace points are wired up.
#![allow(non_upper_case_globals, non_camel_case_types)]

/// A trace point's enable word, as DPDK's `rte_trace_point_t`.
pub type rte_trace_point_t = u64;

#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_copy: rte_trace_point_t = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_copy_sg: rte_trace_point_t = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_fill: rte_trace_point_t = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_submit: rte_trace_point_t = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_completed: rte_trace_point_t = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_completed_status: rte_trace_point_t = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_burst_capacity: rte_trace_point_t = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_enqueue_ops: rte_trace_point_t = 0;
#[unsafe(no_mangle)]
pub static mut __rte_dma_trace_dequeue_ops: rte_trace_point_t = 0;
