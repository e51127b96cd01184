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
//! caller's promise, passed on to the device's `FastPath` methods. A panic never
//! crosses into C: the traced path runs in `guard`, the untraced one only checks
//! arguments and makes the table's `extern "C"` call (a Rust driver's trampolines
//! catch their own panics).
use crate::guard::guard;
use dmadev::abi::*;
use dmadev::registry;
use dmadev::trace::{self, points};
use std::ffi::c_int;

/// Declares `$name`, the path of an exported function while a fast-path trace point
/// is on: out of line and cold, so that with none on the fast path pays one test of
/// one byte and its arguments stay in registers (a closure handed to an out-of-line
/// function is built in memory on every call, traced or not). It records an event
/// if `$point` itself is on, and runs in `guard`: recording is our code and could
/// panic.
macro_rules! traced_path {
    ($name:ident($($arg:ident: $ty:ty),*) -> $ret_ty:ty, $point:ident, $on_panic:expr,
     $call:expr, |$ret:ident| $emit:expr) => {
        #[cold]
        #[inline(never)]
        unsafe fn $name($($arg: $ty),*) -> $ret_ty {
            guard($on_panic, || {
                let $ret = $call;
                if points::$point::enabled() {
                    $emit;
                }
                $ret
            })
        }
    };
}

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

/// Calls the entry's `$field` function of `$dev_id` with its private data and
/// `$args`, or gives `$missing` when the id or the function is not there.
macro_rules! table_call {
    ($dev_id:expr, $field:ident, $missing:expr, ($($arg:expr),*)) => {
        match entry($dev_id).and_then(|o| o.$field.map(|f| (o, f))) {
            // SAFETY: the entry's functions take the entry's private data; the
            // arguments' validity and the vchan rule are our caller's promise.
            Some((o, f)) => unsafe { f(o.dev_private, $($arg),*) },
            None => $missing,
        }
    };
}

traced_path!(
    copy_traced(dev_id: i16, vchan: u16, src: rte_iova_t, dst: rte_iova_t, length: u32, flags: u64) -> c_int,
    copy,
    -libc::EIO,
    table_call!(dev_id, copy, -libc::EINVAL, (vchan, src, dst, length, flags)),
    |ret| points::copy::emit(dev_id, vchan, src, dst, length, flags, ret)
);

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
    if trace::fast_path_on() {
        // SAFETY: our own contract, passed on.
        return unsafe { copy_traced(dev_id, vchan, src, dst, length, flags) };
    }
    table_call!(
        dev_id,
        copy,
        -libc::EINVAL,
        (vchan, src, dst, length, flags)
    )
}

traced_path!(
    copy_sg_traced(
        dev_id: i16,
        vchan: u16,
        src: *mut rte_dma_sge,
        dst: *mut rte_dma_sge,
        nb_src: u16,
        nb_dst: u16,
        flags: u64
    ) -> c_int,
    copy_sg,
    -libc::EIO,
    table_call!(dev_id, copy_sg, -libc::EINVAL, (vchan, src, dst, nb_src, nb_dst, flags)),
    |ret| points::copy_sg::emit(dev_id, vchan, src, dst, nb_src, nb_dst, flags, ret)
);

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
    if src.is_null() || dst.is_null() || nb_src == 0 || nb_dst == 0 {
        return -libc::EINVAL;
    }
    if trace::fast_path_on() {
        // SAFETY: our own contract, passed on.
        return unsafe { copy_sg_traced(dev_id, vchan, src, dst, nb_src, nb_dst, flags) };
    }
    table_call!(
        dev_id,
        copy_sg,
        -libc::EINVAL,
        (vchan, src, dst, nb_src, nb_dst, flags)
    )
}

traced_path!(
    fill_traced(dev_id: i16, vchan: u16, pattern: u64, dst: rte_iova_t, length: u32, flags: u64) -> c_int,
    fill,
    -libc::EIO,
    table_call!(dev_id, fill, -libc::EINVAL, (vchan, pattern, dst, length, flags)),
    |ret| points::fill::emit(dev_id, vchan, pattern, dst, length, flags, ret)
);

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
    if trace::fast_path_on() {
        // SAFETY: our own contract, passed on.
        return unsafe { fill_traced(dev_id, vchan, pattern, dst, length, flags) };
    }
    table_call!(
        dev_id,
        fill,
        -libc::EINVAL,
        (vchan, pattern, dst, length, flags)
    )
}

traced_path!(
    submit_traced(dev_id: i16, vchan: u16) -> c_int,
    submit,
    -libc::EIO,
    table_call!(dev_id, submit, -libc::EINVAL, (vchan)),
    |ret| points::submit::emit(dev_id, vchan, ret)
);

/// Hands every enqueued operation of the vchan to the device.
///
/// # Safety
/// As every call here: no other thread uses the vchan meanwhile.
#[cfg(not(rte_dmadev_inline))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_submit(dev_id: i16, vchan: u16) -> c_int {
    let _inside = registry::enter_fast_path();
    if trace::fast_path_on() {
        // SAFETY: our own contract, passed on.
        return unsafe { submit_traced(dev_id, vchan) };
    }
    table_call!(dev_id, submit, -libc::EINVAL, (vchan))
}

traced_path!(
    completed_traced(
        dev_id: i16,
        vchan: u16,
        nb_cpls: u16,
        last_idx: *mut u16,
        has_error: *mut bool
    ) -> u16,
    completed,
    0,
    table_call!(dev_id, completed, 0, (vchan, nb_cpls, last_idx, has_error)),
    |ret| {
        // SAFETY: both outputs point at valid values (the caller's or our locals).
        let (last, error) = unsafe { (*last_idx, *has_error) };
        points::completed::emit(dev_id, vchan, nb_cpls, last, error as u8, ret)
    }
);

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
    // Drivers may rely on both outputs being present, as DPDK's inline code ensures.
    let (mut idx, mut err) = (0u16, false);
    let last_idx = if last_idx.is_null() {
        &raw mut idx
    } else {
        last_idx
    };
    let has_error = if has_error.is_null() {
        &raw mut err
    } else {
        has_error
    };
    // SAFETY: writable (the caller's, per the contract, or our local).
    unsafe { *has_error = false };
    if trace::fast_path_on() {
        // SAFETY: our own contract, passed on; both outputs are writable.
        return unsafe { completed_traced(dev_id, vchan, nb_cpls, last_idx, has_error) };
    }
    table_call!(dev_id, completed, 0, (vchan, nb_cpls, last_idx, has_error))
}

traced_path!(
    completed_status_traced(
        dev_id: i16,
        vchan: u16,
        nb_cpls: u16,
        last_idx: *mut u16,
        status: *mut rte_dma_status_code_raw
    ) -> u16,
    completed_status,
    0,
    table_call!(dev_id, completed_status, 0, (vchan, nb_cpls, last_idx, status)),
    |ret| {
        // SAFETY: `last_idx` points at a valid value (the caller's or our local).
        let last = unsafe { *last_idx };
        points::completed_status::emit(dev_id, vchan, nb_cpls, last, status, ret)
    }
);

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
    if status.is_null() {
        return 0;
    }
    let mut idx = 0u16;
    let last_idx = if last_idx.is_null() {
        &raw mut idx
    } else {
        last_idx
    };
    // `status` is only written, as integers.
    if trace::fast_path_on() {
        // SAFETY: our own contract, passed on; `last_idx` is writable.
        return unsafe { completed_status_traced(dev_id, vchan, nb_cpls, last_idx, status) };
    }
    table_call!(
        dev_id,
        completed_status,
        0,
        (vchan, nb_cpls, last_idx, status)
    )
}

traced_path!(
    burst_capacity_traced(dev_id: i16, vchan: u16) -> u16,
    burst_capacity,
    0,
    table_call!(dev_id, burst_capacity, 0, (vchan)),
    |ret| points::burst_capacity::emit(dev_id, vchan, ret)
);

/// How many more operations the vchan accepts now.
///
/// # Safety
/// No other thread uses the vchan meanwhile (a C driver may rely on it).
#[cfg(not(rte_dmadev_inline))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rte_dma_burst_capacity(dev_id: i16, vchan: u16) -> u16 {
    let _inside = registry::enter_fast_path();
    if trace::fast_path_on() {
        // SAFETY: our own contract, passed on.
        return unsafe { burst_capacity_traced(dev_id, vchan) };
    }
    table_call!(dev_id, burst_capacity, 0, (vchan))
}

// DPDK records the requested count of an enqueue or dequeue, not the result.
traced_path!(
    enqueue_ops_traced(dev_id: i16, vchan: u16, ops: *mut *mut rte_dma_op, nb_ops: u16) -> u16,
    enqueue_ops,
    0,
    table_call!(dev_id, enqueue, 0, (vchan, ops, nb_ops)),
    |_ret| points::enqueue_ops::emit(dev_id, vchan, ops, nb_ops)
);

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
    if trace::fast_path_on() {
        // SAFETY: our own contract, passed on.
        return unsafe { enqueue_ops_traced(dev_id, vchan, ops, nb_ops) };
    }
    table_call!(dev_id, enqueue, 0, (vchan, ops, nb_ops))
}

traced_path!(
    dequeue_ops_traced(dev_id: i16, vchan: u16, ops: *mut *mut rte_dma_op, nb_ops: u16) -> u16,
    dequeue_ops,
    0,
    table_call!(dev_id, dequeue, 0, (vchan, ops, nb_ops)),
    |_ret| points::dequeue_ops::emit(dev_id, vchan, ops, nb_ops)
);

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
    if trace::fast_path_on() {
        // SAFETY: our own contract, passed on.
        return unsafe { dequeue_ops_traced(dev_id, vchan, ops, nb_ops) };
    }
    table_call!(dev_id, dequeue, 0, (vchan, ops, nb_ops))
}
