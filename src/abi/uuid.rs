//! `rte_uuid.h`: the UUID type of the access-pair-group API.
use core::ffi::c_uchar;

/// A 128-bit UUID, as DPDK's `rte_uuid_t` (decays to a pointer in function parameters).
pub type rte_uuid_t = [c_uchar; 16];

/// Length of a UUID in its text form, with the NUL.
pub const RTE_UUID_STRLEN: usize = 37;

/// A UUID in its usual text form (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`).
pub fn uuid_text(u: &rte_uuid_t) -> String {
    let h: String = u.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
