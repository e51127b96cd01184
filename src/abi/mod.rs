//! The C ABI of DPDK 26.11's dmadev, mirrored type for type.
//!
//! Names are DPDK's C names on purpose: these items are the single source of the
//! generated headers (`include/`), and a reader comparing them with DPDK should see
//! the same words. Sizes and offsets are pinned by the tests at the bottom and by the
//! C static assertions in `c-tests/test_abi_layout.c`.
//!
//! C enums reach Rust as raw integers (`*_raw` aliases rendered as `enum ...` in C):
//! a C caller may store any value in an enum field, and a Rust enum holding an
//! undeclared value would be undefined behaviour. The validation layer decodes them.
#![allow(non_camel_case_types)]

pub mod common;
pub mod consts;
pub mod fp;
pub mod memzone;
pub mod pmd;
pub mod stream;
pub mod telemetry;
pub mod types;
pub mod uuid;

pub use common::*;
pub use consts::*;
pub use fp::*;
pub use memzone::*;
pub use pmd::*;
pub use stream::CStream;
pub use telemetry::*;
pub use types::*;
pub use uuid::*;
