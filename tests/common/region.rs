//! Inter-OS tests: the shared region file (in /dev/shm, removed when dropped) and
//! the member processes attached to it.
use super::reexec::{self, Reexec};

/// A region file named after the test and this process (so runs do not collide).
pub struct RegionFile(pub String);

impl RegionFile {
    pub fn new(name: &str) -> RegionFile {
        let p = format!("/dev/shm/dmadev-interos-{}-{}", name, std::process::id());
        let _ = std::fs::remove_file(&p);
        RegionFile(p)
    }
}

impl Drop for RegionFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A member (this binary's ignored `member` test) started under `wrap`, with
/// `INTEROS_ROLE=role`, `INTEROS_REGION=region` and `vars` in its environment.
pub fn spawn_member(wrap: &[&str], role: &str, region: &str, vars: &[(&str, String)]) -> Reexec {
    let mut cmd = reexec::command(wrap, "member");
    // A member's rte_malloc must live in its window (what peers reach), so the
    // sanitizer gates' DMADEV_MALLOC=libc is not passed on.
    cmd.env_remove(dmadev::eal::heap::MALLOC_ENV)
        .arg("--ignored")
        .env("INTEROS_ROLE", role)
        .env("INTEROS_REGION", region);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    Reexec::spawn(cmd)
}
