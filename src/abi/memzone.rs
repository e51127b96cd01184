//! `rte_memzone.h`: the descriptor of a named memory zone, DPDK's packed layout
//! (72 bytes: name, iova, addr, len, hugepage_sz, socket_id, flags).
use core::ffi::{c_char, c_void};

use super::rte_iova_t;

/// Longest memzone name, its NUL included.
pub const RTE_MEMZONE_NAMESIZE: usize = 32;
/// Use 2 MB pages.
pub const RTE_MEMZONE_2MB: u32 = 0x0000_0001;
/// Use 1 GB pages.
pub const RTE_MEMZONE_1GB: u32 = 0x0000_0002;
/// Use 16 MB pages.
pub const RTE_MEMZONE_16MB: u32 = 0x0000_0100;
/// Use 16 GB pages.
pub const RTE_MEMZONE_16GB: u32 = 0x0000_0200;
/// Use 256 KB pages.
pub const RTE_MEMZONE_256KB: u32 = 0x0001_0000;
/// Use 256 MB pages.
pub const RTE_MEMZONE_256MB: u32 = 0x0002_0000;
/// Use 512 MB pages.
pub const RTE_MEMZONE_512MB: u32 = 0x0004_0000;
/// Use 4 GB pages.
pub const RTE_MEMZONE_4GB: u32 = 0x0008_0000;
/// The page size is only a hint.
pub const RTE_MEMZONE_SIZE_HINT_ONLY: u32 = 0x0000_0004;
/// Ask for IOVA-contiguous memory (always so here: IOVA is the virtual address).
pub const RTE_MEMZONE_IOVA_CONTIG: u32 = 0x0010_0000;

/// A named memory zone (`rte_memzone_reserve`), read-only for applications.
#[repr(C, packed)]
#[derive(Debug, Clone, Copy)]
pub struct rte_memzone {
    /// Name of the memory zone.
    pub name: [c_char; RTE_MEMZONE_NAMESIZE],
    /// Start IO address.
    pub iova: rte_iova_t,
    /// Start virtual address.
    pub addr: *mut c_void,
    /// Length of the memzone.
    pub len: usize,
    /// The page size of the underlying memory.
    pub hugepage_sz: u64,
    /// NUMA socket id.
    pub socket_id: i32,
    /// Characteristics of this memzone.
    pub flags: u32,
}

const _: () = assert!(core::mem::size_of::<rte_memzone>() == 72);
