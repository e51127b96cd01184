//! dmadev-rs core: DPDK's dmadev library (`rte_dma_*`) in Rust.
//!
//! Layers, the way a call flows: `api` (DPDK's library layer: validation in DPDK's
//! order, then the driver's ops) → `registry` (device slots and the fast-path table
//! `rte_dma_fp_objs`) → drivers, either C drivers through `rte_dma_dev_ops` or Rust
//! drivers through the [`driver::Driver`] trait and its generated trampolines.
//! `engines` holds the software devices, `eal` the small EAL subset C programs need,
//! `log` DPDK-style log types and levels. See ARCHITECTURE.md.
//!
//! Rust programs use the library through [`safe`]: its page has the model (who
//! owns a device, a vchan, a buffer in flight) and runnable examples.

pub mod abi;
pub mod api;
pub mod config;
pub mod domain;
pub mod driver;
pub mod drivers;
pub mod eal;
pub mod engines;
pub mod error;
pub mod log;
pub mod mempool;
mod regex;
pub mod registry;
pub mod runtime;
pub mod safe;
pub mod telemetry;
pub mod trace;
pub mod validate;

pub use error::{Error, Result};
