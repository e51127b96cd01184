//! Per-thread event buffers: a thread writes its own buffer and publishes how far it
//! got; nobody else writes it, so emitting takes no lock (a thread's first event
//! registers its buffer, once, under a mutex).
//!
//! An event is an 8-byte header (event id in bits 63..48, timestamp counter in bits
//! 47..0), 8-byte aligned, then its fields packed. A full buffer either drops new
//! events (discard mode) or starts over from the beginning (overwrite mode).
//!
//! Readers (`rte_trace_save`, on any thread) copy the buffer while its thread may be
//! writing it, so the bytes are atomic words (relaxed stores and loads: plain moves
//! on x86_64), never plain memory two threads touch. An event is staged on the stack,
//! then copied in. Below the published `len` nothing changes until the buffer starts
//! over; starting over bumps `laps` first, and a reader whose copy overlapped a new
//! lap sees `laps` moved and copies again (a seqlock), so it never returns a torn or
//! half-overwritten event.
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*, fence};
use std::cell::OnceCell;
use std::sync::{Arc, Mutex, OnceLock};

/// Room an event may take: its header and the most its fields may take.
const ROOM: usize = 8 + super::MAX_EVENT;

pub struct ThreadBuf {
    pub name: [u8; 32],
    pub cpu_id: u32,
    /// The events, as little-endian 8-byte words.
    data: Box<[AtomicU64]>,
    /// Bytes of `data` holding whole events of the current lap (Release-published);
    /// the next event starts at the next multiple of 8.
    len: AtomicUsize,
    /// Times the buffer started over.
    laps: AtomicU64,
}

impl ThreadBuf {
    fn new(name: [u8; 32], cpu_id: u32, size: usize) -> ThreadBuf {
        ThreadBuf {
            name,
            cpu_id,
            data: (0..size / 8).map(|_| AtomicU64::new(0)).collect(),
            len: AtomicUsize::new(0),
            laps: AtomicU64::new(0),
        }
    }

    /// Writes an event stamped `cycles`: the header, then what `fields` writes into
    /// the slice it gets (at most `MAX_EVENT` bytes), returning how many bytes it wrote.
    /// Only the buffer's own thread calls it (see `record`).
    fn write(&self, id: u16, cycles: u64, discard: bool, fields: impl FnOnce(&mut [u8]) -> usize) {
        let size = self.data.len() * 8;
        let mut at = self.len.load(Relaxed).next_multiple_of(8);
        if at + ROOM > size {
            if discard || ROOM > size {
                return;
            }
            // Start over: readers that loaded the old `len` see `laps` move.
            at = 0;
            self.len.store(0, Relaxed);
            self.laps.store(self.laps.load(Relaxed) + 1, Release);
            fence(Release);
        }
        let mut event = [0u8; ROOM];
        let header = (id as u64) << 48 | (cycles & ((1 << 48) - 1));
        event[..8].copy_from_slice(&header.to_le_bytes());
        let n = 8 + fields(&mut event[8..]).min(super::MAX_EVENT);
        let words = n.div_ceil(8);
        for (w, bytes) in self.data[at / 8..at / 8 + words]
            .iter()
            .zip(event.chunks_exact(8))
        {
            w.store(
                u64::from_le_bytes(bytes.try_into().unwrap_or_default()),
                Relaxed,
            );
        }
        self.len.store(at + n, Release);
    }

    /// The events written so far (of the current lap, in overwrite mode).
    pub fn events(&self) -> Vec<u8> {
        loop {
            let lap = self.laps.load(Acquire);
            let len = self.len.load(Acquire);
            let mut out: Vec<u8> = self.data[..len.div_ceil(8)]
                .iter()
                .flat_map(|w| w.load(Relaxed).to_le_bytes())
                .collect();
            out.truncate(len);
            fence(Acquire);
            if self.laps.load(Relaxed) == lap {
                return out;
            }
        }
    }
}

static BUFFERS: Mutex<Vec<Arc<ThreadBuf>>> = Mutex::new(Vec::new());

thread_local! {
    static MINE: OnceCell<Arc<ThreadBuf>> = const { OnceCell::new() };
}

fn thread_name() -> [u8; 32] {
    let mut name = [0u8; 32];
    // SAFETY: PR_GET_NAME writes at most 16 bytes into the buffer.
    unsafe { libc::prctl(libc::PR_GET_NAME, name.as_mut_ptr(), 0, 0, 0) };
    name
}

fn register() -> Arc<ThreadBuf> {
    let size = super::config().bufsz.max(64);
    let b = Arc::new(ThreadBuf::new(
        thread_name(),
        crate::eal::lcore::current_id(),
        size,
    ));
    start_session();
    BUFFERS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Arc::clone(&b));
    b
}

/// Records one event on the calling thread's buffer.
pub fn record(id: u16, discard: bool, fields: impl FnOnce(&mut [u8]) -> usize) {
    let cycles = crate::eal::cycles::timer_cycles();
    MINE.with(|m| m.get_or_init(register).write(id, cycles, discard, fields));
}

/// Every thread buffer made so far, in creation order.
pub fn all() -> Vec<Arc<ThreadBuf>> {
    BUFFERS.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// When and how this trace began: its UUID, and a wall-clock time with the timer
/// value read at the same moment (to place timestamps in CTF's clock).
#[derive(Clone, Copy, Debug)]
pub struct Session {
    pub uuid: [u8; 16],
    pub start_cycles: u64,
    pub start_unix_ns: u128,
}

static SESSION: OnceLock<Session> = OnceLock::new();

/// Starts the trace session once (idempotent).
pub fn start_session() -> Session {
    *SESSION.get_or_init(|| {
        let mut uuid = [0u8; 16];
        // SAFETY: getrandom writes at most 16 bytes into `uuid`.
        unsafe { libc::getrandom(uuid.as_mut_ptr().cast(), 16, 0) };
        uuid[6] = (uuid[6] & 0x0f) | 0x40; // a version 4 UUID
        uuid[8] = (uuid[8] & 0x3f) | 0x80;
        let start_unix_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Session {
            uuid,
            start_cycles: crate::eal::cycles::timer_cycles(),
            start_unix_ns,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buf(size: usize) -> ThreadBuf {
        ThreadBuf::new([0; 32], 0, size)
    }

    fn put(bytes: &[u8]) -> impl FnOnce(&mut [u8]) -> usize + '_ {
        move |out| {
            out[..bytes.len()].copy_from_slice(bytes);
            bytes.len()
        }
    }

    #[test]
    fn events_are_aligned_and_full_buffers_discard_or_wrap() {
        let b = buf(2 * ROOM);
        b.write(3, 0, false, put(&[1, 2, 3]));
        b.write(4, 0, false, put(&[9; 5]));
        let ev = b.events();
        assert_eq!(ev.len(), 16 + 13);
        assert_eq!(ev[6..8], 3u16.to_le_bytes(), "id in the top 16 bits");
        assert_eq!(&ev[8..11], &[1, 2, 3]);
        assert_eq!(ev[16 + 6], 4);
        // Fill up; then discard keeps what is there and overwrite starts over.
        b.write(6, 0, false, put(&[1; 100]));
        let full = b.events().len();
        b.write(5, 0, true, put(&[7; 8]));
        assert_eq!(b.events().len(), full);
        b.write(5, 0, false, put(&[7; 8]));
        let ev = b.events();
        assert_eq!(ev.len(), 16);
        assert_eq!(ev[6], 5);
    }

    /// Checks that `ev` is a sequence of whole events written by `wrap_writer`.
    fn check_events(ev: &[u8]) {
        let mut at = 0;
        while at < ev.len() {
            let header = u64::from_le_bytes(ev[at..at + 8].try_into().unwrap());
            let (n, stamp) = ((header >> 48) as usize, header & 0xff);
            let fields = &ev[at + 8..at + 8 + n];
            assert!(
                fields.iter().all(|&b| b as u64 == stamp),
                "torn event at {at}"
            );
            at += 8 + n;
            if at < ev.len() {
                at = at.next_multiple_of(8);
            }
        }
        assert_eq!(at, ev.len(), "events end where `len` says");
    }

    /// Events whose id is their field count and whose bytes all equal their stamp.
    fn wrap_writer(b: &ThreadBuf, events: u64) {
        for i in 0..events {
            let n = (i % 13 * 9) as usize; // 0..=108 bytes
            b.write(n as u16, i, false, |out| {
                out[..n].fill(i as u8);
                n
            });
        }
    }

    #[test]
    fn a_reader_never_sees_a_torn_event_while_the_buffer_wraps() {
        // Small enough to start over every few events.
        let b = buf(4 * ROOM);
        let events = if cfg!(miri) { 300 } else { 200_000 };
        let done = core::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                wrap_writer(&b, events);
                done.store(true, Release);
            });
            let mut reads = 0;
            while !done.load(Acquire) || reads == 0 {
                check_events(&b.events());
                reads += 1;
            }
        });
        assert!(b.laps.load(Relaxed) > 10);
    }
}
