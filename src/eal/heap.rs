//! The memory behind `rte_malloc`: one memfd sealed at its size, mapped shared, so that a
//! process joining an access pair group can hand its whole heap to its peers as a
//! window (they map it once and copy with plain memcpy instead of system calls).
//!
//! The file is sized once to `RESERVE` bytes (sparse: pages exist only once touched)
//! and never grows, so a peer's mapping of it is always valid. Blocks are powers of
//! two from 64 bytes, carved by a bump pointer and recycled through one free list
//! per size; large freed blocks give their pages back to the kernel. If the memfd
//! cannot be made, or `DMADEV_MALLOC=libc` asks for it (a debugging mode for ASan and
//! valgrind), `posix_memalign` serves instead, with exact sizes, and there is no window.
//!
//! A device attached to a shared region between OS domains (`dma_interdomain,os_region=`
//! on the EAL command line) places the heap in its window of the region instead
//! ([`adopt`], before the first allocation): then `rte_malloc` memory is what peers in
//! other OSes reach. Such a heap offers no memfd window to processes.
use core::ffi::c_void;
use core::ptr;
use std::collections::HashMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering::Relaxed};

/// Virtual size of the heap (sparse).
const RESERVE: usize = 32 << 30;
const MIN_SHIFT: u32 = 6;
/// Alignment of the heap's address: the largest `rte_malloc` alignment (a `u32`).
const BASE_ALIGN: usize = 1 << 31;
/// Freed blocks at least this big have their pages released.
const RELEASE_PAGES_FROM: usize = 64 << 10;

struct Heap {
    base: *mut u8,
    len: usize,
    /// The memfd to offer as a window; None for a heap in a region window.
    fd: Option<OwnedFd>,
    bump: usize,
    free: Vec<Vec<usize>>,
    /// Offset of each live block → its size class (log2 of its size).
    live: HashMap<usize, u32>,
}

// SAFETY: the raw base pointer is only used under the HEAP mutex.
unsafe impl Send for Heap {}

enum State {
    Untried,
    Shared(Heap),
    /// No memfd here: plain aligned allocations.
    Fallback,
}

static HEAP: Mutex<State> = Mutex::new(State::Untried);
/// The heap's address and memfd, readable without the lock (for a forked child).
static HEAP_BASE: AtomicUsize = AtomicUsize::new(0);
static HEAP_LEN: AtomicUsize = AtomicUsize::new(0);
static HEAP_FD: AtomicI32 = AtomicI32::new(-1);
/// Where the heap starts in the file behind it (a region window's offset).
static HEAP_FILE_OFF: AtomicUsize = AtomicUsize::new(0);
/// This process is a child forked after the heap existed: it allocates from the C
/// library instead, never touching the heap's lock (another thread of the parent may
/// have held it at the fork) nor its blocks' bookkeeping.
static FORKED: AtomicBool = AtomicBool::new(false);

fn in_heap(p: *mut c_void) -> bool {
    let base = HEAP_BASE.load(Relaxed);
    base != 0 && (p as usize).wrapping_sub(base) < HEAP_LEN.load(Relaxed)
}

/// The heap as a window: the memfd, the address it is mapped at, and its size.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub fd: RawFd,
    pub base: u64,
    pub len: u64,
}

fn create() -> Option<Heap> {
    // SAFETY: a NUL-terminated name and flags only.
    let fd = unsafe {
        libc::memfd_create(
            c"rte_malloc heap".as_ptr(),
            libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
        )
    };
    if fd < 0 {
        return None;
    }
    // SAFETY: `fd` is a new descriptor nobody else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // Sealed at its final size before anyone sees it: a peer we hand it to can
    // neither shrink it under our feet (SIGBUS) nor change the seals.
    let seals = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;
    // SAFETY: plain calls on our own descriptor.
    if unsafe {
        libc::ftruncate(fd.as_raw_fd(), RESERVE as libc::off_t) != 0
            || libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals) != 0
    } {
        return None;
    }
    let base = map_shared_aligned(fd.as_raw_fd(), RESERVE, BASE_ALIGN)?;
    Some(publish(base.cast(), RESERVE, fd.as_raw_fd(), 0, Some(fd)))
}

/// Makes `[base, base + len)` the heap (`file` holds it from `file_off` on).
fn publish(base: *mut u8, len: usize, file: RawFd, file_off: usize, fd: Option<OwnedFd>) -> Heap {
    HEAP_LEN.store(len, Relaxed);
    HEAP_FILE_OFF.store(file_off, Relaxed);
    HEAP_FD.store(file, Relaxed);
    HEAP_BASE.store(base as usize, Relaxed);
    // SAFETY: registering a plain function; see `after_fork_in_child`.
    unsafe { libc::pthread_atfork(None, None, Some(after_fork_in_child)) };
    Heap {
        base,
        len,
        fd,
        bump: 0,
        free: vec![Vec::new(); 64],
        live: HashMap::new(),
    }
}

/// Places the heap in `[base, base + len)`, a shared mapping of `file` from byte
/// `file_off` (a window of a shared region) that stays mapped for the process's
/// life. Only before the first allocation: false if the heap exists already (or
/// `DMADEV_MALLOC=libc` is set), and then nothing changes.
///
/// # Safety
/// The range is mapped read-write, shared, and is never unmapped.
pub unsafe fn adopt(base: *mut u8, len: usize, file: RawFd, file_off: usize) -> bool {
    if FORKED.load(Relaxed) || libc_requested() {
        return false;
    }
    let mut st = HEAP.lock().unwrap_or_else(|p| p.into_inner());
    if !matches!(*st, State::Untried) {
        return false;
    }
    *st = State::Shared(publish(base, len, file, file_off, None));
    true
}

/// Maps `len` bytes of `fd` shared at an address aligned to `align` (a power of two):
/// the heap file at `BASE_ALIGN`, so that an offset aligned to any `rte_malloc`
/// alignment is an address aligned to it too; a shared region at 2 MiB.
pub fn map_shared_aligned(fd: RawFd, len: usize, align: usize) -> Option<*mut c_void> {
    let span = len.checked_add(align)?;
    // SAFETY: reserves fresh address space (no access, no memory) to carve from.
    let raw = unsafe {
        libc::mmap(
            ptr::null_mut(),
            span,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if raw == libc::MAP_FAILED {
        return None;
    }
    let start = (raw as usize).next_multiple_of(align);
    let head = start - raw as usize;
    // SAFETY: `[start, start + len)` lies inside the reservation just made, which
    // nothing else uses; the unmapped head and tail are its unused ends.
    unsafe {
        let base = libc::mmap(
            start as *mut c_void,
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_NORESERVE | libc::MAP_FIXED,
            fd,
            0,
        );
        if base == libc::MAP_FAILED {
            libc::munmap(raw, span);
            return None;
        }
        if head != 0 {
            libc::munmap(raw, head);
        }
        if align - head != 0 {
            libc::munmap((start + len) as *mut c_void, align - head);
        }
        Some(base)
    }
}

/// A child created by `fork` must not allocate from the heap it shares with its
/// parent: its view becomes a private copy (copy-on-write), it stops offering a window
/// (the file is its parent's), and later allocations come from the C library. Only
/// atomics are touched here: the heap's lock may be held by a thread that did not fork.
extern "C" fn after_fork_in_child() {
    let (base, fd) = (HEAP_BASE.load(Relaxed), HEAP_FD.load(Relaxed));
    if base != 0 && fd >= 0 {
        // SAFETY: remaps our own range in place, privately, from the same file.
        unsafe {
            libc::mmap(
                base as *mut c_void,
                HEAP_LEN.load(Relaxed),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED | libc::MAP_NORESERVE,
                fd,
                HEAP_FILE_OFF.load(Relaxed) as libc::off_t,
            );
        }
    }
    FORKED.store(true, Relaxed);
}

/// `DMADEV_MALLOC=libc`: serve `rte_malloc` from the C library with exact sizes (no
/// shared heap, no window), so ASan and valgrind see every block's bounds. Read once,
/// at the first allocation, so it works before `rte_eal_init`.
pub const MALLOC_ENV: &str = "DMADEV_MALLOC";

fn libc_requested() -> bool {
    std::env::var_os(MALLOC_ENV).is_some_and(|v| v == "libc")
}

fn with_heap<T>(f: impl FnOnce(Option<&mut Heap>) -> T) -> T {
    if FORKED.load(Relaxed) {
        return f(None);
    }
    let mut st = HEAP.lock().unwrap_or_else(|p| p.into_inner());
    if matches!(*st, State::Untried) {
        let heap = if libc_requested() { None } else { create() };
        *st = match heap {
            Some(h) => State::Shared(h),
            None => State::Fallback,
        };
    }
    match &mut *st {
        State::Shared(h) => f(Some(h)),
        _ => f(None),
    }
}

fn class_of(size: usize, align: usize) -> Option<u32> {
    let block = size
        .max(align)
        .max(1 << MIN_SHIFT)
        .checked_next_power_of_two()?;
    Some(block.trailing_zeros())
}

/// `size` bytes aligned to `align` (a power of two), or NULL.
pub fn alloc(size: usize, align: usize) -> *mut c_void {
    with_heap(|h| {
        let Some(h) = h else {
            let mut out: *mut c_void = ptr::null_mut();
            // SAFETY: posix_memalign checks its arguments and reports failure.
            let rc = unsafe { libc::posix_memalign(&mut out, align, size) };
            return if rc == 0 { out } else { ptr::null_mut() };
        };
        let Some(class) = class_of(size, align) else {
            return ptr::null_mut();
        };
        let block = 1usize << class;
        // A free block of the class is aligned to its size up to a page, and to
        // whatever alignment it was first carved for: look for one that fits.
        let list = &mut h.free[class as usize];
        let base = h.base as usize;
        let off = match list.iter().rposition(|&o| (base + o).is_multiple_of(align)) {
            Some(i) => list.swap_remove(i),
            None => {
                // Fresh blocks start at an address that is a multiple of their size
                // up to a page, or of `align` (the memfd heap's base is aligned to any
                // alignment, a region window's to 2 MiB).
                let Some(start) = (base + h.bump)
                    .checked_next_multiple_of(block.min(4096).max(align))
                    .map(|a| a - base)
                else {
                    return ptr::null_mut();
                };
                if start.checked_add(block).is_none_or(|end| end > h.len) {
                    return ptr::null_mut();
                }
                h.bump = start + block;
                start
            }
        };
        h.live.insert(off, class);
        // SAFETY: `off + block <= len`, inside the mapping.
        unsafe { h.base.add(off).cast() }
    })
}

/// Returns a block to the heap.
///
/// # Safety
/// `p` is NULL or came from [`alloc`] and was not released yet.
pub unsafe fn release(p: *mut c_void) {
    if p.is_null() {
        return;
    }
    with_heap(|h| {
        let Some(h) = h else {
            // A forked child leaves its parent's heap blocks alone (their bookkeeping
            // is behind the lock); anything else came from posix_memalign.
            if !in_heap(p) {
                // SAFETY: from posix_memalign, per the contract.
                unsafe { libc::free(p) };
            }
            return;
        };
        let off = (p as usize).wrapping_sub(h.base as usize);
        let Some(class) = h.live.remove(&off) else {
            return;
        };
        let block = 1usize << class;
        if block >= RELEASE_PAGES_FROM {
            // SAFETY: the block is page-aligned and ours; its contents are dead.
            unsafe { libc::madvise(p, block, libc::MADV_REMOVE) };
        }
        h.free[class as usize].push(off);
    })
}

/// The usable size of a block.
///
/// # Safety
/// `p` came from [`alloc`] and was not released yet.
pub unsafe fn usable_size(p: *mut c_void) -> usize {
    if FORKED.load(Relaxed) && in_heap(p) {
        // A block of the parent's heap in a forked child: its size is in the heap's
        // bookkeeping, readable if the lock is free (it is unless a thread of the
        // parent held it at the fork).
        return match HEAP.try_lock() {
            Ok(st) => match &*st {
                State::Shared(h) => h
                    .live
                    .get(&((p as usize) - h.base as usize))
                    .map_or(0, |&c| 1usize << c),
                _ => 0,
            },
            Err(_) => 0,
        };
    }
    with_heap(|h| match h {
        Some(h) => h
            .live
            .get(&(p as usize).wrapping_sub(h.base as usize))
            .map_or(0, |&c| 1usize << c),
        // SAFETY: from posix_memalign, per the contract.
        None => unsafe { libc::malloc_usable_size(p) },
    })
}

/// Where the heap is mapped, `(base, length)`, read without the lock (fast path):
/// every address in it stays mapped for the process's life, also in a forked child
/// (privately). `None` before the heap exists or when it is not shared memory.
pub fn mapped_range() -> Option<(u64, u64)> {
    let base = HEAP_BASE.load(Relaxed);
    (base != 0).then_some((base as u64, HEAP_LEN.load(Relaxed) as u64))
}

/// The heap as a window for peers, if it is shared memory.
pub fn window() -> Option<Window> {
    with_heap(|h| {
        let h = h?;
        Some(Window {
            fd: h.fd.as_ref()?.as_raw_fd(),
            base: h.base as u64,
            len: h.len as u64,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_aligned_distinct_reused_and_in_the_window() {
        assert!(alloc(usize::MAX / 2, 64).is_null());
        if window().is_none() {
            eprintln!("skipped: rte_malloc is the C library's here (DMADEV_MALLOC=libc)");
            return;
        }
        let a = alloc(100, 64);
        let b = alloc(100, 4096);
        let c = alloc(3 << 20, 64);
        assert!(!a.is_null() && !b.is_null() && !c.is_null());
        assert_eq!(b as usize % 4096, 0);
        assert_ne!(a, b);
        // SAFETY: blocks from `alloc` of the sizes used here, each released once.
        unsafe {
            assert_eq!(usable_size(a), 128);
            ptr::write_bytes(c.cast::<u8>(), 0xee, 3 << 20);
            release(a);
            let again = alloc(120, 64);
            assert_eq!(again, a, "a freed block of the same size is reused");
            release(again);
            release(b);
            release(c);
        }
        let w = window().unwrap();
        assert!(a as u64 >= w.base && (a as u64) < w.base + w.len);
    }

    #[test]
    fn a_forked_child_neither_shares_nor_corrupts_the_parents_heap() {
        let parent_block = alloc(4096, 64) as *mut u8;
        assert!(!parent_block.is_null());
        // SAFETY: fresh 4096-byte block.
        unsafe { ptr::write_bytes(parent_block, 0xaa, 4096) };
        // SAFETY: the child only allocates, writes, frees and exits.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let ok = (|| {
                let fresh = alloc(4096, 64);
                if fresh.is_null() || (window().is_some() && in_heap(fresh)) {
                    return false;
                }
                // SAFETY: the parent's block, now a private copy in the child.
                unsafe {
                    ptr::write_bytes(parent_block, 0x55, 4096);
                    release(parent_block.cast());
                    release(fresh);
                }
                true
            })();
            // SAFETY: leave the child at once, without running the test harness's exit.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: waits for the child just forked.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "child status {status}"
        );
        // SAFETY: still our block.
        let seen = unsafe { core::slice::from_raw_parts(parent_block, 4096) };
        assert!(
            seen.iter().all(|&b| b == 0xaa),
            "the child's writes reached the parent"
        );
        // SAFETY: from alloc, released once.
        unsafe { release(parent_block.cast()) };
    }
}
