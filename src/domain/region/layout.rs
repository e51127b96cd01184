//! The shared region's layout: what lies where in a file (host) or PCI BAR (guest)
//! that every OS domain of the region maps. Version 1, all words little-endian
//! 64-bit atomics (both sides are x86-64 or another 64-bit little-endian machine).
//!
//! ```text
//! 0x0000      header        magic "DMADEVRG", version, size, alloc lock
//! 0x1000      slots[32]     128 bytes each: one per attached process/OS
//! 0x2000      groups[16]    4096 bytes each: state, seqlock, member table[64]
//! 0x200000..  windows       2 MiB-aligned, one per live slot (its rte_malloc heap)
//! ```
//!
//! Every word may be written by any mapper at any time: readers copy a word out once,
//! check it, and use only the copy; offsets here are constants, so no value read
//! from the region ever becomes an address without a bound check.
use core::sync::atomic::AtomicU64;

pub const MAGIC: u64 = u64::from_le_bytes(*b"DMADEVRG");
pub const VERSION: u64 = 1;
/// Attached processes (one slot each) and groups a region holds.
pub const MAX_SLOTS: usize = 32;
pub const MAX_GROUPS: usize = 16;
pub const MAX_MEMBERS: usize = crate::domain::group::MAX_MEMBERS;

pub const SLOTS_OFF: usize = 0x1000;
pub const GROUPS_OFF: usize = SLOTS_OFF + MAX_SLOTS * size_of::<Slot>();
pub const CONTROL_END: usize = GROUPS_OFF + MAX_GROUPS * size_of::<GroupRec>();
/// Windows start here and are aligned (and sized) to this.
pub const WINDOW_ALIGN: u64 = 2 << 20;
pub const WINDOWS_OFF: u64 = WINDOW_ALIGN;
/// The smallest region: the control area and one window.
pub const MIN_REGION: u64 = WINDOWS_OFF + WINDOW_ALIGN;

/// A slot's or group's `state` word: the low byte is the state, the rest an epoch
/// (random, non-zero) that changes with every new owner, so a stale copy of the
/// word never matches a new incarnation.
pub const FREE: u64 = 0;
pub const LIVE: u64 = 1;

pub fn state_of(word: u64) -> u64 {
    word & 0xff
}

#[repr(C)]
pub struct Header {
    pub magic: AtomicU64,
    pub version: AtomicU64,
    /// The region's size as its initializer saw it.
    pub size: AtomicU64,
    /// Held (slot + 1 | epoch << 8 of the holder) while a window is placed.
    pub alloc_lock: AtomicU64,
}

/// One attached process (a member of the region). Written by its owner only, except
/// `ans_*` (written by the creator answering its request) and `state` (freed by
/// whoever reclaims a dead slot).
#[repr(C)]
pub struct Slot {
    /// `FREE`, or `LIVE | epoch << 8`.
    pub state: AtomicU64,
    /// Bumped by the owner every `TICK`; a slot whose heartbeat stands still for
    /// `DEAD_AFTER` is dead.
    pub heartbeat: AtomicU64,
    /// The owner's window: offset and length in the region, and the address the
    /// owner mapped its start at (peers translate the owner's addresses with it).
    pub win_off: AtomicU64,
    pub win_len: AtomicU64,
    pub win_base: AtomicU64,
    /// The owner's pid in its own OS (shown in dumps only).
    pub pid: AtomicU64,
    /// Bit g set while the owner is (or asks to be) a member of group g.
    pub member_of: AtomicU64,
    /// Mailbox to a group's creator: the request fields, then `req_seq` bumped.
    pub req_seq: AtomicU64,
    /// Group index | group state word's epoch bits (so a request for a group that
    /// was destroyed and recreated is not applied to the new one).
    pub req_group: AtomicU64,
    pub req_domain: [AtomicU64; 2],
    pub req_token: [AtomicU64; 2],
    /// The creator's answer: `ans_errno` (0 or a negative errno), then `ans_seq`
    /// set to the `req_seq` answered.
    pub ans_seq: AtomicU64,
    pub ans_errno: AtomicU64,
    _pad: [AtomicU64; 1],
}

/// One member of a group as its creator recorded it.
#[repr(C)]
pub struct MemberRec {
    /// Slot index | slot epoch << 8 (the slot's state word with its state byte
    /// replaced by the index).
    pub slot: AtomicU64,
    pub domain: [AtomicU64; 2],
    _pad: AtomicU64,
}

/// One group. Only its creator writes it (after taking `state` with a CAS), so the
/// member table needs no lock: a sequence count, odd while the creator writes.
#[repr(C)]
pub struct GroupRec {
    /// `FREE`, or `LIVE | creator slot << 8 | creator's slot epoch (48 bits) << 16`:
    /// one word says who created it and which incarnation of that slot, so a group
    /// whose creator died (its slot stopped or was taken over) is seen as such.
    pub state: AtomicU64,
    /// Bumped by the creator each time it creates a group here, so a joiner tells a
    /// group it joined from a later one of the same creator at the same index.
    pub generation: AtomicU64,
    pub seq: AtomicU64,
    pub count: AtomicU64,
    _pad: [AtomicU64; 4],
    pub members: [MemberRec; MAX_MEMBERS],
    _tail: [u8; 4096 - 64 - MAX_MEMBERS * 32],
}

const _: () = {
    assert!(size_of::<Header>() <= SLOTS_OFF);
    assert!(size_of::<Slot>() == 128);
    assert!(size_of::<MemberRec>() == 32);
    assert!(size_of::<GroupRec>() == 4096);
    assert!(CONTROL_END as u64 <= WINDOWS_OFF);
    assert!(MAX_GROUPS <= 64, "member_of is a 64-bit mask");
    assert!(MAX_SLOTS <= 255);
};

const EPOCH48: u64 = (1 << 48) - 1;

/// A group's state word for creator `slot` whose slot state word is `slot_word`.
pub fn group_word(slot: usize, slot_word: u64) -> u64 {
    LIVE | (slot as u64) << 8 | ((slot_word >> 8) & EPOCH48) << 16
}

/// The creator slot of a group's state word, and whether `slot_word` is the
/// incarnation of that slot that created it.
pub fn creator_of(word: u64) -> usize {
    ((word >> 8) & 0xff) as usize
}

pub fn created_by(word: u64, slot_word: u64) -> bool {
    state_of(slot_word) == LIVE && (slot_word >> 8) & EPOCH48 == word >> 16
}

/// A member record's `slot` word: the index in the state byte's place.
pub fn member_word(slot: usize, slot_state: u64) -> u64 {
    (slot_state & !0xff) | slot as u64
}

/// A group reference as a request carries it: index | the state word's epoch bits.
pub fn group_ref(index: usize, word: u64) -> u64 {
    (word & !0xff) | index as u64
}
