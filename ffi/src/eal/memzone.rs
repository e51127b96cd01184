//! `rte_memzone.h`: named, reserved blocks of memory. As in DPDK, a failed
//! reservation returns NULL with `rte_errno` set, a failed free a negative errno.
use super::{fail, utf8};
use crate::guard::guard;
use dmadev::abi::{CStream, rte_memzone};
use dmadev::eal::{errno, memzone};
use std::ffi::{c_char, c_int, c_uint, c_void};
use std::ptr;

/// Reserves `len` bytes (rounded up to a cache line, cache-line aligned) named
/// `name`; NULL with `rte_errno` ENOSPC, ENAMETOOLONG, EEXIST, EINVAL or ENOMEM.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_memzone_reserve(
    name: *const c_char,
    len: usize,
    socket_id: c_int,
    flags: c_uint,
) -> *const rte_memzone {
    // SAFETY: forwarded contract.
    guard(ptr::null(), || unsafe {
        reserve(name, len, socket_id, flags, 0, 0)
    })
}

/// As `rte_memzone_reserve`, aligned to `align` (a power of two).
///
/// # Safety
/// As `rte_memzone_reserve`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_memzone_reserve_aligned(
    name: *const c_char,
    len: usize,
    socket_id: c_int,
    flags: c_uint,
    align: c_uint,
) -> *const rte_memzone {
    // SAFETY: forwarded contract.
    guard(ptr::null(), || unsafe {
        reserve(name, len, socket_id, flags, align, 0)
    })
}

/// As `rte_memzone_reserve_aligned`, not crossing a multiple of `bound` (a power of
/// two at least `len`; 0 for none).
///
/// # Safety
/// As `rte_memzone_reserve`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_memzone_reserve_bounded(
    name: *const c_char,
    len: usize,
    socket_id: c_int,
    flags: c_uint,
    align: c_uint,
    bound: c_uint,
) -> *const rte_memzone {
    // SAFETY: forwarded contract.
    guard(ptr::null(), || unsafe {
        reserve(name, len, socket_id, flags, align, bound)
    })
}

/// The three reserve calls: the zone, or NULL with `rte_errno` set.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
unsafe fn reserve(
    name: *const c_char,
    len: usize,
    socket_id: c_int,
    flags: c_uint,
    align: c_uint,
    bound: c_uint,
) -> *const rte_memzone {
    // SAFETY: forwarded contract.
    let zone = unsafe { utf8(name) }
        .and_then(|name| memzone::reserve(name, len, socket_id, flags, align, bound));
    zone.unwrap_or_else(|e| {
        errno::set(-e.errno());
        ptr::null()
    })
}

/// Frees a zone and its memory: 0, or -EINVAL if `mz` is not a reserved zone.
#[unsafe(no_mangle)]
pub extern "C" fn rte_memzone_free(mz: *const rte_memzone) -> c_int {
    guard(-libc::EIO, || match memzone::free(mz) {
        Ok(()) => 0,
        Err(e) => e.errno(),
    })
}

/// The zone named `name`, or NULL.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_memzone_lookup(name: *const c_char) -> *const rte_memzone {
    guard(ptr::null(), || {
        // SAFETY: forwarded contract.
        match unsafe { utf8(name) } {
            Ok(name) => memzone::lookup(name).unwrap_or(ptr::null()),
            Err(e) => {
                fail(e);
                ptr::null()
            }
        }
    })
}

/// Calls `func(zone, arg)` for every reserved zone, with the zone's own descriptor
/// (the list is taken first, so `func` may reserve or free zones other than the next
/// ones; freeing a later zone from another thread meanwhile is the caller's race, as
/// with `rte_memzone_lookup`).
///
/// # Safety
/// `func` is NULL or callable with `arg`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_memzone_walk(
    func: Option<unsafe extern "C" fn(mz: *const rte_memzone, arg: *mut c_void)>,
    arg: *mut c_void,
) {
    guard((), || {
        let Some(func) = func else { return };
        for zone in memzone::descriptors() {
            // SAFETY: the caller's function with the caller's argument and a live
            // descriptor (zones are freed only by the application).
            unsafe { func(zone, arg) };
        }
    })
}

/// Writes every zone to `f`, one line each.
///
/// # Safety
/// `f` is NULL or an open stream.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_memzone_dump(f: *mut libc::FILE) {
    guard((), || {
        // SAFETY: forwarded contract.
        let Some(out) = (unsafe { CStream::new(f) }) else {
            return;
        };
        for (i, z) in memzone::all().iter().enumerate() {
            let name: Vec<u8> = z
                .name
                .iter()
                .take_while(|&&c| c != 0)
                .map(|&c| c as u8)
                .collect();
            let (addr, len, socket, flags) = (z.addr, z.len, z.socket_id, z.flags);
            let line = format!(
                "Zone {i}: name:<{}>, len:0x{len:x}, virt:{addr:p}, socket_id:{socket}, flags:{flags:x}\n",
                String::from_utf8_lossy(&name)
            );
            if out.write(&line).is_err() {
                return;
            }
        }
    })
}
