//! `rte_uuid.h`: the UUID type of the access-pair-group API.
use core::ffi::c_uchar;

/// A 128-bit UUID, as DPDK's `rte_uuid_t` (decays to a pointer in function parameters).
pub type rte_uuid_t = [c_uchar; 16];

/// Length of a UUID in its text form, with the NUL.
pub const RTE_UUID_STRLEN: usize = 37;
