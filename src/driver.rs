//! The Rust driver interface and the glue that plugs a Rust driver into DPDK's tables.
//!
//! A driver implements [`Driver`] (control path) and [`FastPath`]. [`register`] places
//! the driver value in the slot's private data and fills the slot's `rte_dma_dev_ops`
//! and fast-path entry with `extern "C"` trampolines monomorphized for that driver
//! type, so the library layer (`api`) drives Rust and C drivers the same way and an
//! application's inline `rte_dma_copy` reaches the Rust code in one indirect call.
use crate::abi::*;
use crate::config::{DeviceConfig, VchanConfig};
use crate::{Error, Result, registry};
use core::ffi::{CStr, c_int, c_uchar, c_void};
use core::mem::MaybeUninit;
use core::ptr;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// What a device reports about itself; the library adds name, NUMA node and the
/// configured vchan count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub dev_capa: u64,
    pub max_vchans: u16,
    pub max_desc: u16,
    pub min_desc: u16,
    pub max_sges: u16,
    pub nb_priorities: u16,
}

/// Control path of a device. Called by the library after DPDK's validation passed,
/// never concurrently with another control call on the same device.
pub trait Driver: Send + Sync + Sized + 'static {
    fn capabilities(&self) -> Capabilities;
    fn configure(&self, conf: &DeviceConfig) -> Result<()>;
    fn vchan_setup(&self, vchan: u16, conf: &VchanConfig) -> Result<()>;
    fn start(&self) -> Result<()>;
    fn stop(&self) -> Result<()>;
    /// Called on a stopped device before its memory is released.
    fn close(&self) -> Result<()>;
    /// Counters of one vchan, or of all with `RTE_DMA_ALL_VCHAN`.
    fn stats(&self, vchan: u16) -> Result<rte_dma_stats>;
    fn stats_reset(&self, vchan: u16) -> Result<()>;
    fn vchan_status(&self, vchan: u16) -> Result<rte_dma_vchan_status>;
    /// Driver-specific lines appended to `rte_dma_dump`.
    fn dump(&self, out: &mut String);

    fn group_create(
        &self,
        _domain_id: &rte_uuid_t,
        _token: &rte_uuid_t,
        _cb: rte_dma_access_pair_group_event_cb_t,
    ) -> Result<i16> {
        Err(Error::NotSupported)
    }
    fn group_destroy(&self, _group_id: i16) -> Result<()> {
        Err(Error::NotSupported)
    }
    fn group_join(
        &self,
        _domain_id: &rte_uuid_t,
        _token: &rte_uuid_t,
        _group_id: i16,
        _cb: rte_dma_access_pair_group_event_cb_t,
    ) -> Result<()> {
        Err(Error::NotSupported)
    }
    fn group_leave(&self, _group_id: i16) -> Result<()> {
        Err(Error::NotSupported)
    }
    fn group_handler(&self, _group_id: i16, _domain_id: &rte_uuid_t) -> Result<u16> {
        Err(Error::NotSupported)
    }
}

/// Fast path of a device. Implementations check their own arguments (vchan range,
/// lengths, NULL lists) and never panic.
///
/// # Safety
/// For every `unsafe fn` here, DPDK's data-path rule: the calls on one vchan
/// (enqueue, submit, completion) come from one thread at a time, and not while a
/// control call replaces the device's rings. DPDK hands the same `dev_private` to
/// every thread, so this promise is the C caller's, made at the boundary; below it,
/// the engine's types (`ring::Producer`) keep safe code from breaking it.
pub trait FastPath: Send + Sync + 'static {
    /// # Safety
    /// See the trait; `src`/`dst` name `length` bytes the device may read/write until
    /// completion.
    unsafe fn copy(
        &self,
        vchan: u16,
        src: rte_iova_t,
        dst: rte_iova_t,
        length: u32,
        flags: u64,
    ) -> Result<u16>;
    /// # Safety
    /// See the trait; the segments name memory the device may read/write until
    /// completion.
    unsafe fn copy_sg(
        &self,
        vchan: u16,
        src: &[rte_dma_sge],
        dst: &[rte_dma_sge],
        flags: u64,
    ) -> Result<u16>;
    /// # Safety
    /// See the trait; `dst` names `length` bytes the device may write until completion.
    unsafe fn fill(
        &self,
        vchan: u16,
        pattern: u64,
        dst: rte_iova_t,
        length: u32,
        flags: u64,
    ) -> Result<u16>;
    /// # Safety
    /// See the trait.
    unsafe fn submit(&self, vchan: u16) -> Result<()>;
    /// Reaps up to `nb_cpls` operations that succeeded, stopping before the first
    /// failed one (which sets `has_error`).
    ///
    /// # Safety
    /// See the trait.
    unsafe fn completed(
        &self,
        vchan: u16,
        nb_cpls: u16,
        last_idx: &mut u16,
        has_error: &mut bool,
    ) -> u16;
    /// Reaps up to `status.len()` operations, writing each one's
    /// `enum rte_dma_status_code` value (C's array: integers, maybe uninitialised).
    ///
    /// # Safety
    /// See the trait.
    unsafe fn completed_status(
        &self,
        vchan: u16,
        last_idx: &mut u16,
        status: &mut [MaybeUninit<rte_dma_status_code_raw>],
    ) -> u16;
    /// Free descriptors (may be read from any thread).
    fn burst_capacity(&self, vchan: u16) -> u16;
    /// # Safety
    /// See the trait; every op pointer is valid and stays owned by the device until
    /// dequeued.
    unsafe fn enqueue(&self, _vchan: u16, _ops: &[*mut rte_dma_op]) -> u16 {
        0
    }
    /// # Safety
    /// See the trait.
    unsafe fn dequeue(&self, _vchan: u16, _ops: &mut [*mut rte_dma_op]) -> u16 {
        0
    }
}

/// A device as `register` takes it: its control path (`Driver`) and the fast path
/// it offers, which may be itself or a part of it (the engine it is built on): the
/// fast-path table then reaches that part directly, with no forwarding code.
pub trait Device: Driver {
    type Fast: FastPath;
    fn fast_path(&self) -> &Self::Fast;
}

/// Creates device `name` driven by `driver`, ready for use; returns its id.
pub fn register<D: Device>(name: &CStr, numa_node: i32, driver: D) -> Result<i16> {
    const { assert!(core::mem::align_of::<D>() <= RTE_CACHE_LINE_SIZE) };
    let dev = registry::allocate(name, numa_node, core::mem::size_of::<D>().max(1))?;
    // SAFETY: `allocate` returned a registered slot whose private area holds size_of::<D>()
    // bytes, cache-aligned, which we initialise before publishing any pointer to it; the
    // value stays there (the fast part too) until the close trampoline drops it.
    unsafe {
        let data = (*dev).data;
        let private = (*data).dev_private;
        ptr::write(private as *mut D, driver);
        let fast = (*(private as *const D)).fast_path() as *const D::Fast as *mut c_void;
        (*dev).dev_ops = &Trampolines::<D>::OPS;
        (*dev).fp_obj.write(FastTrampolines::<D::Fast>::entry(fast));
        registry::set_ready(dev);
        Ok((*data).dev_id)
    }
}

struct Trampolines<D>(core::marker::PhantomData<D>);

/// Runs a control call, turning a panic into `-EIO` instead of unwinding into C.
fn guarded(f: impl FnOnce() -> Result<()>) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => crate::error::to_code(r),
        Err(_) => -libc::EIO,
    }
}

/// Runs a fast-path call, turning a panic into `on_panic` instead of an abort (an
/// `extern "C"` function cannot unwind). Costs nothing until a panic.
#[inline(always)]
fn fast_guarded<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

fn sc_code(r: Result<u16>) -> c_int {
    match r {
        Ok(idx) => idx as c_int,
        Err(e) => e.errno(),
    }
}

impl<D: Device> Trampolines<D> {
    const OPS: rte_dma_dev_ops = rte_dma_dev_ops {
        dev_info_get: Some(Self::info_get),
        dev_configure: Some(Self::configure),
        dev_start: Some(Self::start),
        dev_stop: Some(Self::stop),
        dev_close: Some(Self::close),
        vchan_setup: Some(Self::vchan_setup),
        stats_get: Some(Self::stats_get),
        stats_reset: Some(Self::stats_reset),
        vchan_status: Some(Self::vchan_status),
        dev_dump: Some(Self::dump),
        access_pair_group_create: Some(Self::group_create),
        access_pair_group_destroy: Some(Self::group_destroy),
        access_pair_group_join: Some(Self::group_join),
        access_pair_group_leave: Some(Self::group_leave),
        access_pair_group_handler_get: Some(Self::group_handler_get),
    };

    /// # Safety
    /// `dev` is a slot registered by `register::<D>` and not yet closed.
    unsafe fn this<'a>(dev: *const rte_dma_dev) -> &'a D {
        // SAFETY: per the contract above the private area holds a live `D`.
        unsafe { &*((*(*dev).data).dev_private as *const D) }
    }

    unsafe extern "C" fn info_get(
        dev: *const rte_dma_dev,
        info: *mut rte_dma_info,
        _sz: u32,
    ) -> c_int {
        // SAFETY: the library passes its own slot and a valid info buffer.
        guarded(|| unsafe {
            let c = Self::this(dev).capabilities();
            let out = &mut *info;
            out.dev_capa = c.dev_capa;
            out.max_vchans = c.max_vchans;
            out.max_desc = c.max_desc;
            out.min_desc = c.min_desc;
            out.max_sges = c.max_sges;
            out.nb_priorities = c.nb_priorities;
            Ok(())
        })
    }
    unsafe extern "C" fn configure(
        dev: *mut rte_dma_dev,
        conf: *const rte_dma_conf,
        _sz: u32,
    ) -> c_int {
        // SAFETY: the library passes its own slot and a validated configuration.
        guarded(|| unsafe {
            let conf = DeviceConfig::from_c(&*conf).ok_or(Error::InvalidArgument)?;
            Self::this(dev).configure(&conf)
        })
    }
    unsafe extern "C" fn start(dev: *mut rte_dma_dev) -> c_int {
        // SAFETY: the library passes its own slot.
        guarded(|| unsafe { Self::this(dev).start() })
    }
    unsafe extern "C" fn stop(dev: *mut rte_dma_dev) -> c_int {
        // SAFETY: the library passes its own slot.
        guarded(|| unsafe { Self::this(dev).stop() })
    }
    unsafe extern "C" fn close(dev: *mut rte_dma_dev) -> c_int {
        // SAFETY: the library passes its own slot; after a successful close the library
        // frees the private area, so the driver value is dropped here, exactly once.
        guarded(|| unsafe {
            Self::this(dev).close()?;
            registry::set_dummy_fp((*dev).fp_obj);
            ptr::drop_in_place((*(*dev).data).dev_private as *mut D);
            Ok(())
        })
    }
    unsafe extern "C" fn vchan_setup(
        dev: *mut rte_dma_dev,
        vchan: u16,
        conf: *const rte_dma_vchan_conf,
        _sz: u32,
    ) -> c_int {
        // SAFETY: the library passes its own slot and a validated configuration.
        guarded(|| unsafe {
            let conf = VchanConfig::from_c(&*conf).ok_or(Error::InvalidArgument)?;
            Self::this(dev).vchan_setup(vchan, &conf)
        })
    }
    unsafe extern "C" fn stats_get(
        dev: *const rte_dma_dev,
        vchan: u16,
        stats: *mut rte_dma_stats,
        _sz: u32,
    ) -> c_int {
        // SAFETY: the library passes its own slot and a valid stats buffer.
        guarded(|| unsafe {
            *stats = Self::this(dev).stats(vchan)?;
            Ok(())
        })
    }
    unsafe extern "C" fn stats_reset(dev: *mut rte_dma_dev, vchan: u16) -> c_int {
        // SAFETY: the library passes its own slot.
        guarded(|| unsafe { Self::this(dev).stats_reset(vchan) })
    }
    unsafe extern "C" fn vchan_status(
        dev: *const rte_dma_dev,
        vchan: u16,
        status: *mut rte_dma_vchan_status,
    ) -> c_int {
        // SAFETY: the library passes its own slot and a valid status buffer.
        guarded(|| unsafe {
            *status = Self::this(dev).vchan_status(vchan)?;
            Ok(())
        })
    }
    unsafe extern "C" fn dump(dev: *const rte_dma_dev, f: *mut libc::FILE) -> c_int {
        // SAFETY: the library passes its own slot and the caller's open stream.
        guarded(|| unsafe {
            let mut text = String::new();
            Self::this(dev).dump(&mut text);
            CStream::new(f).ok_or(Error::InvalidArgument)?.write(&text)
        })
    }
    unsafe extern "C" fn group_create(
        dev: *const rte_dma_dev,
        domain_id: *mut c_uchar,
        token: *mut c_uchar,
        group_id: *mut i16,
        cb: rte_dma_access_pair_group_event_cb_t,
    ) -> c_int {
        // SAFETY: the library checked the pointers; UUIDs are 16 bytes by type.
        guarded(|| unsafe {
            *group_id = Self::this(dev).group_create(
                &*(domain_id as *const rte_uuid_t),
                &*(token as *const rte_uuid_t),
                cb,
            )?;
            Ok(())
        })
    }
    unsafe extern "C" fn group_destroy(dev: *const rte_dma_dev, group_id: i16) -> c_int {
        // SAFETY: the library passes its own slot.
        guarded(|| unsafe { Self::this(dev).group_destroy(group_id) })
    }
    unsafe extern "C" fn group_join(
        dev: *const rte_dma_dev,
        domain_id: *mut c_uchar,
        token: *mut c_uchar,
        group_id: i16,
        cb: rte_dma_access_pair_group_event_cb_t,
    ) -> c_int {
        // SAFETY: the library checked the pointers; UUIDs are 16 bytes by type.
        guarded(|| unsafe {
            Self::this(dev).group_join(
                &*(domain_id as *const rte_uuid_t),
                &*(token as *const rte_uuid_t),
                group_id,
                cb,
            )
        })
    }
    unsafe extern "C" fn group_leave(dev: *const rte_dma_dev, group_id: i16) -> c_int {
        // SAFETY: the library passes its own slot.
        guarded(|| unsafe { Self::this(dev).group_leave(group_id) })
    }
    unsafe extern "C" fn group_handler_get(
        dev: *const rte_dma_dev,
        group_id: i16,
        domain_id: *mut c_uchar,
        handler: *mut u16,
    ) -> c_int {
        // SAFETY: the library checked the pointers; UUIDs are 16 bytes by type.
        guarded(|| unsafe {
            *handler =
                Self::this(dev).group_handler(group_id, &*(domain_id as *const rte_uuid_t))?;
            Ok(())
        })
    }
}

/// The fast-path entry of a device whose fast path is an `F`.
struct FastTrampolines<F>(core::marker::PhantomData<F>);

impl<F: FastPath> FastTrampolines<F> {
    fn entry(private: *mut c_void) -> rte_dma_fp_object {
        rte_dma_fp_object {
            dev_private: private,
            copy: Some(Self::copy),
            copy_sg: Some(Self::copy_sg),
            fill: Some(Self::fill),
            submit: Some(Self::submit),
            completed: Some(Self::completed),
            completed_status: Some(Self::completed_status),
            burst_capacity: Some(Self::burst_capacity),
            enqueue: Some(Self::enqueue),
            dequeue: Some(Self::dequeue),
        }
    }

    // `dev_private` is the `F` that `register` pointed the entry at (the fp entry is reset to
    // the refusing functions before that value is dropped). Each body runs in
    // `fast_guarded`: a panic gives the call's error value instead of an abort.

    unsafe extern "C" fn copy(
        p: *mut c_void,
        vchan: u16,
        src: u64,
        dst: u64,
        length: u32,
        flags: u64,
    ) -> c_int {
        fast_guarded(-libc::EIO, || {
            // SAFETY: `p` is a live `F` (see above); memory validity and one thread per
            // vchan are the caller's contract (DPDK's, passed on to `FastPath`).
            sc_code(unsafe { (*(p as *const F)).copy(vchan, src, dst, length, flags) })
        })
    }
    unsafe extern "C" fn copy_sg(
        p: *mut c_void,
        vchan: u16,
        src: *const rte_dma_sge,
        dst: *const rte_dma_sge,
        nb_src: u16,
        nb_dst: u16,
        flags: u64,
    ) -> c_int {
        if src.is_null() || dst.is_null() || nb_src == 0 || nb_dst == 0 {
            return -libc::EINVAL;
        }
        fast_guarded(-libc::EIO, || {
            // SAFETY: `p` is a live `F`; the lists are non-NULL with the counts the caller
            // gave; the rest is the caller's contract.
            sc_code(unsafe {
                let src = core::slice::from_raw_parts(src, nb_src as usize);
                let dst = core::slice::from_raw_parts(dst, nb_dst as usize);
                (*(p as *const F)).copy_sg(vchan, src, dst, flags)
            })
        })
    }
    unsafe extern "C" fn fill(
        p: *mut c_void,
        vchan: u16,
        pattern: u64,
        dst: u64,
        length: u32,
        flags: u64,
    ) -> c_int {
        fast_guarded(-libc::EIO, || {
            // SAFETY: `p` is a live `F`; the rest is the caller's contract.
            sc_code(unsafe { (*(p as *const F)).fill(vchan, pattern, dst, length, flags) })
        })
    }
    unsafe extern "C" fn submit(p: *mut c_void, vchan: u16) -> c_int {
        fast_guarded(-libc::EIO, || {
            // SAFETY: `p` is a live `F`; one thread per vchan is the caller's contract.
            crate::error::to_code(unsafe { (*(p as *const F)).submit(vchan) })
        })
    }
    unsafe extern "C" fn completed(
        p: *mut c_void,
        vchan: u16,
        nb: u16,
        last_idx: *mut u16,
        has_error: *mut bool,
    ) -> u16 {
        fast_guarded(0, || {
            let (mut idx, mut err) = (0u16, false);
            // SAFETY: `p` is a live `F`; one thread per vchan is the caller's contract.
            let n = unsafe { (*(p as *const F)).completed(vchan, nb, &mut idx, &mut err) };
            // SAFETY: NULL outputs are allowed and skipped; others are the caller's buffers.
            unsafe {
                if let Some(l) = last_idx.as_mut() {
                    *l = idx;
                }
                if let Some(e) = has_error.as_mut() {
                    *e = err;
                }
            }
            n
        })
    }
    unsafe extern "C" fn completed_status(
        p: *mut c_void,
        vchan: u16,
        nb: u16,
        last_idx: *mut u16,
        status: *mut rte_dma_status_code_raw,
    ) -> u16 {
        if status.is_null() || nb == 0 {
            return 0;
        }
        fast_guarded(0, || {
            let mut idx = 0u16;
            // SAFETY: `p` is a live `F`; `status` has room for `nb` codes (DPDK's
            // contract), seen as possibly uninitialised integers, which any bytes are.
            let n = unsafe {
                let status = core::slice::from_raw_parts_mut(status.cast(), nb as usize);
                (*(p as *const F)).completed_status(vchan, &mut idx, status)
            };
            // SAFETY: a NULL `last_idx` is skipped.
            if let Some(l) = unsafe { last_idx.as_mut() } {
                *l = idx;
            }
            n
        })
    }
    unsafe extern "C" fn burst_capacity(p: *const c_void, vchan: u16) -> u16 {
        // SAFETY: `p` is a live `F`.
        fast_guarded(0, || unsafe { (*(p as *const F)).burst_capacity(vchan) })
    }
    unsafe extern "C" fn enqueue(
        p: *mut c_void,
        vchan: u16,
        ops: *mut *mut rte_dma_op,
        nb: u16,
    ) -> u16 {
        if ops.is_null() || nb == 0 {
            return 0;
        }
        // SAFETY: `p` is a live `F`; `ops` holds `nb` op pointers; the rest is the
        // caller's contract.
        fast_guarded(0, || unsafe {
            (*(p as *const F)).enqueue(vchan, core::slice::from_raw_parts(ops, nb as usize))
        })
    }
    unsafe extern "C" fn dequeue(
        p: *mut c_void,
        vchan: u16,
        ops: *mut *mut rte_dma_op,
        nb: u16,
    ) -> u16 {
        if ops.is_null() || nb == 0 {
            return 0;
        }
        // SAFETY: `p` is a live `F`; `ops` has room for `nb` op pointers; one thread
        // per vchan is the caller's contract.
        fast_guarded(0, || unsafe {
            (*(p as *const F)).dequeue(vchan, core::slice::from_raw_parts_mut(ops, nb as usize))
        })
    }
}
