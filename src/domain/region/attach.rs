//! This process's place in a region: a slot (claimed with one CAS, or taken over
//! from a dead owner), a window placed under the region's allocation lock, the
//! `rte_malloc` heap moved into that window, and the thread that beats the slot's
//! heartbeat and runs the groups' control (`control`). Made once and kept for the
//! life of the process, since the heap lives in it; freed at exit.
use super::layout::*;
use super::map::{Region, Source};
use crate::{Error, Result, dma_log};
use core::sync::atomic::AtomicBool;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use std::os::fd::AsRawFd;
use std::sync::{Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// How often the heartbeat is bumped and the groups are looked at.
pub const TICK: Duration = Duration::from_millis(10);
/// A slot whose heartbeat stands still this long is dead (its members have left).
pub const DEAD_AFTER: Duration = Duration::from_millis(600);
/// How long we wait for the allocation lock before taking it from a holder whose
/// heartbeat stopped.
const LOCK_TIMEOUT: Duration = Duration::from_secs(3);

/// What we last saw of a slot, and since when it has not changed.
#[derive(Clone, Copy)]
struct Seen {
    word: u64,
    beat: u64,
    since: Instant,
}

/// Which slots beat: a slot is alive while its state is `LIVE` and its heartbeat
/// moved within `DEAD_AFTER` of our own clock (the OSes share no clock).
pub struct Liveness {
    seen: [Option<Seen>; MAX_SLOTS],
    me: usize,
    my_word: u64,
}

impl Liveness {
    fn new(me: usize, my_word: u64) -> Liveness {
        Liveness {
            seen: [None; MAX_SLOTS],
            me,
            my_word,
        }
    }

    pub fn observe(&mut self, r: &Region, now: Instant) {
        for (i, seen) in self.seen.iter_mut().enumerate() {
            let Some(s) = r.slot(i) else { continue };
            let (word, beat) = (s.state.load(Acquire), s.heartbeat.load(Acquire));
            match seen {
                Some(old) if old.word == word && old.beat == beat => {}
                _ => {
                    *seen = Some(Seen {
                        word,
                        beat,
                        since: now,
                    })
                }
            }
        }
    }

    /// The state word of slot `i` if it is alive (ours always is).
    pub fn beating(&self, i: usize, now: Instant) -> Option<u64> {
        if i == self.me {
            return Some(self.my_word);
        }
        let s = self.seen.get(i).copied().flatten()?;
        (state_of(s.word) == LIVE && now.duration_since(s.since) < DEAD_AFTER).then_some(s.word)
    }

    /// Whether slot `i` has stood still (dead or free) for `DEAD_AFTER`.
    fn stale(&self, i: usize, now: Instant) -> Option<u64> {
        let s = self.seen.get(i).copied().flatten()?;
        (i != self.me && now.duration_since(s.since) >= DEAD_AFTER).then_some(s.word)
    }
}

/// A process attached to a region.
pub struct Attached {
    pub region: &'static Region,
    pub slot: usize,
    /// Our slot's state word (`LIVE | epoch << 8`).
    pub word: u64,
    /// Our window: region offset and length, and whether the heap lives in it.
    pub win_off: u64,
    pub win_len: u64,
    pub heap: bool,
    live: Mutex<Liveness>,
    /// The devices whose groups the control thread runs.
    pub(super) devices: Mutex<Vec<Weak<super::control::RegionGroups>>>,
    /// One request at a time goes through our slot's mailbox.
    pub(super) mailbox: Mutex<()>,
}

impl Attached {
    pub fn my_slot(&self) -> &Slot {
        self.region
            .slot(self.slot)
            .expect("our slot index is in range")
    }

    /// Our view of which slots beat, refreshed now.
    pub fn liveness(&self) -> MutexGuard<'_, Liveness> {
        let mut l = self.live.lock().unwrap_or_else(|p| p.into_inner());
        l.observe(self.region, Instant::now());
        l
    }
}

static ATTACHED: Mutex<Option<&'static Attached>> = Mutex::new(None);
/// Set at exit, once our slot is being freed: the control thread then leaves it be.
static DETACHED: AtomicBool = AtomicBool::new(false);

fn random_epoch() -> u64 {
    let mut b = [0u8; 8];
    // SAFETY: getrandom writes at most 8 bytes into `b`.
    unsafe { libc::getrandom(b.as_mut_ptr().cast(), 8, 0) };
    // Non-zero in its 48 low bits (what a group word keeps), any state byte cleared.
    (u64::from_le_bytes(b) | 1) << 8
}

/// Attaches this process to the region `source` (once; a later device naming the
/// same region shares the attachment): claims a slot, places a window of
/// `window` bytes, moves the heap there if nothing was allocated yet, and starts
/// the heartbeat. A file region that does not exist yet is created with
/// `default_size` bytes.
pub fn attach(source: Source, window: u64, default_size: u64) -> Result<&'static Attached> {
    let mut attached = ATTACHED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(a) = *attached {
        if a.region.source == source {
            return Ok(a);
        }
        dma_log!(
            ERR,
            "this process is attached to region {} already, not {}",
            a.region.source,
            source
        );
        return Err(Error::Busy);
    }
    let region: &'static Region = Box::leak(Box::new(Region::open(source, default_size)?));
    let (slot, word) = claim_slot(region)?;
    let win_len = window.next_multiple_of(WINDOW_ALIGN);
    let win_off = match place_window(region, slot, word, win_len) {
        Ok(off) => off,
        Err(e) => {
            free_slot(region, slot, word);
            return Err(e);
        }
    };
    let base = region.base() + win_off;
    // SAFETY: the window is inside the region's mapping, which is never unmapped.
    let heap = unsafe {
        crate::eal::heap::adopt(
            base as *mut u8,
            win_len as usize,
            region.fd.as_raw_fd(),
            win_off as usize,
        )
    };
    if !heap {
        dma_log!(
            WARNING,
            "rte_malloc memory existed before region {} was attached: the heap stays \
             outside it, so peers in other OS domains cannot reach it (put the device \
             on the EAL command line)",
            region.source
        );
    }
    let a: &'static Attached = Box::leak(Box::new(Attached {
        region,
        slot,
        word,
        win_off,
        win_len,
        heap,
        live: Mutex::new(Liveness::new(slot, word)),
        devices: Mutex::new(Vec::new()),
        mailbox: Mutex::new(()),
    }));
    std::thread::Builder::new()
        .name("dma-region".into())
        .spawn(move || control_thread(a))
        .map_err(|_| {
            free_slot(region, slot, word);
            Error::NoMemory
        })?;
    // SAFETY: registering a plain function.
    unsafe { libc::atexit(detach_at_exit) };
    dma_log!(
        INFO,
        "attached to region {} ({} bytes): slot {}, window {:#x}+{:#x}",
        region.source,
        region.len,
        slot,
        win_off,
        win_len
    );
    *attached = Some(a);
    Ok(a)
}

/// Frees our slot when the process exits normally, so peers see us leave at once
/// (a killed process is noticed by its heartbeat instead). A forked child does not.
extern "C" fn detach_at_exit() {
    let a = *ATTACHED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(a) = a
        && a.my_slot().pid.load(Relaxed) == u64::from(std::process::id())
    {
        DETACHED.store(true, Release);
        free_slot(a.region, a.slot, a.word);
    }
}

fn free_slot(r: &Region, slot: usize, word: u64) {
    if let Some(s) = r.slot(slot) {
        let _ = s.state.compare_exchange(word, FREE, AcqRel, Acquire);
    }
}

/// Waits `DEAD_AFTER` watching every slot (beating our own, if we have one), and
/// returns the slots that stood still meanwhile with the word they kept.
fn dead_slots(r: &Region, me: Option<usize>) -> Vec<(usize, u64)> {
    let mut live = Liveness::new(me.unwrap_or(usize::MAX), 0);
    let start = Instant::now();
    live.observe(r, start);
    while start.elapsed() < DEAD_AFTER + TICK {
        if let Some(s) = me.and_then(|i| r.slot(i)) {
            s.heartbeat.fetch_add(1, Release);
        }
        std::thread::sleep(TICK);
        live.observe(r, Instant::now());
    }
    let now = Instant::now();
    (0..MAX_SLOTS)
        .filter_map(|i| live.stale(i, now).map(|w| (i, w)))
        .filter(|&(_, w)| w != FREE)
        .collect()
}

/// Claims a free slot, or one whose owner stopped beating.
fn claim_slot(r: &Region) -> Result<(usize, u64)> {
    let word = LIVE | random_epoch();
    let take = |i: usize, from: u64| {
        let s = r.slot(i)?;
        s.state.compare_exchange(from, word, AcqRel, Acquire).ok()?;
        s.member_of.store(0, Relaxed);
        s.win_off.store(0, Relaxed);
        s.win_len.store(0, Relaxed);
        s.win_base.store(0, Relaxed);
        s.pid.store(u64::from(std::process::id()), Relaxed);
        // No request pending.
        s.ans_seq.store(s.req_seq.load(Acquire), Release);
        s.heartbeat.fetch_add(1, Release);
        Some((i, word))
    };
    if let Some(got) = (0..MAX_SLOTS).find_map(|i| take(i, FREE)) {
        return Ok(got);
    }
    if let Some(got) = dead_slots(r, None)
        .into_iter()
        .find_map(|(i, w)| take(i, w))
    {
        return Ok(got);
    }
    dma_log!(
        ERR,
        "region {}: all {} slots belong to live members",
        r.source,
        MAX_SLOTS
    );
    Err(Error::NoSpace)
}

/// The allocation lock's word for a holder.
fn lock_tag(slot: usize, word: u64) -> u64 {
    (word & !0xff) | (slot as u64 + 1)
}

/// Takes the region's allocation lock; a holder that stays while its slot stops
/// beating (it died mid-placement) loses it after `DEAD_AFTER`.
fn lock_alloc(r: &Region, slot: usize, word: u64) -> Result<u64> {
    let me = lock_tag(slot, word);
    let lock = &r.header().alloc_lock;
    let deadline = Instant::now() + LOCK_TIMEOUT;
    let mut held: Option<(u64, Option<u64>, Instant)> = None;
    loop {
        let cur = match lock.compare_exchange(0, me, AcqRel, Acquire) {
            Ok(_) => return Ok(me),
            Err(cur) => cur,
        };
        let holder = ((cur & 0xff) as usize)
            .checked_sub(1)
            .and_then(|i| r.slot(i));
        let beat = holder.map(|s| s.heartbeat.load(Acquire));
        let now = Instant::now();
        match held {
            Some((tag, b, since)) if tag == cur && b == beat => {
                if now.duration_since(since) >= DEAD_AFTER
                    && lock.compare_exchange(cur, me, AcqRel, Acquire).is_ok()
                {
                    return Ok(me);
                }
            }
            _ => held = Some((cur, beat, now)),
        }
        if now >= deadline {
            dma_log!(ERR, "region {}: its allocation lock stays taken", r.source);
            return Err(Error::Errno(libc::ETIMEDOUT));
        }
        if let Some(s) = r.slot(slot) {
            s.heartbeat.fetch_add(1, Release);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The windows of the other live slots, as far as they are sane.
fn windows_in_use(r: &Region, slot: usize) -> Vec<(u64, u64)> {
    let mut used: Vec<(u64, u64)> = (0..MAX_SLOTS)
        .filter(|&i| i != slot)
        .filter_map(|i| r.slot(i))
        .filter(|s| state_of(s.state.load(Acquire)) == LIVE)
        .map(|s| (s.win_off.load(Acquire), s.win_len.load(Acquire)))
        .filter(|&(off, len)| r.window_at(off, len).is_some())
        .collect();
    used.sort_unstable();
    used
}

/// The lowest gap of `len` bytes between `used` windows (sorted), in a region of
/// `size` bytes.
pub(super) fn first_fit(used: &[(u64, u64)], len: u64, size: u64) -> Option<u64> {
    let mut at = WINDOWS_OFF;
    for &(off, l) in used {
        if off >= at && off - at >= len {
            return Some(at);
        }
        at = at.max((off + l).next_multiple_of(WINDOW_ALIGN));
    }
    (at.checked_add(len)? <= size).then_some(at)
}

/// Places our window and publishes it in our slot; when there is no room, slots
/// that stopped beating are freed first and the search made again.
fn place_window(r: &Region, slot: usize, word: u64, len: u64) -> Result<u64> {
    let size = r.header().size.load(Acquire).min(r.len);
    for attempt in 0..2 {
        let tag = lock_alloc(r, slot, word)?;
        let off = first_fit(&windows_in_use(r, slot), len, size);
        if let (Some(off), Some(s)) = (off, r.slot(slot)) {
            s.win_off.store(off, Release);
            s.win_len.store(len, Release);
            s.win_base.store(r.base() + off, Release);
        }
        let _ = r
            .header()
            .alloc_lock
            .compare_exchange(tag, 0, AcqRel, Acquire);
        if let Some(off) = off {
            return Ok(off);
        }
        if attempt == 0 {
            for (i, w) in dead_slots(r, Some(slot)) {
                free_slot(r, i, w);
            }
        }
    }
    dma_log!(
        ERR,
        "region {}: no room for a window of {} bytes",
        r.source,
        len
    );
    Err(Error::NoSpace)
}

/// Beats our heartbeat and runs the device's groups, every `TICK`, for the life of
/// the process.
fn control_thread(a: &'static Attached) {
    let mut lost = false;
    loop {
        let s = a.my_slot();
        if DETACHED.load(Acquire) {
            return;
        }
        if s.state.load(Acquire) == a.word {
            s.heartbeat.fetch_add(1, Release);
        } else if !lost {
            lost = true;
            dma_log!(
                ERR,
                "region {}: slot {} was taken over (this process stood still for over {:?}): \
                 its groups are over",
                a.region.source,
                a.slot,
                DEAD_AFTER
            );
        }
        let devices: Vec<_> = {
            let mut list = a.devices.lock().unwrap_or_else(|p| p.into_inner());
            list.retain(|d| d.strong_count() > 0);
            list.iter().filter_map(Weak::upgrade).collect()
        };
        for dev in devices {
            dev.tick();
        }
        std::thread::sleep(TICK);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_go_in_the_first_gap() {
        let m = WINDOW_ALIGN;
        let size = WINDOWS_OFF + 10 * m;
        assert_eq!(first_fit(&[], 2 * m, size), Some(WINDOWS_OFF));
        let used = [(WINDOWS_OFF, m), (WINDOWS_OFF + 3 * m, m)];
        assert_eq!(first_fit(&used, 2 * m, size), Some(WINDOWS_OFF + m));
        assert_eq!(first_fit(&used, 3 * m, size), Some(WINDOWS_OFF + 4 * m));
        assert_eq!(first_fit(&used, 7 * m, size), None);
    }
}
