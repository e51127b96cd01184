//! The telemetry socket: a UNIX `SOCK_SEQPACKET` socket `dpdk_telemetry.v2` (then
//! `:1`, `:2`, ... while another live process holds the name, as DPDK does) served by
//! one thread.
//!
//! Clients are hostile: at most [`MAX_CLIENTS`] at a time (more are closed at once,
//! as in DPDK), one request read at a time (1023 bytes; a longer message is cut by
//! the socket), and one answer pending per client: while it is unsent nothing more is
//! read from that client, and a client that leaves it unread for [`SEND_TIMEOUT`] is
//! dropped. Sockets are non-blocking and sends use `MSG_NOSIGNAL`, so a client that
//! goes away mid-answer costs an `EPIPE`, never a signal or a stuck thread.
use super::commands;
use crate::{Error, Result};
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Most clients at once (DPDK's `MAX_CONNECTIONS`).
pub const MAX_CLIENTS: usize = 10;
/// Longest request read (DPDK reads into a 1024-byte buffer with its NUL).
const MAX_REQUEST: usize = 1023;
/// How long an answer may wait for its client to read.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// Socket name suffixes tried after the plain name (DPDK stops where its `short`
/// counter would wrap).
const MAX_SUFFIX: u32 = i16::MAX as u32;

fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// `-1` from a system call as `Err(errno)`.
fn cvt(rc: libc::c_int) -> core::result::Result<libc::c_int, i32> {
    if rc < 0 { Err(errno()) } else { Ok(rc) }
}

fn sockaddr(path: &Path) -> Result<(libc::sockaddr_un, libc::socklen_t)> {
    // SAFETY: all-zero is a valid `sockaddr_un`.
    let mut sun: libc::sockaddr_un = unsafe { core::mem::zeroed() };
    sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = path.as_os_str().as_encoded_bytes();
    if bytes.len() >= sun.sun_path.len() || bytes.contains(&0) {
        super::tel_log!(ERR, "Error with socket binding, path too long");
        return Err(Error::InvalidArgument);
    }
    for (d, &s) in sun.sun_path.iter_mut().zip(bytes) {
        *d = s as libc::c_char;
    }
    Ok((
        sun,
        core::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t,
    ))
}

fn seqpacket_socket() -> Result<OwnedFd> {
    let flags = libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK;
    // SAFETY: plain system call.
    let fd = cvt(unsafe { libc::socket(libc::AF_UNIX, flags, 0) }).map_err(Error::Errno)?;
    // SAFETY: `fd` was just opened and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Whether a live process listens at `path` (a refused or missing socket is stale).
fn in_use(path: &Path) -> bool {
    let (Ok(probe), Ok((sun, len))) = (seqpacket_socket(), sockaddr(path)) else {
        return false;
    };
    // SAFETY: `sun` is a valid address of `len` bytes.
    let rc = unsafe { libc::connect(probe.as_raw_fd(), (&raw const sun).cast(), len) };
    // A listener with a full backlog answers EAGAIN: it is alive too.
    rc == 0 || matches!(errno(), libc::EAGAIN | libc::EINPROGRESS)
}

/// Binds and listens at `path`, replacing a stale socket; `Err(EADDRINUSE)` if a
/// live process holds it.
fn bind_at(path: &Path) -> core::result::Result<OwnedFd, i32> {
    let sock = seqpacket_socket().map_err(|e| -e.errno())?;
    let (sun, len) = sockaddr(path).map_err(|e| -e.errno())?;
    let bind = || {
        // SAFETY: `sun` is a valid address of `len` bytes.
        cvt(unsafe { libc::bind(sock.as_raw_fd(), (&raw const sun).cast(), len) })
    };
    if bind().is_err() {
        if in_use(path) {
            return Err(libc::EADDRINUSE);
        }
        let _ = std::fs::remove_file(path);
        bind().inspect_err(|&e| {
            super::tel_log!(
                ERR,
                "Error binding socket: {}",
                std::io::Error::from_raw_os_error(e)
            );
        })?;
    }
    // SAFETY: a bound socket.
    if let Err(e) = cvt(unsafe { libc::listen(sock.as_raw_fd(), 16) }) {
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(sock)
}

/// The first free socket name in `dir`: `dpdk_telemetry.v2`, then `...v2:1`, ...
fn bind_free_name(dir: &Path) -> Result<(OwnedFd, PathBuf)> {
    let base = dir.join("dpdk_telemetry.v2");
    for suffix in 0..=MAX_SUFFIX {
        let path = if suffix == 0 {
            base.clone()
        } else {
            PathBuf::from(format!("{}:{suffix}", base.display()))
        };
        match bind_at(&path) {
            Ok(sock) => return Ok((sock, path)),
            Err(libc::EADDRINUSE) => continue,
            Err(e) => return Err(Error::Errno(e)),
        }
    }
    Err(Error::Errno(libc::EADDRINUSE))
}

/// A connected client and the answer it has not taken yet.
struct Client {
    fd: OwnedFd,
    pending: Option<(Vec<u8>, Instant)>,
}

impl Client {
    /// Tries to send the pending answer; false if the client must be dropped.
    fn flush(&mut self) -> bool {
        let Some((msg, since)) = &self.pending else {
            return true;
        };
        let flags = libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;
        // SAFETY: `msg` is valid for its length.
        let rc = unsafe { libc::send(self.fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), flags) };
        if rc >= 0 {
            self.pending = None;
            return true;
        }
        matches!(errno(), libc::EAGAIN | libc::EINTR) && since.elapsed() < SEND_TIMEOUT
    }

    fn queue(&mut self, msg: String) -> bool {
        self.pending = Some((msg.into_bytes(), Instant::now()));
        self.flush()
    }

    /// Reads and answers one request; false if the client is gone or broke.
    fn serve(&mut self) -> bool {
        let mut buf = [0u8; MAX_REQUEST];
        // SAFETY: `buf` is writable for its length.
        let n = unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
        match n {
            // End of file (or an empty message, which DPDK also takes as the end).
            0 => false,
            n if n < 0 => matches!(errno(), libc::EAGAIN | libc::EINTR),
            n => self.queue(commands::respond(&buf[..n as usize])),
        }
    }
}

/// The server thread's state.
struct Serve {
    listener: OwnedFd,
    wake: OwnedFd,
    clients: Vec<Client>,
}

impl Serve {
    fn accept(&mut self) {
        let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        // SAFETY: plain system call on our listening socket.
        let rc = unsafe {
            libc::accept4(
                self.listener.as_raw_fd(),
                core::ptr::null_mut(),
                core::ptr::null_mut(),
                flags,
            )
        };
        let Ok(fd) = cvt(rc) else {
            return;
        };
        // SAFETY: `fd` was just accepted and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        if self.clients.len() >= MAX_CLIENTS {
            return; // closed: DPDK turns extra clients away without a word
        }
        let mut c = Client { fd, pending: None };
        if c.queue(commands::greeting()) {
            self.clients.push(c);
        }
    }

    /// Polls once; returns false when told to stop.
    fn step(&mut self) -> bool {
        let mut fds = vec![
            libc::pollfd {
                fd: self.wake.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: self.listener.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        for c in &self.clients {
            let events = if c.pending.is_some() {
                libc::POLLOUT
            } else {
                libc::POLLIN
            };
            fds.push(libc::pollfd {
                fd: c.fd.as_raw_fd(),
                events,
                revents: 0,
            });
        }
        // Wake up now and then while answers wait, to drop clients that never read.
        let timeout = if self.clients.iter().any(|c| c.pending.is_some()) {
            200
        } else {
            -1
        };
        // SAFETY: `fds` is a valid array of its length.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
        if rc < 0 && errno() != libc::EINTR {
            super::tel_log!(ERR, "poll failed, telemetry thread quitting");
            return false;
        }
        if fds[0].revents != 0 {
            return false;
        }
        let mut keep = Vec::with_capacity(self.clients.len());
        for (mut c, p) in self.clients.drain(..).zip(&fds[2..]) {
            let alive = if c.pending.is_some() {
                c.flush()
            } else if p.revents & libc::POLLIN != 0 {
                c.serve()
            } else {
                p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) == 0
            };
            if alive {
                keep.push(c);
            }
        }
        self.clients = keep;
        if fds[1].revents & libc::POLLIN != 0 {
            self.accept();
        }
        true
    }
}

/// The running server: its thread, the descriptor that stops it, its socket's path.
pub struct Server {
    thread: Option<JoinHandle<()>>,
    wake: OwnedFd,
    path: PathBuf,
    /// The process that started it: a forked child has no server thread (and shares
    /// the wake descriptor), so it must neither wake, join nor unlink.
    owner: u32,
}

impl Server {
    /// Binds the first free `dpdk_telemetry.v2[:N]` in `dir` and starts the thread.
    pub fn start(dir: &Path) -> Result<Server> {
        let (listener, path) = bind_free_name(dir)?;
        // SAFETY: plain system call.
        let efd = cvt(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })
            .map_err(Error::Errno)?;
        // SAFETY: `efd` was just opened and is owned by nobody else.
        let wake = unsafe { OwnedFd::from_raw_fd(efd) };
        let wake_thread = wake.try_clone().map_err(|_| Error::Errno(errno()))?;
        let spawned = std::thread::Builder::new()
            .name("dpdk-telemet-v2".into())
            .spawn(move || {
                if let Some(cpus) = crate::eal::helper_thread_cpus() {
                    let _ = crate::eal::lcore::set_current_affinity(&cpus);
                }
                let mut s = Serve {
                    listener,
                    wake: wake_thread,
                    clients: Vec::new(),
                };
                while s.step() {}
            });
        let thread = match spawned {
            Ok(t) => t,
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                super::tel_log!(ERR, "Error with create socket thread: {e}");
                return Err(Error::Errno(libc::EAGAIN));
            }
        };
        Ok(Server {
            thread: Some(thread),
            wake,
            path,
            owner: std::process::id(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn wake_fd(&self) -> RawFd {
        self.wake.as_raw_fd()
    }
}

impl Drop for Server {
    /// Stops the thread (closing every client) and removes the socket.
    fn drop(&mut self) {
        if std::process::id() != self.owner {
            core::mem::forget(self.thread.take());
            return;
        }
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a local to our eventfd.
        unsafe { libc::write(self.wake_fd(), (&raw const one).cast(), 8) };
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// DPDK's runtime directory for `prefix`: `$RUNTIME_DIRECTORY`, else `/var/run` for
/// root or `$XDG_RUNTIME_DIR` (else `/tmp`), then `dpdk/<prefix>`.
pub fn runtime_dir(prefix: &str) -> PathBuf {
    let env = |k| std::env::var_os(k).filter(|v| !v.is_empty());
    // SAFETY: plain system call.
    let root = unsafe { libc::getuid() } == 0;
    let base = env("RUNTIME_DIRECTORY")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            if root {
                PathBuf::from("/var/run")
            } else {
                env("XDG_RUNTIME_DIR").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
            }
        });
    base.join("dpdk").join(prefix)
}

/// Creates `dir` and its parent (mode 0700, as DPDK does) and checks both are real
/// directories of ours (or root's) that nobody else may write: else another user
/// could put their socket where our clients look for ours.
pub fn make_runtime_dir(dir: &Path) -> Result<()> {
    for d in [dir.parent().unwrap_or(dir), dir] {
        let c =
            CString::new(d.as_os_str().as_encoded_bytes()).map_err(|_| Error::InvalidArgument)?;
        // SAFETY: a NUL-terminated path.
        if unsafe { libc::mkdir(c.as_ptr(), 0o700) } < 0 && errno() != libc::EEXIST {
            super::tel_log!(
                ERR,
                "Error creating '{}': {}",
                d.display(),
                std::io::Error::last_os_error()
            );
            return Err(Error::Errno(errno()));
        }
        let meta = std::fs::symlink_metadata(d).map_err(|_| Error::Errno(errno()))?;
        use std::os::unix::fs::MetadataExt;
        // SAFETY: plain system call.
        let me = unsafe { libc::geteuid() };
        let safe = meta.file_type().is_dir()
            && (meta.uid() == me || meta.uid() == 0)
            && meta.mode() & 0o022 == 0;
        if !safe {
            super::tel_log!(
                ERR,
                "Cannot use DPDK runtime directory {}: not a directory of ours that only we can write",
                d.display()
            );
            return Err(Error::NotPermitted);
        }
    }
    Ok(())
}
