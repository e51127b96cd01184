//! Where groups meet: a directory of `group-<id>.sock` sockets, private to the user.
//! `DMADEV_RUNTIME_DIR` overrides it (tests use a private one); otherwise
//! `$XDG_RUNTIME_DIR/dmadev-rs`, else `/tmp/dmadev-rs-<uid>`.
use super::socket::Socket;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// The environment variable naming the rendezvous directory.
pub const ENV: &str = "DMADEV_RUNTIME_DIR";

pub fn dir() -> PathBuf {
    if let Some(d) = std::env::var_os(ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("dmadev-rs");
    }
    // SAFETY: getuid has no memory effects.
    PathBuf::from(format!("/tmp/dmadev-rs-{}", unsafe { libc::getuid() }))
}

fn ensure_dir(d: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(d)
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

pub fn socket_path(d: &Path, group_id: i16) -> PathBuf {
    d.join(format!("group-{group_id}.sock"))
}

/// Holds an exclusive `flock` on the directory's lock file while alive, so two
/// processes creating groups at once cannot both clean up the same stale socket.
struct DirLock(#[allow(dead_code)] std::fs::File); // held, not read: closing it unlocks

impl DirLock {
    fn take(d: &Path) -> io::Result<DirLock> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(d.join("lock"))?;
        // SAFETY: flock on a descriptor we own; released when the file closes.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(DirLock(f))
    }
}

/// Picks the lowest free group id on this host and binds its socket. A socket file
/// whose creator is gone (nobody accepts on it) is stale: it is removed and reused.
pub fn reserve_group() -> io::Result<(i16, Socket, PathBuf)> {
    let d = dir();
    ensure_dir(&d)?;
    let _lock = DirLock::take(&d)?;
    for id in 0..=i16::MAX {
        let path = socket_path(&d, id);
        match Socket::listen(&path) {
            Ok(s) => return Ok((id, s, path)),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                if Socket::connect(&path).is_err() {
                    std::fs::remove_file(&path)?;
                    return Socket::listen(&path).map(|s| (id, s, path));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::OutOfMemory,
        "no free group id",
    ))
}
