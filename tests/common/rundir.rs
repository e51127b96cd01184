//! The rendezvous directory of access pair groups (`DMADEV_RUNTIME_DIR`), one of the
//! test's own so that tests running at once never meet in a shared one.
use std::path::{Path, PathBuf};

/// `<tmp>/dmadev-<name>-<pid>`, not created; a stale one of an earlier run that had
/// the same pid is removed.
pub fn fresh(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dmadev-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Makes `dir` the rendezvous directory of this process.
///
/// # Safety
/// No other thread of this process reads or changes the environment meanwhile.
pub unsafe fn set(dir: &Path) {
    // SAFETY: the caller's contract.
    unsafe { std::env::set_var("DMADEV_RUNTIME_DIR", dir) };
}

/// A `fresh` directory set as the rendezvous directory, removed when dropped.
pub struct RunDir(PathBuf);

impl RunDir {
    /// # Safety
    /// As `set`.
    pub unsafe fn new(name: &str) -> RunDir {
        let d = fresh(name);
        // SAFETY: the caller's contract.
        unsafe { set(&d) };
        RunDir(d)
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
