//! `DMADEV_MALLOC=libc`: `rte_malloc` from the C library (exact sizes, so ASan and
//! valgrind see each block's bounds), no shared-memory heap and no window. Its own
//! test binary: the mode is chosen at the first allocation of the process.
use core::ffi::c_void;
use dmadev::eal::{heap, malloc};

#[test]
fn libc_mode_allocates_from_the_c_library_and_offers_no_window() {
    // SAFETY: the only test of this binary sets the variable before anything reads it.
    unsafe { std::env::set_var("DMADEV_MALLOC", "libc") };
    assert!(heap::window().is_none(), "a window is offered in libc mode");

    for (size, align) in [(1usize, 0u32), (100, 64), (5000, 4096), (100, 1 << 16)] {
        let p = malloc::malloc(size, align);
        assert!(!p.is_null());
        assert!((p as usize).is_multiple_of((align as usize).max(64)));
        // SAFETY: a live block from rte_malloc.
        let usable = unsafe { heap::usable_size(p) };
        // The C library's own size, not a power-of-two class of the shared heap.
        assert!(
            usable >= size && usable < size.max(64) + 64,
            "{size}: {usable}"
        );
        // SAFETY: `size` writable bytes, then freed once.
        unsafe {
            core::ptr::write_bytes(p.cast::<u8>(), 0xab, size);
            malloc::free(p);
        }
    }

    // SAFETY: each pointer is a live block, resized or freed once.
    unsafe {
        let p = malloc::zmalloc(40, 0).cast::<u8>();
        for i in 0..40 {
            *p.add(i) = i as u8;
        }
        let q = malloc::realloc(p as *mut c_void, 3000, 0).cast::<u8>();
        assert!(!q.is_null() && heap::usable_size(q.cast()) >= 3000);
        assert!((0..40).all(|i| *q.add(i) == i as u8));
        let r = malloc::realloc(q.cast(), 8, 1 << 12).cast::<u8>();
        assert!((r as usize).is_multiple_of(4096));
        assert!((0..8).all(|i| *r.add(i) == i as u8));
        malloc::free(r.cast());
    }
}
