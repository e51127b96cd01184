//! The fast-path functions as real symbols (DPDK only has them inline). Each indexes
//! the fast-path table by `dev_id` and makes one indirect call, as DPDK's inline code
//! does, after checking `dev_id` is inside the table (a bad id gives -EINVAL / 0
//! instead of a wild read). Argument checks (zero length, NULL lists, vchan range)
//! are done by the device behind the table, so inline callers get them too. Each
//! call marks its thread inside (`registry::enter_fast_path`) before it reads the
//! table, so `rte_dma_close` or a reconfiguration on another thread waits for it
//! instead of freeing what it uses (DPDK's own inline functions do not do this).
//!
//! The C header defines these as DPDK's `static inline` functions over
//! `rte_dma_fp_objs` instead (the `cfg(not(rte_dmadev_inline))` on each one keeps
//! cbindgen's prototype under `#if !defined(RTE_DMADEV_INLINE)`; Rust never sets
//! that cfg, so the symbols always exist): C callers get DPDK's call cost, and
//! `-DRTE_DMADEV_NO_INLINE` or `-DRTE_ENABLE_TRACE_FP` brings the calls here back.
//!
//! Every `unsafe` function here carries DPDK's data-path rule as part of its
//! contract: the calls on one vchan come from one thread at a time. The device
//! cannot check it (DPDK hands every thread the same `dev_private`); it is the
//! caller's promise, passed on to the device's `FastPath` methods. Each body runs
//! in `guard`, so a panic returns an error value instead of aborting the process.
use crate::guard::guard;
use dmadev::abi::*;
use dmadev::registry;
use dmadev::trace::emit;
use std::ffi::c_int;

/// The table entry of `dev_id`, if the id is inside the table.
#[inline(always)]
fn entry(dev_id: i16) -> Option<&'static rte_dma_fp_object> {
    // SAFETY: the table pointer is written once, before any device exists, and the
    // table is never freed; `dev_id` is checked against its length.
    unsafe {
        let table = core::ptr::read(&raw const registry::rte_dma_fp_objs);
        if table.is_null() || dev_id < 0 || dev_id >= registry::dev_max() {
            return None;
        }
        Some(&*table.add(dev_id as usize))
    }
}

/// Enqueues a copy of `length` bytes; returns its ring index (0..65535) or a
/// negative errno (-ENOSPC when the ring is full).
///
/// # Safety
/// `src`/`dst` name memory valid for the device until the copy completes; no other
/// thread uses the vchan meanwhile.
#[cfg(not(rte_dmadev_inline))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_copy(
    dev_id: i16,
    vchan: u16,
    src: rte_iova_t,
    dst: rte_iova_t,
    length: u32,
    flags: u64,
) -> c_int {
    let _inside = registry::enter_fast_path();
    guard(-libc::EIO, || {
        let ret = match entry(dev_id).and_then(|o| o.copy.map(|f| (o, f))) {
            // SAFETY: the entry's functions take the entry's private data; the vchan rule is
            // our caller's promise.
            Some((o, f)) => unsafe { f(o.dev_private, vchan, src, dst, length, flags) },
            None => -libc::EINVAL,
        };
        emit!(copy(dev_id, vchan, src, dst, length, flags, ret));
        ret
    })
}

/// Enqueues a scatter-gather copy; returns its ring index or a negative errno.
///
/// # Safety
/// `src`/`dst` hold `nb_src`/`nb_dst` segments naming valid memory; no other thread
/// uses the vchan meanwhile.
#[cfg(not(rte_dmadev_inline))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_copy_sg(
    dev_id: i16,
    vchan: u16,
    src: *mut rte_dma_sge,
    dst: *mut rte_dma_sge,
    nb_src: u16,
    nb_dst: u16,
    flags: u64,
) -> c_int {
    let _inside = registry::enter_fast_path();
    guard(-libc::EIO, || {
        if src.is_null() || dst.is_null() || nb_src == 0 || nb_dst == 0 {
            return -libc::EINVAL;
        }
        let ret = match entry(dev_id).and_then(|o| o.copy_sg.map(|f| (o, f))) {
            // SAFETY: the entry's functions take the entry's private data; the vchan rule is
            // our caller's promise.
            Some((o, f)) => unsafe { f(o.dev_private, vchan, src, dst, nb_src, nb_dst, flags) },
            None => -libc::EINVAL,
        };
        emit!(copy_sg(dev_id, vchan, src, dst, nb_src, nb_dst, flags, ret));
        ret
    })
}

/// Enqueues a fill of `length` bytes with `pattern` (its 8 bytes in memory order,
/// repeated); returns its ring index or a negative errno.
///
/// # Safety
/// `dst` names memory valid for the device until the fill completes; no other
/// thread uses the vchan meanwhile.
#[cfg(not(rte_dmadev_inline))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_fill(
    dev_id: i16,
    vchan: u16,
    pattern: u64,
    dst: rte_iova_t,
    length: u32,
    flags: u64,
) -> c_int {
    let _inside = registry::enter_fast_path();
    guard(-libc::EIO, || {
        let ret = match entry(dev_id).and_then(|o| o.fill.map(|f| (o, f))) {
            // SAFETY: the entry's functions take the entry's private data; the vchan rule is
            // our caller's promise.
            Some((o, f)) => unsafe { f(o.dev_private, vchan, pattern, dst, length, flags) },
            None => -libc::EINVAL,
        };
        emit!(fill(dev_id, vchan, pattern, dst, length, flags, ret));
        ret
    })
}

/// Hands every enqueued operation of the vchan to the device.
///
/// # Safety
/// As every call here: no other thread uses the vchan meanwhile.
#[cfg(not(rte_dmadev_inline))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_submit(dev_id: i16, vchan: u16) -> c_int {
    let _inside = registry::enter_fast_path();
    guard(-libc::EIO, || {
        let ret = match entry(dev_id).and_then(|o| o.submit.map(|f| (o, f))) {
            // SAFETY: the entry's functions take the entry's private data; the vchan rule is
            // our caller's promise.
            Some((o, f)) => unsafe { f(o.dev_private, vchan) },
            None => -libc::EINVAL,
        };
        emit!(submit(dev_id, vchan, ret));
        ret
    })
}

/// Collects up to `nb_cpls` successfully completed operations; `*last_idx` gets the
/// ring index of the last one, `*has_error` whether a failure stopped the count.
/// Either pointer may be NULL.
///
/// # Safety
/// Non-NULL pointers are writable; no other thread uses the vchan meanwhile.
#[cfg(not(rte_dmadev_inline))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_completed(
    dev_id: i16,
    vchan: u16,
    nb_cpls: u16,
    last_idx: *mut u16,
    has_error: *mut bool,
) -> u16 {
    let _inside = registry::enter_fast_path();
    guard(0, || {
        let Some((o, f)) = entry(dev_id).and_then(|o| o.completed.map(|f| (o, f))) else {
            return 0;
        };
        // Drivers may rely on both outputs being present, as DPDK's inline code ensures.
        let (mut idx, mut err) = (0u16, false);
        let last_idx = if last_idx.is_null() {
            &mut idx
        } else {
            last_idx
        };
        let has_error = if has_error.is_null() {
            &mut err
        } else {
            has_error
        };
        // SAFETY: both outputs are writable; the entry's functions take its private
        // data; the vchan rule is our caller's promise.
        let ret = unsafe {
            *has_error = false;
            f(o.dev_private, vchan, nb_cpls, last_idx, has_error)
        };
        emit!(completed(
            dev_id,
            vchan,
            nb_cpls,
            // SAFETY: both outputs point at valid values (the caller's or our locals).
            unsafe { *last_idx },
            // SAFETY: as above.
            unsafe { *has_error } as u8,
            ret
        ));
        ret
    })
}

/// Collects up to `nb_cpls` completed operations with each one's status.
///
/// # Safety
/// `status` has room for `nb_cpls` codes; `last_idx` is NULL or writable; no other
/// thread uses the vchan meanwhile.
#[cfg(not(rte_dmadev_inline))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_completed_status(
    dev_id: i16,
    vchan: u16,
    nb_cpls: u16,
    last_idx: *mut u16,
    status: *mut rte_dma_status_code_raw,
) -> u16 {
    let _inside = registry::enter_fast_path();
    guard(0, || {
        if status.is_null() {
            return 0;
        }
        let Some((o, f)) = entry(dev_id).and_then(|o| o.completed_status.map(|f| (o, f))) else {
            return 0;
        };
        let mut idx = 0u16;
        let last_idx = if last_idx.is_null() {
            &mut idx
        } else {
            last_idx
        };
        // SAFETY: outputs are writable per the contract (`status` is only written, as
        // integers); the entry's functions take its private data; the vchan rule is
        // our caller's promise.
        let ret = unsafe { f(o.dev_private, vchan, nb_cpls, last_idx, status) };
        emit!(completed_status(
            dev_id,
            vchan,
            nb_cpls,
            // SAFETY: `last_idx` points at a valid value (the caller's or our local).
            unsafe { *last_idx },
            status,
            ret
        ));
        ret
    })
}

/// How many more operations the vchan accepts now.
///
/// # Safety
/// No other thread uses the vchan meanwhile (a C driver may rely on it).
#[cfg(not(rte_dmadev_inline))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_burst_capacity(dev_id: i16, vchan: u16) -> u16 {
    let _inside = registry::enter_fast_path();
    guard(0, || {
        let ret = match entry(dev_id).and_then(|o| o.burst_capacity.map(|f| (o, f))) {
            // SAFETY: the entry's functions take the entry's private data; the vchan rule is
            // our caller's promise.
            Some((o, f)) => unsafe { f(o.dev_private, vchan) },
            None => 0,
        };
        emit!(burst_capacity(dev_id, vchan, ret));
        ret
    })
}

/// Enqueues `nb_ops` operations (enqueue/dequeue mode); returns how many were taken.
///
/// # Safety
/// `ops` holds `nb_ops` valid operations; no other thread uses the vchan meanwhile.
#[cfg(not(rte_dmadev_inline))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_enqueue_ops(
    dev_id: i16,
    vchan: u16,
    ops: *mut *mut rte_dma_op,
    nb_ops: u16,
) -> u16 {
    let _inside = registry::enter_fast_path();
    guard(0, || {
        let ret = match entry(dev_id).and_then(|o| o.enqueue.map(|f| (o, f))) {
            // SAFETY: the entry's functions take the entry's private data; the vchan rule is
            // our caller's promise.
            Some((o, f)) => unsafe { f(o.dev_private, vchan, ops, nb_ops) },
            None => 0,
        };
        // DPDK records the requested count, not the result.
        emit!(enqueue_ops(dev_id, vchan, ops, nb_ops));
        ret
    })
}

/// Dequeues up to `nb_ops` finished operations into `ops`; returns how many.
///
/// # Safety
/// `ops` has room for `nb_ops` pointers; no other thread uses the vchan meanwhile.
#[cfg(not(rte_dmadev_inline))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_dequeue_ops(
    dev_id: i16,
    vchan: u16,
    ops: *mut *mut rte_dma_op,
    nb_ops: u16,
) -> u16 {
    let _inside = registry::enter_fast_path();
    guard(0, || {
        let ret = match entry(dev_id).and_then(|o| o.dequeue.map(|f| (o, f))) {
            // SAFETY: the entry's functions take the entry's private data; the vchan rule is
            // our caller's promise.
            Some((o, f)) => unsafe { f(o.dev_private, vchan, ops, nb_ops) },
            None => 0,
        };
        emit!(dequeue_ops(dev_id, vchan, ops, nb_ops));
        ret
    })
}
