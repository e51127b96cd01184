//! `rte_memzone_*`: named blocks of the `rte_malloc` heap with a descriptor that
//! stays put until freed, as DPDK's memzones (up to `RTE_MAX_MEMZONE` of them).
//! DPDK's checks in DPDK's order: room, name length, name taken, alignment, size,
//! boundary, socket, flags. A zero length, which DPDK reads as "the biggest free
//! area", is refused: the heap is one large sparse mapping, so that area is the
//! whole address space reserved for it.
use std::sync::Mutex;

use super::malloc::{self, SOCKET_ID_ANY};
use crate::abi::{
    RTE_CACHE_LINE_SIZE, RTE_MEMZONE_1GB, RTE_MEMZONE_2MB, RTE_MEMZONE_4GB, RTE_MEMZONE_16GB,
    RTE_MEMZONE_16MB, RTE_MEMZONE_256KB, RTE_MEMZONE_256MB, RTE_MEMZONE_512MB,
    RTE_MEMZONE_IOVA_CONTIG, RTE_MEMZONE_NAMESIZE, RTE_MEMZONE_SIZE_HINT_ONLY, rte_memzone,
};
use crate::{Error, Result};

/// Most memzones at once (DPDK's default `RTE_MAX_MEMZONE`).
pub const MAX_MEMZONES: usize = 2560;

const KNOWN_FLAGS: u32 = RTE_MEMZONE_2MB
    | RTE_MEMZONE_1GB
    | RTE_MEMZONE_16MB
    | RTE_MEMZONE_16GB
    | RTE_MEMZONE_256KB
    | RTE_MEMZONE_256MB
    | RTE_MEMZONE_512MB
    | RTE_MEMZONE_4GB
    | RTE_MEMZONE_SIZE_HINT_ONLY
    | RTE_MEMZONE_IOVA_CONTIG;

/// A reserved zone: its descriptor lives in a box of its own, so the pointer handed
/// to the application stays valid until `free`.
struct Zone(Box<rte_memzone>);

// SAFETY: the descriptor's `addr` is a heap block owned by the zone; nothing in it is
// tied to a thread.
unsafe impl Send for Zone {}

static ZONES: Mutex<Vec<Zone>> = Mutex::new(Vec::new());

fn zones() -> std::sync::MutexGuard<'static, Vec<Zone>> {
    // A poisoned list is still consistent: entries are pushed or removed whole.
    ZONES.lock().unwrap_or_else(|p| p.into_inner())
}

fn same_name(mz: &rte_memzone, name: &str) -> bool {
    let stored = mz.name;
    let len = stored.iter().position(|&c| c == 0).unwrap_or(stored.len());
    len == name.len()
        && stored[..len]
            .iter()
            .zip(name.bytes())
            .all(|(&c, b)| c as u8 == b)
}

/// `rte_memzone_reserve_bounded`: `len` bytes (rounded up to a cache line) aligned to
/// `align` (at least a cache line) that do not cross a multiple of `bound` (0: any).
pub fn reserve(
    name: &str,
    len: usize,
    socket_id: i32,
    flags: u32,
    align: u32,
    bound: u32,
) -> Result<*const rte_memzone> {
    let mut zones = zones();
    if zones.len() >= MAX_MEMZONES {
        crate::eal_log!(
            ERR,
            "rte_memzone_reserve(): Number of requested memzone segments exceeds maximum {MAX_MEMZONES}"
        );
        return Err(Error::NoSpace);
    }
    if name.len() > RTE_MEMZONE_NAMESIZE - 1 {
        crate::eal_log!(
            DEBUG,
            "rte_memzone_reserve(): memzone <{name}>: name too long"
        );
        return Err(Error::Errno(libc::ENAMETOOLONG));
    }
    if zones.iter().any(|z| same_name(&z.0, name)) {
        crate::eal_log!(
            DEBUG,
            "rte_memzone_reserve(): memzone <{name}> already exists"
        );
        return Err(Error::Exists);
    }
    if align != 0 && !align.is_power_of_two() {
        crate::eal_log!(ERR, "rte_memzone_reserve(): Invalid alignment: {align}");
        return Err(Error::InvalidArgument);
    }
    let align = (align as usize).max(RTE_CACHE_LINE_SIZE);
    let len = len
        .checked_next_multiple_of(RTE_CACHE_LINE_SIZE)
        .ok_or(Error::InvalidArgument)?;
    if len == 0 {
        crate::eal_log!(
            ERR,
            "rte_memzone_reserve(): memzone <{name}>: a zero length (the biggest free area) is not supported"
        );
        return Err(Error::InvalidArgument);
    }
    if bound != 0 && (len > bound as usize || !bound.is_power_of_two()) {
        return Err(Error::InvalidArgument);
    }
    if socket_id != SOCKET_ID_ANY && socket_id < 0 {
        return Err(Error::InvalidArgument);
    }
    if flags & !KNOWN_FLAGS != 0 {
        return Err(Error::InvalidArgument);
    }
    // A block aligned to a power of two at least its length crosses no multiple of
    // any larger power of two, so `bound` holds.
    let align = if bound != 0 {
        align.max(len.next_power_of_two())
    } else {
        align
    };
    let align = u32::try_from(align).map_err(|_| Error::InvalidArgument)?;
    let addr = malloc::malloc_socket(len, align, SOCKET_ID_ANY);
    if addr.is_null() {
        return Err(Error::NoMemory);
    }
    let mut mz = rte_memzone {
        name: [0; RTE_MEMZONE_NAMESIZE],
        iova: malloc::virt2iova(addr),
        addr,
        len,
        hugepage_sz: 4096,
        socket_id: 0,
        flags: 0,
    };
    for (dst, b) in mz.name.iter_mut().zip(name.bytes()) {
        *dst = b as core::ffi::c_char;
    }
    let zone = Zone(Box::new(mz));
    let ptr: *const rte_memzone = &*zone.0;
    zones.push(zone);
    Ok(ptr)
}

/// `rte_memzone_lookup`.
pub fn lookup(name: &str) -> Option<*const rte_memzone> {
    zones()
        .iter()
        .find(|z| same_name(&z.0, name))
        .map(|z| &*z.0 as *const rte_memzone)
}

/// `rte_memzone_free`: `InvalidArgument` for a pointer that is not a reserved zone.
pub fn free(mz: *const rte_memzone) -> Result<()> {
    let zone = {
        let mut zones = zones();
        let at = zones
            .iter()
            .position(|z| core::ptr::eq(&*z.0, mz))
            .ok_or_else(|| {
                crate::eal_log!(ERR, "Memzone is not allocated");
                Error::InvalidArgument
            })?;
        zones.remove(at)
    };
    // SAFETY: `addr` came from `malloc_socket` and is freed once, with its zone.
    unsafe { malloc::free(zone.0.addr) };
    Ok(())
}

/// Every zone's descriptor, in reservation order (`rte_memzone_walk` hands these to
/// the application, as DPDK does; each stays valid until its zone is freed).
pub fn descriptors() -> Vec<*const rte_memzone> {
    zones()
        .iter()
        .map(|z| &*z.0 as *const rte_memzone)
        .collect()
}

/// Copies of every zone's descriptor, in reservation order (`rte_memzone_dump`).
pub fn all() -> Vec<rte_memzone> {
    zones().iter().map(|z| *z.0).collect()
}

/// Frees every zone (at `rte_eal_cleanup`).
pub(crate) fn release_all() {
    let drained: Vec<Zone> = std::mem::take(&mut *zones());
    for zone in drained {
        // SAFETY: as in `free`.
        unsafe { malloc::free(zone.0.addr) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_lookup_free_follow_dpdk_rules() {
        let mz = reserve("mz_test_a", 100, SOCKET_ID_ANY, 0, 0, 0).unwrap();
        // SAFETY: a live descriptor (freed at the end of the test).
        let d = unsafe { *mz };
        let (addr, len, iova) = (d.addr, d.len, d.iova);
        assert_eq!(len, 128);
        assert_eq!(addr as usize % 64, 0);
        assert_eq!(iova, addr as u64);
        assert_eq!(lookup("mz_test_a"), Some(mz));
        assert_eq!(lookup("mz_test_"), None);
        let dup = reserve("mz_test_a", 64, SOCKET_ID_ANY, 0, 0, 0);
        assert_eq!(dup, Err(Error::Exists));
        let long = "x".repeat(32);
        let too_long = reserve(&long, 64, SOCKET_ID_ANY, 0, 0, 0);
        assert_eq!(too_long, Err(Error::Errno(libc::ENAMETOOLONG)));
        for (align, bound, flags) in [(3, 0, 0), (0, 3, 0), (0, 64, 0), (0, 0, 0x8)] {
            let r = reserve("mz_test_b", 100, SOCKET_ID_ANY, flags, align, bound);
            assert_eq!(
                r,
                Err(Error::InvalidArgument),
                "align {align} bound {bound}"
            );
        }
        assert_eq!(
            reserve("mz_test_b", 0, SOCKET_ID_ANY, 0, 0, 0),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            reserve("mz_test_b", 64, -2, 0, 0, 0),
            Err(Error::InvalidArgument)
        );
        let b = reserve("mz_test_b", 3000, SOCKET_ID_ANY, 0, 0, 4096).unwrap();
        // SAFETY: live descriptor.
        let start = unsafe { (*b).addr } as usize;
        assert_eq!(
            start / 4096,
            (start + 3071) / 4096,
            "crosses the 4 KiB bound"
        );
        assert!(all().len() >= 2);
        free(mz).unwrap();
        assert_eq!(free(mz), Err(Error::InvalidArgument));
        assert_eq!(lookup("mz_test_a"), None);
        free(b).unwrap();
    }
}
