//! A region written by members that died mid-update or lie: they must neither crash
//! nor hang this process, nor stop it from attaching, joining, copying or leaving.
//! The test maps the region file a second time and plays those members by writing
//! its words directly, as another OS would; this process is the device under test.
mod common;

use common::chan::{self, Chan};
use dmadev::abi::*;
use dmadev::domain::region::layout::*;
use dmadev::domain::region::map::{Region, Source};
use dmadev::{Error, api, drivers::interdomain};
use rte_dma_status_code::*;
use std::ffi::CString;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

const SIZE: u64 = 64 << 20;
const TOKEN: [u8; 16] = [0x3c; 16];
const ME: [u8; 16] = [0x01; 16];

static EVENTS: Mutex<Vec<(u32, u8)>> = Mutex::new(Vec::new());

unsafe extern "C" fn on_event(
    _: i16,
    _: i16,
    domain: *mut u8,
    ev: rte_dma_access_pair_group_event_type,
) {
    // SAFETY: the library passes a 16-byte domain id.
    let first = unsafe { *domain };
    EVENTS.lock().unwrap().push((ev as u32, first));
}

fn wait_event(ev: u32, first: u8, within: Duration) -> Duration {
    let t = Instant::now();
    loop {
        {
            let mut events = EVENTS.lock().unwrap();
            if let Some(i) = events.iter().position(|&e| e == (ev, first)) {
                events.remove(i);
                return t.elapsed();
            }
        }
        assert!(
            t.elapsed() < within,
            "no event {ev} for domain {first:#x} within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

struct Fixture {
    dev: i16,
    raw: &'static Region,
    /// Our slot, and how long attaching took past a dead member.
    slot: usize,
    attach_took: Duration,
}

fn id_words(d: &[u8; 16], w: &[AtomicU64; 2]) {
    w[0].store(u64::from_le_bytes(d[..8].try_into().unwrap()), Relaxed);
    w[1].store(u64::from_le_bytes(d[8..].try_into().unwrap()), Relaxed);
}

/// The device, attached to a region where a dead member holds the allocation lock
/// and a window covering all the space.
fn fixture() -> MutexGuard<'static, Fixture> {
    static FIX: OnceLock<Mutex<Fixture>> = OnceLock::new();
    let m = FIX.get_or_init(|| {
        let path = format!("/dev/shm/dmadev-interos-attacks-{}", std::process::id());
        let _ = std::fs::remove_file(&path);
        let raw: &'static Region = Box::leak(Box::new(
            Region::open(Source::File(path.clone()), SIZE).unwrap(),
        ));
        let dead = raw.slot(0).unwrap();
        let word = LIVE | 0xdead_0000;
        dead.state.store(word, Release);
        dead.win_off.store(WINDOWS_OFF, Release);
        dead.win_len.store(SIZE - WINDOWS_OFF, Release);
        raw.header().alloc_lock.store((word & !0xff) | 1, Release);
        let t = Instant::now();
        let dev = common::probe(
            interdomain::probe,
            "dma_interdomain_atk",
            &format!("os_region={path},os_window=4M"),
        );
        let attach_took = t.elapsed();
        let _ = std::fs::remove_file(&path);
        let slot = (0..MAX_SLOTS)
            .find(|&i| raw.slot(i).unwrap().pid.load(Acquire) == u64::from(std::process::id()))
            .unwrap();
        Mutex::new(Fixture {
            dev,
            raw,
            slot,
            attach_took,
        })
    });
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A member played by the test: a slot that beats while `beat` is set.
struct RawMember {
    index: usize,
    word: u64,
    beat: Arc<AtomicBool>,
}

impl RawMember {
    fn new(raw: &'static Region, index: usize, window: Option<(u64, u64, u64)>) -> RawMember {
        let s = raw.slot(index).unwrap();
        let word = LIVE | (0x5eed_0000 + ((index as u64) << 8));
        s.state.store(word, Release);
        let (off, len, base) = window.unwrap_or((0, 0, 0));
        s.win_off.store(off, Release);
        s.win_len.store(len, Release);
        s.win_base.store(base, Release);
        s.ans_seq.store(s.req_seq.load(Acquire), Release);
        let beat = Arc::new(AtomicBool::new(true));
        let b = Arc::clone(&beat);
        std::thread::spawn(move || {
            while b.load(Acquire) {
                s.heartbeat.fetch_add(1, Release);
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        RawMember { index, word, beat }
    }

    /// Posts a join request for group `g` and waits for the answer.
    fn join(&self, raw: &Region, g: usize, domain: [u8; 16], token: [u8; 16]) -> i64 {
        let s = raw.slot(self.index).unwrap();
        let gword = raw.group(g).unwrap().state.load(Acquire);
        s.member_of.fetch_or(1 << g, Release);
        s.req_group.store(group_ref(g, gword), Relaxed);
        id_words(&domain, &s.req_domain);
        id_words(&token, &s.req_token);
        let seq = s.req_seq.load(Relaxed) + 1;
        s.req_seq.store(seq, Release);
        assert!(
            common::eventually(|| s.ans_seq.load(Acquire) == seq),
            "the creator did not answer"
        );
        s.ans_errno.load(Acquire) as i64
    }
}

impl Drop for RawMember {
    fn drop(&mut self) {
        self.beat.store(false, Release);
    }
}

/// What `rte_dma_dump` writes for `dev`.
fn dump_text(dev: i16) -> String {
    let path = format!("/tmp/dmadev-interos-dump-{}", std::process::id());
    let cpath = CString::new(path.clone()).unwrap();
    // SAFETY: a NUL-terminated path and mode; the stream is closed below.
    let file = unsafe { libc::fopen(cpath.as_ptr(), c"w".as_ptr()) };
    // SAFETY: a stream just opened (checked non-NULL by `new`).
    let stream = unsafe { dmadev::abi::CStream::new(file) }.unwrap();
    api::dump(dev, Some(stream)).unwrap();
    // SAFETY: the stream opened above, closed once.
    unsafe { libc::fclose(file) };
    let text = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    text
}

fn our_heartbeat_moves(f: &Fixture) {
    let hb = &f.raw.slot(f.slot).unwrap().heartbeat;
    let before = hb.load(Acquire);
    std::thread::sleep(Duration::from_millis(100));
    assert!(hb.load(Acquire) > before, "our control thread stopped");
}

/// One OS-domain vchan on `dev` (stopped first) from member `src` to member `dst`.
fn os_vchan(dev: i16, src: u16, dst: u16) -> Chan {
    let _ = api::stop(dev);
    let os = rte_dma_inter_domain_type::RTE_DMA_INTER_OS_DOMAIN;
    let [c] = chan::start(dev, [chan::between(os, src, dst)]);
    c
}

#[test]
fn a_dead_member_holding_the_lock_and_all_the_space_does_not_stop_an_attach() {
    let f = fixture();
    assert!(
        f.attach_took < Duration::from_secs(3),
        "attaching took {:?}",
        f.attach_took
    );
    assert_eq!(
        f.raw.slot(0).unwrap().state.load(Acquire),
        FREE,
        "the dead slot was freed"
    );
    assert_eq!(
        f.raw.header().alloc_lock.load(Acquire),
        0,
        "the lock was released"
    );
    let s = f.raw.slot(f.slot).unwrap();
    assert_eq!(
        s.win_off.load(Acquire),
        WINDOWS_OFF,
        "the dead window's space was reused"
    );
    our_heartbeat_moves(&f);
}

#[test]
fn a_member_joining_through_the_mailbox_is_reached_in_its_window_until_it_dies() {
    let f = fixture();
    let g = api::group_create(f.dev, &ME, &TOKEN, Some(on_event)).unwrap();
    let (off, base) = (WINDOWS_OFF + (32 << 20), 0x5000_0000_0000u64);
    let peer = RawMember::new(f.raw, 20, Some((off, 2 << 20, base)));
    let d = [0x20; 16];
    assert_eq!(
        peer.join(f.raw, g as usize, d, [9; 16]),
        -i64::from(libc::EACCES)
    );
    assert_eq!(
        peer.join(f.raw, g as usize, ME, TOKEN),
        -i64::from(libc::EEXIST)
    );
    assert_eq!(peer.join(f.raw, g as usize, d, TOKEN), 0);
    let h = api::group_handler_get(f.dev, g, &d).unwrap();
    // rte_dma_dump shows the region, the live slots with their windows, and the
    // member with its window as mapped here.
    let dump = dump_text(f.dev);
    assert!(
        dump.contains("region /dev/shm/dmadev-interos-attacks-"),
        "{dump}"
    );
    assert!(dump.contains("slot 20: pid 0 heartbeat"), "{dump}");
    assert!(
        dump.contains(&format!("window {base:#x}+{:#x}", 2 << 20)),
        "{dump}"
    );
    let buf = dmadev::eal::malloc::zmalloc(4096, 64).cast::<u8>();
    // SAFETY: a fresh 4096-byte block.
    unsafe { core::ptr::write_bytes(buf, 0xab, 4096) };
    let vc = os_vchan(f.dev, 0, h);
    assert_eq!(
        vc.copy(buf as u64, base + 100, 4096),
        RTE_DMA_STATUS_SUCCESSFUL
    );
    // SAFETY: inside the test's own mapping of the region.
    let landed =
        unsafe { core::slice::from_raw_parts((f.raw.base() + off + 100) as *const u8, 4096) };
    assert!(
        landed.iter().all(|&b| b == 0xab),
        "the copy landed in the member's window"
    );
    assert_eq!(
        vc.copy(buf as u64, base + (2 << 20) - 10, 64),
        RTE_DMA_STATUS_INVALID_DST_ADDR
    );
    assert_eq!(
        vc.copy(buf as u64, base - 64, 64),
        RTE_DMA_STATUS_INVALID_DST_ADDR
    );
    let t = Instant::now();
    drop(peer);
    wait_event(0, 0x20, Duration::from_secs(2));
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "MEMBER_LEFT after {:?}",
        t.elapsed()
    );
    assert_eq!(
        vc.copy(buf as u64, base + 100, 64),
        RTE_DMA_STATUS_DEV_LINK_ERROR
    );
    // A member whose window lies outside the region is admitted but never reached.
    let liar = RawMember::new(f.raw, 21, Some((SIZE - 4096, 1 << 30, base)));
    assert_eq!(liar.join(f.raw, g as usize, [0x21; 16], TOKEN), 0);
    let h = api::group_handler_get(f.dev, g, &[0x21; 16]).unwrap();
    let vc = os_vchan(f.dev, h, 0);
    assert_eq!(
        vc.copy(base, buf as u64, 64),
        RTE_DMA_STATUS_INVALID_SRC_ADDR
    );
    drop(liar);
    api::stop(f.dev).unwrap();
    api::group_destroy(f.dev, g).unwrap();
    // SAFETY: from zmalloc above; the device is stopped, nothing uses it any more.
    unsafe { dmadev::eal::malloc::free(buf.cast()) };
}

/// A creator played by the test at record `g`, with `members` in its table.
fn raw_group(raw: &Region, g: usize, creator: &RawMember, members: &[(u64, [u8; 16])], count: u64) {
    let rec = raw.group(g).unwrap();
    let word = group_word(creator.index, creator.word);
    if rec.state.swap(word, AcqRel) != word {
        rec.generation.fetch_add(1, Release);
    }
    let s = rec.seq.load(Acquire);
    rec.seq.store(s | 1, Release);
    for (m, (slot, d)) in rec.members.iter().zip(members) {
        m.slot.store(*slot, Relaxed);
        id_words(d, &m.domain);
    }
    rec.count.store(count, Release);
    rec.seq.store((s | 1) + 1, Release);
}

#[test]
fn a_lying_or_dying_creator_cannot_crash_or_hang_a_joiner() {
    let f = fixture();
    let our_slot = f.raw.slot(f.slot).unwrap();
    let me = member_word(f.slot, our_slot.state.load(Acquire));
    let c = RawMember::new(f.raw, 22, None);
    let cd = [0x22; 16];
    let creator_entry = (member_word(c.index, c.word), cd);
    let g = 9;
    // Garbage around the real entries: a slot index past the table, a repeated domain,
    // and a count far past the 64 members a record holds.
    let garbage = [creator_entry, (250, [0x55; 16]), creator_entry];
    raw_group(f.raw, g, &c, &garbage, 1 << 40);
    // Answers come from a thread playing the creator's control loop.
    let answer = |errno: i64, add_us: bool| {
        let raw = f.raw;
        let c_index = c.index;
        let c_word = c.word;
        std::thread::spawn(move || {
            let s = raw.slot(f_slot(raw)).unwrap();
            let t = Instant::now();
            while s.ans_seq.load(Acquire) == s.req_seq.load(Acquire) {
                if t.elapsed() > Duration::from_secs(3) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            if add_us {
                // The real creator (`c`) still lives: this stand-in must not run
                // RawMember's drop, which would declare it dead.
                let creator = std::mem::ManuallyDrop::new(RawMember {
                    index: c_index,
                    word: c_word,
                    beat: Arc::new(AtomicBool::new(false)),
                });
                raw_group(
                    raw,
                    g,
                    &creator,
                    &[creator_entry, (me, ME), (250, [0x55; 16])],
                    1 << 40,
                );
                // SAFETY: `creator` is never used or dropped again; its Arc is released
                // once, here (so the leak checker of the sanitizer gate stays quiet).
                drop(unsafe { std::ptr::read(&creator.beat) });
            }
            s.ans_errno.store(errno as u64, Release);
            s.ans_seq.store(s.req_seq.load(Acquire), Release);
        })
    };
    let t = answer(12345, false);
    assert_eq!(
        api::group_join(f.dev, &ME, &TOKEN, g as i16, Some(on_event)),
        Err(Error::Errno(libc::EPROTO))
    );
    t.join().unwrap();
    let t = answer(0, false);
    assert_eq!(
        api::group_join(f.dev, &ME, &TOKEN, g as i16, Some(on_event)),
        Err(Error::Errno(libc::EPROTO)),
        "admitted without being in the table"
    );
    t.join().unwrap();
    let t = answer(0, true);
    api::group_join(f.dev, &ME, &TOKEN, g as i16, Some(on_event)).unwrap();
    t.join().unwrap();
    assert!(api::group_handler_get(f.dev, g as i16, &cd).is_ok());
    assert!(
        api::group_handler_get(f.dev, g as i16, &[0x55; 16]).is_err(),
        "garbage entries are dropped"
    );
    // A table that never settles: the joiner keeps what it knew and goes on.
    f.raw.group(g).unwrap().seq.store(7, Release);
    our_heartbeat_moves(&f);
    assert!(api::group_handler_get(f.dev, g as i16, &cd).is_ok());
    // The creator dies: GROUP_DESTROYED within a second.
    let t0 = Instant::now();
    drop(c);
    wait_event(1, 0x22, Duration::from_secs(2));
    assert!(
        t0.elapsed() < Duration::from_secs(1),
        "GROUP_DESTROYED after {:?}",
        t0.elapsed()
    );
    api::group_leave(f.dev, g as i16).unwrap();
    // A creator that never answers: the join gives up after its deadline.
    let mute = RawMember::new(f.raw, 23, None);
    raw_group(
        f.raw,
        10,
        &mute,
        &[(member_word(mute.index, mute.word), [0x23; 16])],
        1,
    );
    let t0 = Instant::now();
    assert_eq!(
        api::group_join(f.dev, &ME, &TOKEN, 10, None),
        Err(Error::Errno(libc::ETIMEDOUT))
    );
    assert!(t0.elapsed() < Duration::from_secs(7));
    // One that dies while we wait: refused at once, not at the deadline.
    raw_group(
        f.raw,
        11,
        &mute,
        &[(member_word(mute.index, mute.word), [0x23; 16])],
        1,
    );
    let beat = Arc::clone(&mute.beat);
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        beat.store(false, Release);
    });
    let t0 = Instant::now();
    assert_eq!(
        api::group_join(f.dev, &ME, &TOKEN, 11, None),
        Err(Error::NotFound)
    );
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "noticed after {:?}",
        t0.elapsed()
    );
    // Our slot's mailbox bits are clean again.
    assert_eq!(
        our_slot.member_of.load(Acquire) & (1 << 9 | 1 << 10 | 1 << 11),
        0
    );
}

/// Our slot index, from the region (for threads without the fixture).
fn f_slot(raw: &Region) -> usize {
    (0..MAX_SLOTS)
        .find(|&i| raw.slot(i).unwrap().pid.load(Acquire) == u64::from(std::process::id()))
        .unwrap()
}

#[test]
fn garbage_in_every_other_word_of_the_control_area_neither_crashes_nor_hangs() {
    let f = fixture();
    let g = api::group_create(f.dev, &ME, &TOKEN, Some(on_event)).unwrap();
    let mut x = 0x1234_5678_9abc_def1u64;
    let t = Instant::now();
    let (slots, groups) = (SLOTS_OFF as u64, GROUPS_OFF as u64);
    while t.elapsed() < Duration::from_millis(1500) {
        for _ in 0..4096 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let word = (x >> 32) % ((CONTROL_END as u64 - slots) / 8);
            let off = slots + word * 8;
            let ours =
                off >= slots + f.slot as u64 * 128 && off < slots + (f.slot as u64 + 1) * 128;
            if ours
                || (off >= groups
                    && off < groups + 4096 * (g as u64 + 1)
                    && off >= groups + 4096 * g as u64)
            {
                continue;
            }
            // SAFETY: an aligned word inside the test's mapping of the control area.
            unsafe { (*((f.raw.base() + off) as *const AtomicU64)).store(x, Relaxed) };
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    our_heartbeat_moves(&f);
    assert!(api::group_handler_get(f.dev, g, &ME).is_ok());
    let vc = os_vchan(f.dev, 0, 0);
    let a = dmadev::eal::malloc::zmalloc(4096, 64) as u64;
    let b = dmadev::eal::malloc::zmalloc(4096, 64) as u64;
    assert_eq!(vc.copy(a, b, 4096), RTE_DMA_STATUS_SUCCESSFUL);
    let t = Instant::now();
    let other = api::group_create(f.dev, &[0x77; 16], &TOKEN, None);
    assert!(t.elapsed() < Duration::from_secs(2));
    if let Ok(o) = other {
        api::group_destroy(f.dev, o).unwrap();
    }
    api::stop(f.dev).unwrap();
    api::group_destroy(f.dev, g).unwrap();
    for p in [a, b] {
        // SAFETY: from zmalloc above; the device is stopped, nothing uses them any more.
        unsafe { dmadev::eal::malloc::free(p as usize as *mut core::ffi::c_void) };
    }
}
