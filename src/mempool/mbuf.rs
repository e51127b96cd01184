//! Packet buffers: a pool whose objects are `rte_mbuf`s, each followed by its private
//! area and its data buffer (`rte_pktmbuf_pool_create`, DPDK's `rte_pktmbuf_init`),
//! and DPDK's reference-counted free.
use super::{Pool, PoolSpec};
use crate::abi::*;
use crate::eal::malloc;
use crate::{Error, Result};
use core::ffi::c_void;
use core::sync::atomic::{AtomicU16, Ordering::AcqRel};

/// The `lib.mbuf` log type.
fn logtype() -> u32 {
    static ID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *ID.get_or_init(|| crate::log::register("lib.mbuf", crate::log::RTE_LOG_INFO))
}

/// `rte_pktmbuf_pool_create`: `n` mbufs with `data_room` bytes of buffer each.
pub fn pool_create(
    name: &str,
    n: u32,
    cache_size: u32,
    priv_size: u16,
    data_room: u16,
    socket_id: i32,
) -> Result<Pool> {
    if !priv_size.is_multiple_of(RTE_MBUF_PRIV_ALIGN) {
        crate::log::write_line(
            logtype(),
            crate::log::RTE_LOG_ERR,
            "MBUF: ",
            format_args!("mbuf priv_size={priv_size} is not aligned"),
        );
        return Err(Error::InvalidArgument);
    }
    let elt_size = size_of::<rte_mbuf>() as u32 + priv_size as u32 + data_room as u32;
    let pool = super::create(&PoolSpec {
        name,
        n,
        elt_size,
        cache_size,
        private_data_size: size_of::<rte_pktmbuf_pool_private>() as u32,
        socket_id,
        flags: 0,
        mbufs: true,
    })?;
    // SAFETY: the private area of a fresh pool is at least this struct, zeroed, ours.
    unsafe {
        *pool.private_area().cast::<rte_pktmbuf_pool_private>() = rte_pktmbuf_pool_private {
            mbuf_data_room_size: data_room,
            mbuf_priv_size: priv_size,
            flags: 0,
        };
    }
    for obj in pool.objects() {
        // SAFETY: each object is a zeroed, cache-aligned block of `elt_size` bytes of
        // the fresh pool, which no one else uses yet.
        let m = unsafe { &mut *obj.cast::<rte_mbuf>() };
        let buf = obj as usize + size_of::<rte_mbuf>() + priv_size as usize;
        m.priv_size = priv_size;
        m.buf_addr = buf as *mut c_void;
        m.buf_iova = malloc::virt2iova(buf as *const c_void);
        m.buf_len = data_room;
        m.pool = pool.as_ptr();
        m.refcnt = 1;
        reset(m);
    }
    Ok(pool)
}

/// DPDK's `rte_pktmbuf_reset`: one empty segment, headroom before the data.
pub fn reset(m: &mut rte_mbuf) {
    m.next = core::ptr::null_mut();
    m.pkt_len = 0;
    m.tx_offload = 0;
    m.vlan_tci = 0;
    m.vlan_tci_outer = 0;
    m.nb_segs = 1;
    m.port = RTE_MBUF_PORT_INVALID;
    m.ol_flags = 0;
    m.packet_type = 0;
    m.data_off = RTE_PKTMBUF_HEADROOM.min(m.buf_len);
    m.data_len = 0;
}

/// `rte_pktmbuf_alloc_bulk`: all of `out` or none (`Error::NotFound`).
pub fn alloc_bulk(pool: Pool, out: &mut [*mut rte_mbuf]) -> Result<()> {
    // SAFETY: `*mut rte_mbuf` and `*mut c_void` have the same layout.
    let objs = unsafe { &mut *(out as *mut [*mut rte_mbuf] as *mut [*mut c_void]) };
    pool.get_bulk(objs)?;
    for &m in out.iter() {
        // SAFETY: a free object of an mbuf pool is an initialised mbuf nobody holds.
        reset(unsafe { &mut *m });
    }
    Ok(())
}

/// Drops one reference to segment `m`; returns it if it is now free (DPDK's
/// `rte_pktmbuf_prefree_seg`), reset to one segment.
///
/// # Safety
/// `m` is an mbuf of a pool made by [`pool_create`], held by the caller.
unsafe fn prefree_seg(m: *mut rte_mbuf) -> Option<*mut rte_mbuf> {
    // SAFETY: caller's contract; `refcnt` is only ever accessed atomically by holders.
    let last = unsafe {
        let rc = AtomicU16::from_ptr(&raw mut (*m).refcnt);
        rc.load(core::sync::atomic::Ordering::Acquire) == 1 || rc.fetch_sub(1, AcqRel) == 1
    };
    if !last {
        return None;
    }
    // SAFETY: we hold the last reference.
    let seg = unsafe { &mut *m };
    seg.refcnt = 1;
    seg.next = core::ptr::null_mut();
    seg.nb_segs = 1;
    Some(m)
}

/// Returns object `obj` of `pool` the way DPDK's hardware auto-free does: an mbuf by
/// its reference count ([`free`]), any other object as it is; to the common store,
/// since the caller is a device's worker, not an lcore of the application.
///
/// # Safety
/// `obj` is an object of `pool` that the caller was handed to free (DPDK's
/// `RTE_DMA_OP_FLAG_AUTO_FREE` contract).
pub unsafe fn free_object(pool: Pool, obj: *mut c_void) {
    if pool.holds_mbufs() {
        // SAFETY: forwarded contract; an object of an mbuf pool is an mbuf.
        unsafe { free(obj.cast(), true) }
    } else {
        pool.enqueue(&[obj]);
    }
}

/// `rte_pktmbuf_free`: every segment of the chain whose last reference goes returns
/// to its pool; `shared_only` puts them in the pools' common stores (for threads that
/// are not the caller's lcore, such as a device's worker).
///
/// # Safety
/// `m` is NULL or the head of a chain of mbufs from pools made by [`pool_create`],
/// held by the caller, whose pools are alive.
pub unsafe fn free(mut m: *mut rte_mbuf, shared_only: bool) {
    while !m.is_null() {
        // SAFETY: caller's contract.
        let next = unsafe { (*m).next };
        // SAFETY: caller's contract.
        if let Some(seg) = unsafe { prefree_seg(m) } {
            // SAFETY: the segment's pool is alive (caller's contract).
            let pool = unsafe { Pool::from_c(core::ptr::NonNull::new_unchecked((*seg).pool)) };
            if shared_only {
                pool.enqueue(&[seg.cast()]);
            } else {
                pool.put_bulk(&[seg.cast()]);
            }
        }
        m = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mbufs_come_initialised_and_go_back() {
        let pool = pool_create("mbuf_t", 16, 4, 8, 2048 + 128, -1).unwrap();
        let mut ms = [core::ptr::null_mut(); 16];
        alloc_bulk(pool, &mut ms).unwrap();
        for &m in &ms {
            // SAFETY: just allocated.
            let r = unsafe { &*m };
            assert_eq!(r.data_off, 128);
            assert_eq!(r.buf_len, 2176);
            assert_eq!(r.refcnt, 1);
            assert_eq!(r.pool, pool.as_ptr());
            assert_eq!(r.buf_addr as usize, m as usize + 128 + 8);
        }
        assert_eq!(pool.avail_count(), 0);
        // SAFETY: held mbufs of a live pool.
        unsafe {
            (*ms[0]).refcnt = 2;
            free(ms[0], false);
            assert_eq!(pool.avail_count(), 0, "one reference left");
            for &m in &ms {
                free(m, true);
            }
        }
        assert_eq!(pool.common_count(), 16);
        assert_eq!(
            pool_create("mbuf_u", 16, 0, 3, 100, -1).unwrap_err(),
            Error::InvalidArgument
        );
        // SAFETY: nothing uses the pool afterwards.
        unsafe { super::super::free(core::ptr::NonNull::new(pool.as_ptr()).unwrap()) };
    }
}
