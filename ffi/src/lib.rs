//! The C ABI of dmadev-rs: `librte_dmadev.so` / `librte_dmadev.a`.
//!
//! Every function here decodes raw C arguments, calls the core crate `dmadev`, and
//! maps its `Error` to DPDK's negative errno. No logic lives here. Panics never cross
//! the boundary (where they would abort the process): each entry point's body runs
//! inside `guard` (`catch_unwind`, free until something panics), and so does each
//! fast-path trampoline a Rust driver installs (`dmadev::driver`). A test checks
//! every exported function here.

mod control;
mod eal;
mod fastpath;
mod guard;
mod log;
mod pmd;
mod telemetry;
mod trace;
mod varargs;
