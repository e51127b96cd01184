//! How the application wakes a sleeping worker: a futex word the worker sleeps on.
//!
//! The worker announces it is going to sleep, re-checks for work, then waits; the
//! submitter publishes work, then looks for the announcement. Both sides put a full
//! fence between their store and their load, so one of them always sees the other:
//! either the worker finds the work, or the submitter finds the worker asleep and
//! wakes it (the only system call on the submit path, and only after the worker idled).
//!
//! Before it sleeps so, an idle worker naps: short timed sleeps without the
//! announcement, so a submit meanwhile costs the caller no system call (a futex wake
//! on a virtual machine costs it 15-50 us); the worker finds the work when its nap
//! ends. The stop's `wake` ends a nap as well.
use core::sync::atomic::{AtomicU32, Ordering::*, fence};

#[derive(Default)]
pub struct Doorbell {
    sleeping: AtomicU32,
}

impl Doorbell {
    /// Submit side, after publishing work.
    #[inline]
    pub fn ring(&self) {
        fence(SeqCst);
        if self.sleeping.load(Relaxed) != 0 {
            self.wake();
        }
    }

    /// Wakes the worker whatever it is doing (used to stop it).
    #[cold]
    pub fn wake(&self) {
        self.sleeping.store(0, Relaxed);
        futex_wake(&self.sleeping);
    }

    /// Worker side: sleeps `timeout_us` (or until `wake`) without asking to be rung.
    pub fn nap(&self, timeout_us: u64) {
        futex_wait(&self.sleeping, 0, timeout_us);
    }

    /// Worker side: sleeps until rung or `timeout_us` passed, unless `has_work` says
    /// there is something to do after the announcement.
    pub fn sleep(&self, timeout_us: u64, has_work: impl Fn() -> bool) {
        self.sleeping.store(1, Relaxed);
        fence(SeqCst);
        if !has_work() {
            futex_wait(&self.sleeping, 1, timeout_us);
        }
        self.sleeping.store(0, Relaxed);
    }
}

fn futex_wait(word: &AtomicU32, expected: u32, timeout_us: u64) {
    let ts = libc::timespec {
        tv_sec: (timeout_us / 1_000_000) as libc::time_t,
        tv_nsec: ((timeout_us % 1_000_000) * 1000) as libc::c_long,
    };
    // SAFETY: `word` is a live, aligned u32; the kernel only reads it and `ts`.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
            expected,
            &ts as *const libc::timespec,
        );
    }
}

fn futex_wake(word: &AtomicU32) {
    // SAFETY: `word` is a live, aligned u32.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
            i32::MAX,
        );
    }
}
