//! Generic EAL definitions of `rte_common.h` that the dmadev ABI uses.

/// IO virtual address; the same as the virtual address here (IOVA as VA).
pub type rte_iova_t = u64;

/// The IOVA of nothing.
pub const RTE_BAD_IOVA: u64 = u64::MAX;

/// Longest device name including its terminating NUL.
pub const RTE_DEV_NAME_MAX_LEN: usize = 64;
/// Cache line size the fast-path table is aligned to.
pub const RTE_CACHE_LINE_SIZE: usize = 64;
/// Lcore ids are below this: DPDK's x86 default (`config/x86/meson.build`). It is
/// also what `rte_get_next_lcore` returns for "no more", so a DPDK-built program's
/// `RTE_LCORE_FOREACH` ends as long as its own `RTE_MAX_LCORE` is not larger.
pub const RTE_MAX_LCORE: u32 = 128;
