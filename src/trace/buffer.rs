//! Per-thread event buffers: a thread writes its own buffer with plain stores and
//! publishes how far it got; nobody else writes it, so emitting takes no lock (a
//! thread's first event registers its buffer, once, under a mutex).
//!
//! An event is an 8-byte header (event id in bits 63..48, timestamp counter in bits
//! 47..0), 8-byte aligned, then its fields packed. A full buffer either drops new
//! events (discard mode) or starts over from the beginning (overwrite mode).
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering::*};
use std::cell::OnceCell;
use std::sync::{Arc, Mutex, OnceLock};

pub struct ThreadBuf {
    pub name: [u8; 32],
    pub cpu_id: u32,
    data: UnsafeCell<Box<[u8]>>,
    len: AtomicUsize,
}

// SAFETY: only the owning thread writes `data`, and only beyond what `len` publishes
// or after resetting it; readers copy `data[..len]`.
unsafe impl Sync for ThreadBuf {}
// SAFETY: plain owned data.
unsafe impl Send for ThreadBuf {}

impl ThreadBuf {
    /// Writes an event: the header, then what `fields` writes into the slice it gets
    /// (at most `MAX_EVENT` bytes), returning how many bytes it wrote.
    fn write(&self, id: u16, discard: bool, fields: impl FnOnce(&mut [u8]) -> usize) {
        // SAFETY: this thread is the only writer of its buffer.
        let data = unsafe { &mut *self.data.get() };
        let mut at = self.len.load(Relaxed).next_multiple_of(8);
        let room = 8 + super::MAX_EVENT;
        if at + room > data.len() {
            if discard || room > data.len() {
                return;
            }
            at = 0;
        }
        let header = (id as u64) << 48 | (crate::eal::cycles::timer_cycles() & ((1 << 48) - 1));
        data[at..at + 8].copy_from_slice(&header.to_le_bytes());
        let n = fields(&mut data[at + 8..at + room]);
        self.len.store(at + 8 + n, Release);
    }

    /// The events written so far.
    pub fn events(&self) -> Vec<u8> {
        let len = self.len.load(Acquire);
        // SAFETY: bytes below `len` were published by the writer (see Sync above).
        unsafe { (&(*self.data.get()))[..len].to_vec() }
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
    let b = Arc::new(ThreadBuf {
        name: thread_name(),
        cpu_id: crate::eal::lcore::current_id(),
        data: UnsafeCell::new(vec![0u8; size].into_boxed_slice()),
        len: AtomicUsize::new(0),
    });
    start_session();
    BUFFERS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Arc::clone(&b));
    b
}

/// Records one event on the calling thread's buffer.
pub fn record(id: u16, discard: bool, fields: impl FnOnce(&mut [u8]) -> usize) {
    MINE.with(|m| m.get_or_init(register).write(id, discard, fields));
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
        ThreadBuf {
            name: [0; 32],
            cpu_id: 0,
            data: UnsafeCell::new(vec![0u8; size].into_boxed_slice()),
            len: AtomicUsize::new(0),
        }
    }

    fn put(bytes: &[u8]) -> impl FnOnce(&mut [u8]) -> usize + '_ {
        move |out| {
            out[..bytes.len()].copy_from_slice(bytes);
            bytes.len()
        }
    }

    #[test]
    fn events_are_aligned_and_full_buffers_discard_or_wrap() {
        let room = 8 + crate::trace::MAX_EVENT;
        let b = buf(2 * room);
        b.write(3, false, put(&[1, 2, 3]));
        b.write(4, false, put(&[9; 5]));
        let ev = b.events();
        assert_eq!(ev.len(), 16 + 13);
        assert_eq!(ev[6..8], 3u16.to_le_bytes(), "id in the top 16 bits");
        assert_eq!(&ev[8..11], &[1, 2, 3]);
        assert_eq!(ev[16 + 6], 4);
        // Fill up; then discard keeps what is there and overwrite starts over.
        b.write(6, false, put(&[1; 100]));
        let full = b.events().len();
        b.write(5, true, put(&[7; 8]));
        assert_eq!(b.events().len(), full);
        b.write(5, false, put(&[7; 8]));
        let ev = b.events();
        assert_eq!(ev.len(), 16);
        assert_eq!(ev[6], 5);
    }
}
