//! What the integration tests share: a device's vchans driven through the fast-path
//! table (`chan`), this test binary run again as another process (`reexec`), an
//! inter-OS region file (`region`), a rendezvous directory of the test's own (`rundir`), and the deadline that bounds
//! every wait for something that must come soon.
//!
//! Each test binary compiles the whole module (`mod common;`) and uses a part of it.
#![allow(dead_code)]

pub mod chan;
pub mod reexec;
pub mod region;
pub mod rundir;

use dmadev::api;
use std::ffi::CString;
use std::time::{Duration, Instant};

/// How long a test waits for what must come soon (a completion, a child's line, a
/// peer seen) before it fails instead of hanging. Generous, so that sanitizer builds
/// on a loaded machine pass; a test that checks how fast something comes asserts
/// that with its own, shorter bound.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Polls `done` until it is true (then true) or `DEADLINE` passes (then false).
pub fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + DEADLINE;
    while !done() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

/// The driver's `probe` of a device `name` with `args` (`skeleton::probe`,
/// `interdomain::probe`), and the new device's id.
pub fn probe(probe: fn(&str, &str) -> dmadev::Result<()>, name: &str, args: &str) -> i16 {
    probe(name, args).unwrap();
    api::get_dev_id_by_name(&CString::new(name).unwrap()).unwrap()
}
