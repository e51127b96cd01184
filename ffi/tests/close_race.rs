//! `rte_dma_close` while another thread polls `rte_dma_completed`: the poller must
//! never touch the device's memory once it is freed. This binary's allocator poisons
//! every block freed during the rounds and keeps it (a quarantine), then checks the
//! poison is intact: a write after free (the poller storing its counters into a
//! dropped ring) shows up as a changed byte. ASan catches the reads as well:
//! `RUSTFLAGS=-Zsanitizer=address cargo +nightly test -Zbuild-std
//!  --target x86_64-unknown-linux-gnu -p rte_dmadev --test close_race`.
use dmadev::abi::*;
use dmadev::{api, drivers::skeleton};
use rte_dmadev as _;
use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};

unsafe extern "C" {
    fn rte_dma_completed(
        dev_id: i16,
        vchan: u16,
        nb_cpls: u16,
        last_idx: *mut u16,
        has_error: *mut bool,
    ) -> u16;
    fn rte_dma_close(dev_id: i16) -> i32;
}

const POISON: u8 = 0xa5;
const QUARANTINE: usize = 1 << 16;

struct Quarantine;
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HELD: AtomicUsize = AtomicUsize::new(0);
static BLOCKS: [(AtomicUsize, AtomicUsize); QUARANTINE] =
    [const { (AtomicUsize::new(0), AtomicUsize::new(0)) }; QUARANTINE];

// SAFETY: forwards to the system allocator; quarantined blocks are never reused.
unsafe impl GlobalAlloc for Quarantine {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ACTIVE.load(Relaxed) {
            let i = HELD.fetch_add(1, Relaxed);
            if i < QUARANTINE {
                // SAFETY: the block is ours until freed, and it never is.
                unsafe { ptr.write_bytes(POISON, layout.size()) };
                BLOCKS[i].0.store(ptr as usize, Relaxed);
                BLOCKS[i].1.store(layout.size(), Release);
                return;
            }
        }
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Quarantine = Quarantine;

const ROUNDS: usize = 300;

#[test]
fn close_while_another_thread_polls_completed() {
    dmadev::log::set_level_pattern("lib.dmadev", 1).unwrap();
    ACTIVE.store(true, Relaxed);
    for round in 0..ROUNDS {
        let name = format!("dma_skeleton_cr{round}");
        skeleton::probe(&name, "").unwrap();
        let dev = api::get_dev_id_by_name(&CString::new(name).unwrap()).unwrap();
        let conf = rte_dma_conf {
            nb_vchans: 1,
            ..Default::default()
        };
        api::configure(dev, &conf).unwrap();
        let vconf = rte_dma_vchan_conf {
            direction: rte_dma_direction::RTE_DMA_DIR_MEM_TO_MEM as _,
            nb_desc: 64,
            ..Default::default()
        };
        api::vchan_setup(dev, 0, &vconf).unwrap();
        api::start(dev).unwrap();
        let stop = AtomicBool::new(false);
        let polling = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let (mut last, mut err) = (0u16, false);
                while !stop.load(Relaxed) {
                    // SAFETY: valid out-pointers; the id may be closed meanwhile.
                    unsafe { rte_dma_completed(dev, 0, 32, &mut last, &mut err) };
                    polling.store(true, Relaxed);
                }
            });
            while !polling.load(Relaxed) {
                std::hint::spin_loop();
            }
            api::stop(dev).unwrap();
            // SAFETY: a plain call on our device.
            assert_eq!(unsafe { rte_dma_close(dev) }, 0);
            stop.store(true, Relaxed);
        });
    }
    ACTIVE.store(false, Relaxed);
    let held = HELD.load(Acquire).min(QUARANTINE);
    for (p, len) in &BLOCKS[..held] {
        let (p, len) = (p.load(Relaxed) as *const u8, len.load(Acquire));
        // SAFETY: quarantined blocks stay allocated.
        let bytes = unsafe { core::slice::from_raw_parts(p, len) };
        if let Some(at) = bytes.iter().position(|&b| b != POISON) {
            panic!("{len}-byte block {p:?} written after it was freed (offset {at})");
        }
    }
}
