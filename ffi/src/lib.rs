//! The C ABI of dmadev-rs: `librte_dmadev.so` / `librte_dmadev.a`.
//!
//! Every function here decodes raw C arguments, calls the core crate `dmadev`, and
//! maps its `Error` to DPDK's negative errno. No logic lives here. Panics never cross
//! the boundary: each entry point runs inside `guard`.

mod control;
mod eal;
mod fastpath;
mod guard;
mod log;
mod pmd;
mod trace;
