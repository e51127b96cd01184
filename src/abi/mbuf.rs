//! `rte_mbuf.h`: DPDK 26.11's `struct rte_mbuf` (IOVA kept in the mbuf), with the
//! fields at DPDK's offsets so DPDK-built code reading them works.
use super::common::rte_iova_t;
use super::mempool::rte_mempool;
use core::ffi::c_void;

/// Headroom an mbuf leaves before its data (`RTE_PKTMBUF_HEADROOM`).
pub const RTE_PKTMBUF_HEADROOM: u16 = 128;
/// Data room of DPDK's default mbuf (2 KiB + headroom).
pub const RTE_MBUF_DEFAULT_BUF_SIZE: u16 = 2048 + RTE_PKTMBUF_HEADROOM;
/// Alignment of an mbuf's private area size.
pub const RTE_MBUF_PRIV_ALIGN: u16 = 8;
/// `port` of an mbuf that came from no port.
pub const RTE_MBUF_PORT_INVALID: u16 = u16::MAX;

/// A packet buffer (DPDK 26.11's `struct rte_mbuf`, IOVA kept in the mbuf).
#[repr(C, align(64))]
pub struct rte_mbuf {
    /// Start of the segment's buffer.
    pub buf_addr: *mut c_void,
    /// IO address of `buf_addr`.
    pub buf_iova: rte_iova_t,
    /// Where the data starts in the buffer.
    pub data_off: u16,
    /// References; the mbuf returns to its pool when the last one goes.
    pub refcnt: u16,
    pub nb_segs: u16,
    pub port: u16,
    pub ol_flags: u64,
    pub packet_type: u32,
    /// Bytes of the whole packet (all segments).
    pub pkt_len: u32,
    /// Bytes of data in this segment.
    pub data_len: u16,
    pub vlan_tci: u16,
    /// RSS hash or flow director words.
    pub hash: [u32; 2],
    pub vlan_tci_outer: u16,
    /// Bytes of the buffer.
    pub buf_len: u16,
    /// The pool the mbuf came from.
    pub pool: *mut rte_mempool,
    /// Next segment of the packet.
    pub next: *mut rte_mbuf,
    pub tx_offload: u64,
    pub shinfo: *mut c_void,
    /// Bytes of the private area between the mbuf and its buffer.
    pub priv_size: u16,
    pub timesync: u16,
    pub dynfield1: [u32; 9],
}

/// The private area of a packet-mbuf pool.
#[repr(C)]
pub struct rte_pktmbuf_pool_private {
    pub mbuf_data_room_size: u16,
    pub mbuf_priv_size: u16,
    pub flags: u32,
}

#[cfg(test)]
mod layout_tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn mbuf_matches_dpdk() {
        assert_eq!(size_of::<rte_mbuf>(), 128);
        assert_eq!(offset_of!(rte_mbuf, buf_iova), 8);
        assert_eq!(offset_of!(rte_mbuf, data_off), 16);
        assert_eq!(offset_of!(rte_mbuf, refcnt), 18);
        assert_eq!(offset_of!(rte_mbuf, nb_segs), 20);
        assert_eq!(offset_of!(rte_mbuf, port), 22);
        assert_eq!(offset_of!(rte_mbuf, ol_flags), 24);
        assert_eq!(offset_of!(rte_mbuf, pkt_len), 36);
        assert_eq!(offset_of!(rte_mbuf, data_len), 40);
        assert_eq!(offset_of!(rte_mbuf, buf_len), 54);
        assert_eq!(offset_of!(rte_mbuf, pool), 56);
        assert_eq!(offset_of!(rte_mbuf, next), 64);
        assert_eq!(offset_of!(rte_mbuf, priv_size), 88);
        assert_eq!(offset_of!(rte_mbuf, dynfield1), 92);
    }
}
