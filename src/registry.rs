//! Device slots and the fast-path table, laid out as DPDK lays them out.
//!
//! Three arrays of `dev_max` entries, allocated on first use and never freed (their
//! addresses are handed to drivers and to inline fast-path code in applications):
//! `rte_dma_dev` (what drivers see), `rte_dma_dev_data`, and the exported
//! `rte_dma_fp_objs` table that DPDK's inline `rte_dma_copy` indexes by `dev_id`.
//! Like DPDK, the control path of one device is not meant to be called from several
//! threads at once, but devices may be created, looked up and removed from different
//! threads: allocation, release and name lookups take `SLOT_LOCK`, and a slot's
//! `state` is read and written atomically (Release after the slot is filled in,
//! Acquire before reading it), so lock-free readers of the state (`get`,
//! `count_avail`) see a fully written slot.
use crate::abi::*;
use crate::{Error, Result, dma_log};
use core::ffi::{CStr, c_int, c_void};
use core::ptr;
use core::sync::atomic::{AtomicI16, AtomicPtr, AtomicU32, Ordering};
use std::sync::Mutex;

/// The fast-path table DPDK's inline functions read: one 128-byte entry per device.
#[unsafe(no_mangle)]
#[allow(non_upper_case_globals)]
pub static mut rte_dma_fp_objs: *mut rte_dma_fp_object = ptr::null_mut();

/// Number of slots; 0 until set by `set_dev_max` or the first allocation.
static DEV_MAX: AtomicI16 = AtomicI16::new(0);
static DEVICES: AtomicPtr<rte_dma_dev> = AtomicPtr::new(ptr::null_mut());
static DATA: AtomicPtr<rte_dma_dev_data> = AtomicPtr::new(ptr::null_mut());
static SLOT_LOCK: Mutex<()> = Mutex::new(());

/// Sets the number of device slots; only before the first device exists.
pub fn set_dev_max(dev_max: usize) -> Result<()> {
    if dev_max == 0 || dev_max > i16::MAX as usize {
        return Err(Error::InvalidArgument);
    }
    DEV_MAX
        .compare_exchange(0, dev_max as i16, Ordering::AcqRel, Ordering::Acquire)
        .map(|_| ())
        .map_err(|_| Error::InvalidArgument)
}

#[inline]
pub fn dev_max() -> i16 {
    DEV_MAX.load(Ordering::Acquire)
}

fn zeroed_array<T>(n: usize) -> Result<*mut T> {
    let layout = std::alloc::Layout::array::<T>(n).map_err(|_| Error::NoMemory)?;
    // SAFETY: the layout has a non-zero size (n > 0, T is not zero-sized).
    let p = unsafe { std::alloc::alloc_zeroed(layout) } as *mut T;
    if p.is_null() {
        Err(Error::NoMemory)
    } else {
        Ok(p)
    }
}

/// Allocates the three arrays once (with the default size if none was set).
fn prepare() -> Result<()> {
    if !DEVICES.load(Ordering::Acquire).is_null() {
        return Ok(());
    }
    let _ = DEV_MAX.compare_exchange(
        0,
        RTE_DMADEV_DEFAULT_MAX as i16,
        Ordering::AcqRel,
        Ordering::Acquire,
    );
    let n = dev_max() as usize;
    let fp = zeroed_array::<rte_dma_fp_object>(n)?;
    for i in 0..n {
        // SAFETY: `fp` holds `n` entries.
        unsafe { set_dummy_fp(fp.add(i)) };
    }
    let data = zeroed_array::<rte_dma_dev_data>(n)?;
    let devices = zeroed_array::<rte_dma_dev>(n)?;
    // SAFETY: published once under SLOT_LOCK (held by the caller), before any device exists.
    unsafe { rte_dma_fp_objs = fp };
    DATA.store(data, Ordering::Release);
    DEVICES.store(devices, Ordering::Release);
    Ok(())
}

/// The slot of `dev_id`, whatever its state, or `None` when out of range.
pub fn slot(dev_id: i16) -> Option<*mut rte_dma_dev> {
    let devices = DEVICES.load(Ordering::Acquire);
    if devices.is_null() || dev_id < 0 || dev_id >= dev_max() {
        return None;
    }
    // SAFETY: in range of the array of dev_max slots.
    Some(unsafe { devices.add(dev_id as usize) })
}

/// The slot's `state` as an atomic (a C driver may also write it plainly, as DPDK's
/// PMDs do, when it sets `READY`).
fn state_cell<'a>(dev: *const rte_dma_dev) -> &'a AtomicU32 {
    // SAFETY: `dev` points into the slot array, which lives forever; the field is an
    // aligned u32 that Rust code only accesses through this atomic.
    unsafe { AtomicU32::from_ptr(ptr::addr_of!((*dev).state).cast_mut()) }
}

/// The slot's state (`rte_dma_dev_state`), read atomically.
pub fn state_of(dev: *const rte_dma_dev) -> u32 {
    state_cell(dev).load(Ordering::Acquire)
}

/// Marks an allocated slot ready (`RTE_DMA_DEV_READY`) once its driver filled in
/// `dev_ops` and the fast-path entry; a reader that sees the state sees those too.
///
/// # Safety
/// `dev` must be an allocated slot.
pub unsafe fn set_ready(dev: *mut rte_dma_dev) {
    let _guard = SLOT_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    state_cell(dev).store(
        rte_dma_dev_state::RTE_DMA_DEV_READY as u32,
        Ordering::Release,
    );
}

/// The device `dev_id` if it is allocated (DPDK's `rte_dma_pmd_get_dev_by_id`).
pub fn get(dev_id: i16) -> Option<*mut rte_dma_dev> {
    slot(dev_id).filter(|&d| state_of(d) != rte_dma_dev_state::RTE_DMA_DEV_UNUSED as u32)
}

/// An allocated device, for the library layer. The slot arrays are never freed, so
/// the handle always points at valid memory; that the device is still allocated when
/// it is used is DPDK's rule (one thread drives a device's control path), as in DPDK.
/// Reads and writes of the shared data go through copies, never long-lived
/// references, because drivers (C ones too) write the same memory.
#[derive(Clone, Copy, Debug)]
pub struct DevRef {
    dev: *mut rte_dma_dev,
    data: *mut rte_dma_dev_data,
}

/// The allocated device `dev_id`.
pub fn device(dev_id: i16) -> Option<DevRef> {
    let dev = get(dev_id)?;
    // SAFETY: an allocated slot (state read with Acquire) has its data pointer set.
    let data = unsafe { (*dev).data };
    (!data.is_null()).then_some(DevRef { dev, data })
}

impl DevRef {
    /// The slot, as DPDK's ops table and drivers take it.
    pub fn raw(self) -> *mut rte_dma_dev {
        self.dev
    }

    /// The driver's ops table (`-ENOTSUP` if it installed none).
    pub fn ops(self) -> Result<&'static rte_dma_dev_ops> {
        // SAFETY: `dev` is a slot; a driver's ops table outlives its devices.
        unsafe { (*self.dev).dev_ops.as_ref() }.ok_or(Error::NotSupported)
    }

    /// The entry of the fast-path table this device owns.
    pub fn fp_entry(self) -> *mut rte_dma_fp_object {
        // SAFETY: `dev` is a slot; allocated slots point at their table entry.
        unsafe { (*self.dev).fp_obj }
    }

    pub fn state(self) -> u32 {
        state_of(self.dev)
    }

    pub fn id(self) -> i16 {
        // SAFETY: as in `is_started`.
        unsafe { (*self.data).dev_id }
    }

    pub fn is_started(self) -> bool {
        // SAFETY: `data` is the slot's data entry (never freed); a plain read.
        unsafe { (*self.data).dev_started & 1 != 0 }
    }

    pub fn set_started(self, started: bool) {
        // SAFETY: as above; the control path is single-threaded per device.
        unsafe {
            let d = &mut (*self.data).dev_started;
            *d = (*d & !1) | started as u32;
        }
    }

    /// The configuration the device last accepted.
    pub fn conf(self) -> rte_dma_conf {
        // SAFETY: as in `is_started`.
        unsafe { (*self.data).dev_conf }
    }

    pub fn set_conf(self, conf: rte_dma_conf) {
        // SAFETY: as in `set_started`.
        unsafe { (*self.data).dev_conf = conf };
    }

    pub fn numa_node(self) -> i16 {
        // SAFETY: as in `is_started`.
        unsafe { (*self.data).numa_node }
    }

    /// The device's name, NUL-terminated, where it lives for the slot's life (what
    /// `rte_dma_info.dev_name` points at).
    pub fn name_ptr(self) -> *const core::ffi::c_char {
        // SAFETY: as in `is_started`; only an address is taken.
        unsafe { (*self.data).dev_name.as_ptr() }
    }

    pub fn name(self) -> String {
        // SAFETY: names are NUL-terminated within their array (allocate writes fewer
        // than RTE_DEV_NAME_MAX_LEN bytes into a zeroed entry).
        unsafe { CStr::from_ptr(self.name_ptr()) }
            .to_string_lossy()
            .into_owned()
    }
}

pub fn is_valid(dev_id: i16) -> bool {
    get(dev_id).is_some()
}

/// First allocated id at or after `start`, or -1.
pub fn next_dev(start: i16) -> i16 {
    (start.max(0)..dev_max())
        .find(|&id| is_valid(id))
        .unwrap_or(-1)
}

pub fn count_avail() -> u16 {
    (0..dev_max()).filter(|&id| is_valid(id)).count() as u16
}

/// The name rules of DPDK: non-empty and shorter than `RTE_DEV_NAME_MAX_LEN`.
pub fn check_name(name: &CStr) -> Result<()> {
    // (A NULL name is refused by the C boundary with `null_name`.)
    let len = name.to_bytes().len();
    if len == 0 {
        dma_log!(ERR, "Zero length DMA device name");
        return Err(Error::InvalidArgument);
    }
    if len >= RTE_DEV_NAME_MAX_LEN {
        dma_log!(ERR, "DMA device name is too long");
        return Err(Error::InvalidArgument);
    }
    Ok(())
}

/// DPDK's refusal of a NULL device name, the first rule of its `dma_check_name`.
pub fn null_name() -> Error {
    dma_log!(ERR, "Name can't be NULL");
    Error::InvalidArgument
}

/// Id of the allocated device called `name`.
pub fn find_by_name(name: &CStr) -> Option<i16> {
    let _guard = SLOT_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    find_locked(name)
}

/// `find_by_name` for a caller holding `SLOT_LOCK` (names change only under it).
fn find_locked(name: &CStr) -> Option<i16> {
    (0..dev_max()).find(|&id| {
        get(id).is_some_and(|dev| {
            // SAFETY: an allocated slot's `data` points at its NUL-terminated name.
            let dev_name = unsafe { CStr::from_ptr((*(*dev).data).dev_name.as_ptr()) };
            dev_name == name
        })
    })
}

/// DPDK's `rte_dma_pmd_allocate`: claims a free slot, names it, gives it `private_size`
/// zeroed, cache-aligned bytes of driver data, and marks it registered.
pub fn allocate(name: &CStr, numa_node: i32, private_size: usize) -> Result<*mut rte_dma_dev> {
    check_name(name)?;
    if private_size == 0 {
        return Err(Error::InvalidArgument);
    }
    let _guard = SLOT_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    if let Err(e) = prepare() {
        dma_log!(ERR, "Cannot initialize dmadevs data");
        return Err(e);
    }
    if find_locked(name).is_some() {
        dma_log!(ERR, "DMA device already allocated");
        return Err(Error::Exists);
    }
    // DPDK's order: the private data first, then a free slot.
    let private = alloc_private(private_size).inspect_err(|_| {
        dma_log!(ERR, "Cannot allocate private data");
    })?;
    let data_base = DATA.load(Ordering::Acquire);
    // SAFETY: data_base holds dev_max entries; a free slot has an empty name.
    let free = (0..dev_max()).find(|&i| unsafe { (*data_base.add(i as usize)).dev_name[0] == 0 });
    let Some(dev_id) = free else {
        dma_log!(ERR, "Reached maximum number of DMA devices");
        // SAFETY: `private` came from posix_memalign above and is not shared.
        unsafe { libc::free(private) };
        return Err(Error::NoMemory);
    };
    let dev = slot(dev_id).ok_or(Error::InvalidArgument)?;
    // SAFETY: the slot and its data entry are free and only touched under SLOT_LOCK here.
    unsafe {
        let data = data_base.add(dev_id as usize);
        ptr::write_bytes(data, 0, 1);
        let bytes = name.to_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            (*data).dev_name[i] = b as core::ffi::c_char;
        }
        (*data).dev_id = dev_id;
        (*data).numa_node = numa_node as i16;
        (*data).dev_private = private;
        clear_slot(dev);
        (*dev).data = data;
        (*dev).fp_obj = rte_dma_fp_objs.add(dev_id as usize);
        set_dummy_fp((*dev).fp_obj);
    }
    state_cell(dev).store(
        rte_dma_dev_state::RTE_DMA_DEV_REGISTERED as u32,
        Ordering::Release,
    );
    Ok(dev)
}

fn alloc_private(size: usize) -> Result<*mut c_void> {
    let mut p: *mut c_void = ptr::null_mut();
    // SAFETY: posix_memalign writes `p` only on success; alignment is a power of two.
    let rc = unsafe { libc::posix_memalign(&mut p, RTE_CACHE_LINE_SIZE, size) };
    if rc != 0 || p.is_null() {
        return Err(Error::NoMemory);
    }
    // SAFETY: `p` points to `size` writable bytes.
    unsafe { ptr::write_bytes(p as *mut u8, 0, size) };
    Ok(p)
}

/// Frees a slot: its driver data, its shared data, its fast-path entry. For the
/// library layer only, after the driver's `dev_close` succeeded or for a device
/// that was registered but never made ready (its driver holds nothing in it).
pub(crate) fn release(dev: DevRef) {
    let _guard = SLOT_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    // Unused first: lock-free readers of the state stop looking at the slot.
    state_cell(dev.dev).store(
        rte_dma_dev_state::RTE_DMA_DEV_UNUSED as u32,
        Ordering::Release,
    );
    // SAFETY: `dev` is an allocated slot (handle invariant) whose data and table entry
    // are set; its driver is done with the private area (see above).
    unsafe {
        libc::free((*dev.data).dev_private);
        ptr::write_bytes(dev.data, 0, 1);
        set_dummy_fp((*dev.dev).fp_obj);
        clear_slot(dev.dev);
    }
}

/// Zeroes every field of a slot but `state` (which lock-free readers load).
///
/// # Safety
/// `dev` is a slot of the array, and the caller holds `SLOT_LOCK`.
unsafe fn clear_slot(dev: *mut rte_dma_dev) {
    // SAFETY: per the contract; plain field writes, `state` left alone.
    unsafe {
        (*dev).device = ptr::null_mut();
        (*dev).data = ptr::null_mut();
        (*dev).fp_obj = ptr::null_mut();
        (*dev).dev_ops = ptr::null();
        (*dev).reserved = [0; 2];
    }
}

// The fast-path entries of a free or not-yet-ready slot: refuse and say why.

unsafe extern "C" fn dummy_copy(_: *mut c_void, _: u16, _: u64, _: u64, _: u32, _: u64) -> c_int {
    dma_log!(ERR, "copy is not configured or not supported.");
    -libc::EINVAL
}
unsafe extern "C" fn dummy_copy_sg(
    _: *mut c_void,
    _: u16,
    _: *const rte_dma_sge,
    _: *const rte_dma_sge,
    _: u16,
    _: u16,
    _: u64,
) -> c_int {
    dma_log!(ERR, "copy_sg is not configured or not supported.");
    -libc::EINVAL
}
unsafe extern "C" fn dummy_fill(_: *mut c_void, _: u16, _: u64, _: u64, _: u32, _: u64) -> c_int {
    dma_log!(ERR, "fill is not configured or not supported.");
    -libc::EINVAL
}
unsafe extern "C" fn dummy_submit(_: *mut c_void, _: u16) -> c_int {
    dma_log!(ERR, "submit is not configured or not supported.");
    -libc::EINVAL
}
unsafe extern "C" fn dummy_completed(
    _: *mut c_void,
    _: u16,
    _: u16,
    _: *mut u16,
    _: *mut bool,
) -> u16 {
    dma_log!(ERR, "completed is not configured or not supported.");
    0
}
unsafe extern "C" fn dummy_completed_status(
    _: *mut c_void,
    _: u16,
    _: u16,
    _: *mut u16,
    _: *mut rte_dma_status_code_raw,
) -> u16 {
    dma_log!(ERR, "completed_status is not configured or not supported.");
    0
}
unsafe extern "C" fn dummy_burst_capacity(_: *const c_void, _: u16) -> u16 {
    dma_log!(ERR, "burst_capacity is not configured or not supported.");
    0
}
unsafe extern "C" fn dummy_enqueue(_: *mut c_void, _: u16, _: *mut *mut rte_dma_op, _: u16) -> u16 {
    dma_log!(ERR, "Enqueue not configured or not supported.");
    0
}
unsafe extern "C" fn dummy_dequeue(_: *mut c_void, _: u16, _: *mut *mut rte_dma_op, _: u16) -> u16 {
    // DPDK's dummy_dequeue says "Enqueue" too; its wording is kept.
    dma_log!(ERR, "Enqueue not configured or not supported.");
    0
}

/// Points every entry of `obj` at the refusing functions.
///
/// # Safety
/// `obj` must point to a writable fast-path entry.
pub unsafe fn set_dummy_fp(obj: *mut rte_dma_fp_object) {
    // SAFETY: the caller guarantees `obj` is writable.
    unsafe { obj.write(dummy_fp(ptr::null_mut())) };
}

/// Points the device's fast-path functions at the refusing ones but leaves
/// `dev_private` as it is, so a caller reading the entry meanwhile gets either
/// function with a valid private pointer (the refusing ones ignore it). Returns the
/// entry as it was, for `rehook_fp`.
pub fn unhook_fp(dev: DevRef) -> rte_dma_fp_object {
    let obj = dev.fp_entry();
    // SAFETY: an allocated device's entry of the table (never freed); plain data.
    unsafe {
        let saved = obj.read();
        obj.write(dummy_fp(saved.dev_private));
        saved
    }
}

/// Puts back the entry `unhook_fp` returned (the driver refused to close).
pub fn rehook_fp(dev: DevRef, saved: rte_dma_fp_object) {
    // SAFETY: as in `unhook_fp`.
    unsafe { dev.fp_entry().write(saved) };
}

fn dummy_fp(dev_private: *mut c_void) -> rte_dma_fp_object {
    rte_dma_fp_object {
        dev_private,
        copy: Some(dummy_copy),
        copy_sg: Some(dummy_copy_sg),
        fill: Some(dummy_fill),
        submit: Some(dummy_submit),
        completed: Some(dummy_completed),
        completed_status: Some(dummy_completed_status),
        burst_capacity: Some(dummy_burst_capacity),
        enqueue: Some(dummy_enqueue),
        dequeue: Some(dummy_dequeue),
    }
}

/// The id the next allocation will most likely get (for naming threads before the
/// device exists).
pub fn next_free_hint() -> i16 {
    let _guard = SLOT_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let data = DATA.load(Ordering::Acquire);
    if data.is_null() {
        return 0;
    }
    // SAFETY: `data` holds dev_max entries.
    (0..dev_max())
        .find(|&i| unsafe { (*data.add(i as usize)).dev_name[0] == 0 })
        .unwrap_or(-1)
}

// ---- Fencing out fast-path callers ----
//
// `close` (and a reconfiguration, which drops rings) must not free what a thread
// inside an exported fast-path call (`rte_dma_completed`, ...) is using. Each calling
// thread owns a counter, odd while it is inside a call; the closer unhooks the device
// (dummy table entry, null ring pointers), then waits until every counter it saw odd
// has moved on. The caller's side is two plain stores to its own cache line: the
// ordering the closer needs (its unhooking against the caller's "inside" store) comes
// from `membarrier`, which runs a full barrier on every thread of the process, so the
// caller needs no fence of its own.

/// Threads that get a counter of their own; later threads share `SHARED_INSIDE`.
const GUARD_SLOTS: usize = 256;

#[repr(align(64))]
struct GuardSlot(AtomicU32);

static GUARD: [GuardSlot; GUARD_SLOTS] = [const { GuardSlot(AtomicU32::new(0)) }; GUARD_SLOTS];
/// Counters handed out so far (slots are not reused when a thread exits).
static GUARD_USED: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
/// Calls in progress by threads without a counter of their own.
static SHARED_INSIDE: AtomicU32 = AtomicU32::new(0);
/// `membarrier` is unavailable: callers fence themselves.
static CALLER_FENCE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// This thread's counter index plus one (0: none yet). On x86-64 Linux it is an
/// initial-exec TLS variable (one `fs:` load; `thread_local!` in a shared library
/// costs a `__tls_get_addr` call on every fast-path call).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod my_slot {
    core::arch::global_asm!(
        ".pushsection .tbss,\"awT\",@nobits",
        ".p2align 2",
        // Global for the other crates that inline the fast path, hidden from
        // everything outside the library.
        ".globl dmadev_rs_fp_slot",
        ".hidden dmadev_rs_fp_slot",
        ".type dmadev_rs_fp_slot,@object",
        ".size dmadev_rs_fp_slot,4",
        "dmadev_rs_fp_slot:",
        ".zero 4",
        ".popsection",
    );

    #[inline(always)]
    pub fn get() -> u32 {
        let v: u32;
        // SAFETY: reads this thread's own 4-byte TLS variable defined above.
        unsafe {
            core::arch::asm!(
                "mov {off}, qword ptr [rip + dmadev_rs_fp_slot@GOTTPOFF]",
                "mov {v:e}, dword ptr fs:[{off}]",
                off = out(reg) _,
                v = out(reg) v,
                options(nostack, readonly, preserves_flags),
            );
        }
        v
    }

    pub fn set(v: u32) {
        // SAFETY: writes this thread's own 4-byte TLS variable defined above.
        unsafe {
            core::arch::asm!(
                "mov {off}, qword ptr [rip + dmadev_rs_fp_slot@GOTTPOFF]",
                "mov dword ptr fs:[{off}], {v:e}",
                off = out(reg) _,
                v = in(reg) v,
                options(nostack, preserves_flags),
            );
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
mod my_slot {
    std::thread_local! {
        static SLOT: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
    }
    #[inline(always)]
    pub fn get() -> u32 {
        SLOT.get()
    }
    pub fn set(v: u32) {
        SLOT.set(v)
    }
}

/// Marks the current thread inside a fast-path call until dropped.
pub struct FastPathGuard {
    slot: Option<&'static AtomicU32>,
}

/// Enters a fast-path call: from now until the guard drops, `wait_for_fast_path`
/// waits for this thread.
#[inline(always)]
pub fn enter_fast_path() -> FastPathGuard {
    let mut i = my_slot::get();
    if i == 0 {
        i = take_slot();
    }
    let slot = match GUARD.get(i as usize - 1) {
        Some(s) => {
            // Only this thread writes its counter: a plain increment makes it odd.
            let v = s.0.load(Ordering::Relaxed);
            s.0.store(v.wrapping_add(1), Ordering::Relaxed);
            Some(&s.0)
        }
        None => {
            SHARED_INSIDE.fetch_add(1, Ordering::SeqCst);
            None
        }
    };
    if CALLER_FENCE.load(Ordering::Relaxed) {
        core::sync::atomic::fence(Ordering::SeqCst);
    } else {
        // The closer's membarrier orders our store before the loads below.
        core::sync::atomic::compiler_fence(Ordering::SeqCst);
    }
    FastPathGuard { slot }
}

#[cold]
fn take_slot() -> u32 {
    // Index plus one; GUARD_SLOTS + 1 (no counter of its own) for later threads.
    let i = GUARD_USED.fetch_add(1, Ordering::Relaxed).min(GUARD_SLOTS) as u32 + 1;
    my_slot::set(i);
    i
}

impl Drop for FastPathGuard {
    #[inline(always)]
    fn drop(&mut self) {
        match self.slot {
            Some(s) => s.store(s.load(Ordering::Relaxed).wrapping_add(1), Ordering::Release),
            None => {
                SHARED_INSIDE.fetch_sub(1, Ordering::Release);
            }
        }
    }
}

/// Runs a full memory barrier on every running thread of the process
/// (`membarrier(PRIVATE_EXPEDITED)`); false if the kernel does not offer it.
fn process_barrier() -> bool {
    const CMD_PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
    const CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let registered = *REGISTERED.get_or_init(|| {
        // SAFETY: a system call with integer arguments only.
        unsafe { libc::syscall(libc::SYS_membarrier, CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 }
    });
    // SAFETY: as above.
    registered && unsafe { libc::syscall(libc::SYS_membarrier, CMD_PRIVATE_EXPEDITED, 0, 0) == 0 }
}

/// Waits until every thread that may have seen the state before the caller's last
/// change (an unhooked device, a null ring pointer) has left its fast-path call.
/// Control path only; threads calling in afterwards see the change.
pub fn wait_for_fast_path() {
    if !process_barrier() {
        // Without membarrier, callers fence from now on; one in flight whose store
        // is not visible yet is given time to drain its store buffer (best effort).
        CALLER_FENCE.store(true, Ordering::SeqCst);
        core::sync::atomic::fence(Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let used = GUARD_USED.load(Ordering::Acquire).min(GUARD_SLOTS);
    for s in &GUARD[..used] {
        let v = s.0.load(Ordering::Acquire);
        if v % 2 == 1 {
            while s.0.load(Ordering::Acquire) == v {
                std::thread::yield_now();
            }
        }
    }
    while SHARED_INSIDE.load(Ordering::Acquire) != 0 {
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    #[test]
    fn wait_for_fast_path_waits_for_a_caller_inside() {
        let (inside, entered) = mpsc::channel();
        let caller = std::thread::spawn(move || {
            let guard = enter_fast_path();
            inside.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(200));
            drop(guard);
            // Calls after the wait do not hold it up.
            for _ in 0..1000 {
                drop(enter_fast_path());
            }
        });
        entered.recv().unwrap();
        let t0 = Instant::now();
        wait_for_fast_path();
        assert!(
            t0.elapsed() >= Duration::from_millis(150),
            "returned while a caller was inside ({:?})",
            t0.elapsed()
        );
        caller.join().unwrap();
        // Nobody inside: returns at once.
        let t0 = Instant::now();
        wait_for_fast_path();
        assert!(t0.elapsed() < Duration::from_millis(100));
    }
}
