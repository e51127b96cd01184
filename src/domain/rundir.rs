//! Where groups meet: a directory private to the user, holding one
//! `group-<id>.sock` socket and one `group-<id>.lock` file per live group.
//!
//! `DMADEV_RUNTIME_DIR` names it (tests use a private one); otherwise
//! `$XDG_RUNTIME_DIR/dmadev-rs`, else `/tmp/dmadev-rs-<uid>`. It is created mode 0700
//! and refused unless it is a real directory (not a symlink), owned by our uid and
//! writable by nobody else, so no other user can place or move a socket in it. Once
//! checked it is only reached through its open descriptor (`openat`, and
//! `/proc/self/fd/<fd>/…` for socket addresses), so renaming a parent afterwards
//! changes nothing.
//!
//! A group id is owned by whoever holds the `flock` on its lock file: the kernel
//! drops it when that process dies, so a crashed creator's id is free again, and
//! taking an id never talks to another process (it cannot block on one).
use super::socket::Socket;
use super::sys::{cvt, fstat, my_uid};
use crate::dma_log;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// The environment variable naming the rendezvous directory.
pub const ENV: &str = "DMADEV_RUNTIME_DIR";

/// Connections a group's socket queues before joiners have to wait.
const BACKLOG: i32 = 16;

/// The rendezvous directory's path, from the environment.
pub fn default_path() -> PathBuf {
    if let Some(d) = std::env::var_os(ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("dmadev-rs");
    }
    PathBuf::from(format!("/tmp/dmadev-rs-{}", my_uid()))
}

fn unsafe_dir(path: &Path, why: String) -> io::Error {
    dma_log!(
        ERR,
        "refusing runtime directory {}: {} (set {} to a private directory)",
        path.display(),
        why,
        ENV
    );
    io::Error::from_raw_os_error(libc::EPERM)
}

/// The verified rendezvous directory, held open.
pub struct RunDir {
    path: PathBuf,
    fd: OwnedFd,
}

impl RunDir {
    /// Opens the default rendezvous directory, creating it (0700) if missing.
    pub fn open() -> io::Result<RunDir> {
        RunDir::open_at(&default_path())
    }

    /// Opens `path` as a rendezvous directory, creating it (0700) if missing, and
    /// refuses it unless it is safe (see the module's documentation).
    pub fn open_at(path: &Path) -> io::Result<RunDir> {
        use std::os::unix::fs::DirBuilderExt;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)?;
        }
        match std::fs::DirBuilder::new().mode(0o700).create(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let c = cstring(path)?;
        // SAFETY: a NUL-terminated path; O_NOFOLLOW refuses a symlink as the last part.
        let fd = unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_RDONLY,
            )
        };
        if fd < 0 {
            let e = io::Error::last_os_error();
            return Err(match e.raw_os_error() {
                Some(libc::ELOOP) | Some(libc::ENOTDIR) => {
                    unsafe_dir(path, "it is a symbolic link or not a directory".into())
                }
                _ => e,
            });
        }
        // SAFETY: `fd` is a new descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let st = fstat(&fd)?;
        if st.st_uid != my_uid() {
            return Err(unsafe_dir(
                path,
                format!("owned by uid {}, not {}", st.st_uid, my_uid()),
            ));
        }
        if st.st_mode & 0o022 != 0 {
            return Err(unsafe_dir(
                path,
                format!("writable by others (mode {:o})", st.st_mode & 0o7777),
            ));
        }
        Ok(RunDir {
            path: path.to_path_buf(),
            fd,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The address of `name` in this directory for `bind`/`connect`: through our
    /// descriptor, so it is the directory we checked whatever happened to its path.
    fn address(&self, name: &str) -> PathBuf {
        let via_fd = PathBuf::from(format!("/proc/self/fd/{}", self.fd.as_raw_fd()));
        if via_fd.is_dir() {
            via_fd.join(name)
        } else {
            self.path.join(name)
        }
    }

    /// The address of group `id`'s socket.
    pub fn socket_address(&self, id: i16) -> PathBuf {
        self.address(&socket_name(id))
    }

    fn unlink(&self, name: &str) -> io::Result<()> {
        let c = CString::new(name).map_err(|_| io::ErrorKind::InvalidInput)?;
        // SAFETY: a NUL-terminated name relative to our open directory.
        match cvt(unsafe { libc::unlinkat(self.fd.as_raw_fd(), c.as_ptr(), 0) }) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Takes the lowest group id nobody holds and binds its socket. A socket left
    /// by a creator that died is replaced.
    pub fn reserve_group(self: &std::sync::Arc<Self>) -> io::Result<(GroupId, Socket)> {
        for id in 0..=i16::MAX {
            let Some(lock) = self.try_lock(id)? else {
                continue;
            };
            self.unlink(&socket_name(id))?;
            let socket = Socket::listen(&self.socket_address(id), BACKLOG)?;
            return Ok((
                GroupId {
                    id,
                    dir: std::sync::Arc::clone(self),
                    _lock: lock,
                },
                socket,
            ));
        }
        Err(io::Error::from_raw_os_error(libc::ENOSPC))
    }

    /// The lock of group `id` if nobody holds it. The lock file may be removed by its
    /// holder between our open and our lock: then we hold a dead file and try again.
    fn try_lock(&self, id: i16) -> io::Result<Option<OwnedFd>> {
        let name = CString::new(lock_name(id)).map_err(|_| io::ErrorKind::InvalidInput)?;
        for _ in 0..8 {
            // SAFETY: a NUL-terminated name relative to our open directory; the flags
            // refuse a planted symlink.
            let fd = cvt(unsafe {
                libc::openat(
                    self.fd.as_raw_fd(),
                    name.as_ptr(),
                    libc::O_RDWR | libc::O_CREAT | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                    0o600 as libc::c_uint,
                )
            });
            let fd = match fd {
                Ok(fd) => fd,
                // Not a file we made (a symlink, say): this id is unusable, not ours.
                Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                    dma_log!(
                        WARNING,
                        "skipping group id {}: {}/{} is not a regular file",
                        id,
                        self.path.display(),
                        lock_name(id)
                    );
                    return Ok(None);
                }
                Err(e) => return Err(e),
            };
            // SAFETY: `fd` is a new descriptor nobody else owns.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            // SAFETY: flock on our own descriptor; never waits.
            if unsafe { libc::flock(fd.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
                let e = io::Error::last_os_error();
                return if e.kind() == io::ErrorKind::WouldBlock {
                    Ok(None)
                } else {
                    Err(e)
                };
            }
            if self.still_linked(&name, &fd)? {
                return Ok(Some(fd));
            }
        }
        Ok(None)
    }

    /// Whether `name` in the directory is still the file open as `fd`.
    fn still_linked(&self, name: &CString, fd: &OwnedFd) -> io::Result<bool> {
        // SAFETY: an all-zero stat is valid; the kernel fills it.
        let mut st: libc::stat = unsafe { core::mem::zeroed() };
        // SAFETY: a NUL-terminated name relative to our directory; `st` is writable.
        let rc = unsafe {
            libc::fstatat(
                self.fd.as_raw_fd(),
                name.as_ptr(),
                &mut st,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        if rc != 0 {
            return Ok(false);
        }
        let ours = fstat(fd)?;
        Ok(ours.st_dev == st.st_dev && ours.st_ino == st.st_ino)
    }
}

fn cstring(path: &Path) -> io::Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).map_err(|_| io::ErrorKind::InvalidInput.into())
}

fn socket_name(id: i16) -> String {
    format!("group-{id}.sock")
}

fn lock_name(id: i16) -> String {
    format!("group-{id}.lock")
}

/// A group id this process owns: its socket and lock file are removed, and the id
/// freed, when this is dropped (in that order, so nobody can take the id while our
/// socket file still exists, and we never remove another creator's socket).
pub struct GroupId {
    pub id: i16,
    dir: std::sync::Arc<RunDir>,
    _lock: OwnedFd,
}

impl Drop for GroupId {
    fn drop(&mut self) {
        let _ = self.dir.unlink(&socket_name(self.id));
        let _ = self.dir.unlink(&lock_name(self.id));
        // The lock itself goes with the descriptor, after the files.
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Arc;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dmadev-rundir-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn creates_a_private_directory_and_refuses_unsafe_ones() {
        let d = scratch("modes");
        let rd = RunDir::open_at(&d).unwrap();
        let mode = std::fs::metadata(&d).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        drop(rd);
        for bad in [0o777, 0o720, 0o702] {
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(bad)).unwrap();
            let e = RunDir::open_at(&d)
                .err()
                .expect("a writable directory is refused");
            assert_eq!(e.raw_os_error(), Some(libc::EPERM), "mode {bad:o}");
        }
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o711)).unwrap();
        assert!(RunDir::open_at(&d).is_ok(), "searchable by others is fine");
        let link = scratch("link");
        std::os::unix::fs::symlink(&d, &link).unwrap();
        let e = RunDir::open_at(&link).err().expect("a symlink is refused");
        assert_eq!(e.raw_os_error(), Some(libc::EPERM));
        std::fs::remove_file(&link).unwrap();
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn ids_are_held_by_a_lock_and_freed_with_it() {
        let d = scratch("ids");
        let rd = Arc::new(RunDir::open_at(&d).unwrap());
        let (a, _sa) = rd.reserve_group().unwrap();
        let (b, _sb) = rd.reserve_group().unwrap();
        assert_eq!((a.id, b.id), (0, 1));
        assert!(d.join("group-0.sock").exists());
        drop(a);
        assert!(
            !d.join("group-0.sock").exists(),
            "the socket goes with the id"
        );
        let (c, _sc) = rd.reserve_group().unwrap();
        assert_eq!(c.id, 0, "a freed id is taken again");
        // A stale socket (its creator died: nobody holds the lock) is replaced.
        drop(c);
        std::fs::write(d.join("group-0.sock"), b"stale").unwrap();
        let (e, _se) = rd.reserve_group().unwrap();
        assert_eq!(e.id, 0);
        drop((e, b));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_planted_symlink_lock_is_not_followed() {
        let d = scratch("plant");
        let rd = Arc::new(RunDir::open_at(&d).unwrap());
        let target = scratch("plant-target");
        std::os::unix::fs::symlink(&target, d.join("group-0.lock")).unwrap();
        let (g, _s) = rd.reserve_group().unwrap();
        assert_eq!(g.id, 1, "the id with a planted lock is skipped");
        assert!(!target.exists(), "no file created where the symlink points");
        drop(g);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
