//! Who may read and write this process's memory by cross-memory attach.
//!
//! Under Yama's ptrace scope 1 (Ubuntu's default) a process may attach only to its
//! descendants, or to a process that named it with `prctl(PR_SET_PTRACER, pid)`.
//! Yama keeps one such pid per process, so we name the peer when there is exactly
//! one group peer, allow any process of our uid (`PR_SET_PTRACER_ANY`) only while
//! there are several, and reset it to none when the last peer is gone. Without Yama,
//! or under scopes 0, 2 and 3 (where the call changes nothing useful), we leave the
//! setting alone.
use std::sync::Mutex;

/// Peer pids, one entry per (device, group, member) that named it.
static PEERS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// What `PR_SET_PTRACER` should be set to for these peers (0: nobody).
fn policy(peers: &[i32]) -> libc::c_ulong {
    let first = peers.first().copied();
    match first {
        None => 0,
        Some(p) if peers.iter().all(|&q| q == p) => p as libc::c_ulong,
        Some(_) => libc::PR_SET_PTRACER_ANY,
    }
}

fn yama_restricts() -> bool {
    std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope").is_ok_and(|s| s.trim() == "1")
}

fn apply(peers: &[i32]) {
    if yama_restricts() {
        // SAFETY: prctl with integer arguments only.
        unsafe { libc::prctl(libc::PR_SET_PTRACER, policy(peers), 0, 0, 0) };
    }
}

fn peers() -> std::sync::MutexGuard<'static, Vec<i32>> {
    PEERS.lock().unwrap_or_else(|p| p.into_inner())
}

/// A group peer that may need to reach our memory.
pub fn add(pid: i32) {
    let mut p = peers();
    p.push(pid);
    apply(&p);
}

/// That peer is gone (once for each `add`).
pub fn remove(pid: i32) {
    let mut p = peers();
    if let Some(i) = p.iter().position(|&q| q == pid) {
        p.swap_remove(i);
    }
    apply(&p);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_peer_is_named_several_allow_any_none_resets() {
        assert_eq!(policy(&[]), 0);
        assert_eq!(policy(&[42]), 42);
        assert_eq!(policy(&[42, 42]), 42, "the same peer in two groups");
        assert_eq!(policy(&[42, 43]), libc::PR_SET_PTRACER_ANY);
    }
}
