//! The UNIX `SOCK_SEQPACKET` sockets of the control plane: one message per packet,
//! the kernel's credentials of the peer, and an end-of-file the moment the peer's
//! process is gone (exit or kill -9), which is how departures are noticed.
//!
//! Every socket is non-blocking: a peer that stops reading or answering can make a
//! call fail with `WouldBlock` or `TimedOut`, never hang the caller.
use super::sys::cvt;
use super::wire::{FRAME, Msg};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::time::{Duration, Instant};

pub struct Socket(OwnedFd);

/// Most descriptors one received message may carry before the rest are closed
/// unread (a message of ours carries at most one).
const MAX_FDS_PER_MSG: usize = 4;

fn sockaddr(path: &Path) -> io::Result<(libc::sockaddr_un, libc::socklen_t)> {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: an all-zero sockaddr_un is valid.
    let mut addr: libc::sockaddr_un = unsafe { core::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = path.as_os_str().as_bytes();
    if bytes.len() >= addr.sun_path.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "socket path too long",
        ));
    }
    for (d, s) in addr.sun_path.iter_mut().zip(bytes) {
        *d = *s as libc::c_char;
    }
    let len = core::mem::size_of::<libc::sa_family_t>() + bytes.len() + 1;
    Ok((addr, len as libc::socklen_t))
}

/// Milliseconds left until `deadline`, for `poll` (0 once it passed).
pub fn ms_until(deadline: Instant) -> i32 {
    let left = deadline.saturating_duration_since(Instant::now());
    // Round up so a poll never returns just before the deadline and spins.
    left.as_millis().saturating_add(1).min(i32::MAX as u128) as i32
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what.to_string())
}

impl Socket {
    fn new() -> io::Result<Socket> {
        // SAFETY: plain socket creation; the fd is owned right away.
        let fd = cvt(unsafe {
            libc::socket(
                libc::AF_UNIX,
                libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
                0,
            )
        })?;
        // SAFETY: `fd` is a new descriptor nobody else owns.
        Ok(Socket(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// A listening socket bound at `path` (fails with AddrInUse if the path exists).
    pub fn listen(path: &Path, backlog: i32) -> io::Result<Socket> {
        let s = Socket::new()?;
        let (addr, len) = sockaddr(path)?;
        // SAFETY: `addr` is a valid sockaddr_un of `len` bytes.
        cvt(unsafe { libc::bind(s.fd(), &addr as *const _ as *const libc::sockaddr, len) })?;
        // SAFETY: a bound socket.
        cvt(unsafe { libc::listen(s.fd(), backlog) })?;
        Ok(s)
    }

    /// Connects to the socket at `path`, retrying while its backlog is full, until
    /// `deadline` (a listener that stopped accepting makes this time out).
    pub fn connect(path: &Path, deadline: Instant) -> io::Result<Socket> {
        let (addr, len) = sockaddr(path)?;
        loop {
            let s = Socket::new()?;
            // SAFETY: `addr` is a valid sockaddr_un of `len` bytes.
            let rc =
                unsafe { libc::connect(s.fd(), &addr as *const _ as *const libc::sockaddr, len) };
            if rc == 0 {
                return Ok(s);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::WouldBlock {
                return Err(e);
            }
            if Instant::now() >= deadline {
                return Err(timed_out("the group's creator does not accept connections"));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// The next pending connection; `WouldBlock` when there is none.
    pub fn accept(&self) -> io::Result<Socket> {
        // SAFETY: NULL address output is allowed.
        let fd = cvt(unsafe {
            libc::accept4(
                self.fd(),
                core::ptr::null_mut(),
                core::ptr::null_mut(),
                libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            )
        })?;
        // SAFETY: `fd` is a new descriptor nobody else owns.
        Ok(Socket(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    pub fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }

    /// Sends a message, with a descriptor as `SCM_RIGHTS` if given, without waiting:
    /// `WouldBlock` when the peer's queue is full.
    pub fn send(&self, msg: Msg, fd: Option<RawFd>) -> io::Result<()> {
        let mut f = msg.encode();
        let mut iov = libc::iovec {
            iov_base: f.as_mut_ptr().cast(),
            iov_len: FRAME,
        };
        let mut cbuf = [0u64; 4]; // room for one cmsg with one int, 8-aligned
        // SAFETY: an all-zero msghdr is valid; fields are set below.
        let mut hdr: libc::msghdr = unsafe { core::mem::zeroed() };
        hdr.msg_iov = &mut iov;
        hdr.msg_iovlen = 1;
        if let Some(fd) = fd {
            // SAFETY: CMSG_SPACE/CMSG_LEN are pure size computations; the buffer holds
            // CMSG_SPACE(4) bytes, and CMSG_FIRSTHDR points into it.
            unsafe {
                hdr.msg_control = cbuf.as_mut_ptr().cast();
                hdr.msg_controllen = libc::CMSG_SPACE(4) as _;
                let c = libc::CMSG_FIRSTHDR(&hdr);
                (*c).cmsg_level = libc::SOL_SOCKET;
                (*c).cmsg_type = libc::SCM_RIGHTS;
                (*c).cmsg_len = libc::CMSG_LEN(4) as _;
                core::ptr::write_unaligned(libc::CMSG_DATA(c) as *mut libc::c_int, fd);
            }
        }
        // SAFETY: `hdr` points at live buffers; MSG_NOSIGNAL avoids SIGPIPE.
        let n = unsafe { libc::sendmsg(self.fd(), &hdr, libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT) };
        if n == FRAME as isize {
            Ok(())
        } else if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Err(io::Error::new(io::ErrorKind::WriteZero, "short send"))
        }
    }

    /// Sends a message, waiting for room until `deadline`.
    pub fn send_until(&self, msg: Msg, fd: Option<RawFd>, deadline: Instant) -> io::Result<()> {
        loop {
            match self.send(msg, fd) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(timed_out("the peer does not read its messages"));
                    }
                    poll(&mut [pollfd(self.fd(), libc::POLLOUT)], ms_until(deadline))?;
                }
                r => return r,
            }
        }
    }

    /// The next message and the descriptor that came with it, if any, without
    /// waiting (`WouldBlock` when none is queued); `Ok(None)` at end of file (the
    /// peer closed or died). Descriptors beyond the first are closed.
    pub fn recv(&self) -> io::Result<Option<(Msg, Option<OwnedFd>)>> {
        let mut f = [0u8; FRAME + 1];
        let mut iov = libc::iovec {
            iov_base: f.as_mut_ptr().cast(),
            iov_len: f.len(),
        };
        // Room for one cmsg of MAX_FDS_PER_MSG ints; the kernel closes what does not fit.
        let mut cbuf = [0u64; 2 + MAX_FDS_PER_MSG / 2];
        // SAFETY: an all-zero msghdr is valid; fields are set below.
        let mut hdr: libc::msghdr = unsafe { core::mem::zeroed() };
        hdr.msg_iov = &mut iov;
        hdr.msg_iovlen = 1;
        hdr.msg_control = cbuf.as_mut_ptr().cast();
        hdr.msg_controllen = core::mem::size_of_val(&cbuf) as _;
        // SAFETY: `hdr` points at live buffers.
        let n = unsafe {
            libc::recvmsg(
                self.fd(),
                &mut hdr,
                libc::MSG_CMSG_CLOEXEC | libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        // Take ownership of every descriptor first, so none leaks whatever follows.
        let mut fds: Vec<OwnedFd> = Vec::new();
        // SAFETY: walking the control buffer the kernel filled, as CMSG_* define; each
        // SCM_RIGHTS int in it is a new descriptor installed for us.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&hdr);
            while !c.is_null() {
                if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_RIGHTS {
                    let data = libc::CMSG_DATA(c);
                    let bytes = ((*c).cmsg_len as usize)
                        .saturating_sub(data.offset_from(c.cast::<u8>()) as usize);
                    for i in 0..bytes / 4 {
                        let raw = core::ptr::read_unaligned((data as *const libc::c_int).add(i));
                        fds.push(OwnedFd::from_raw_fd(raw));
                    }
                }
                c = libc::CMSG_NXTHDR(&hdr, c);
            }
        }
        if n == 0 {
            return Ok(None);
        }
        if hdr.msg_flags & libc::MSG_CTRUNC != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "control message carried too many descriptors",
            ));
        }
        let msg = Msg::decode(&f[..n as usize]).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, "malformed control message")
        })?;
        Ok(Some((msg, fds.into_iter().next())))
    }

    /// Like `recv`, but waits for a message until `deadline` (then `TimedOut`).
    pub fn recv_until(&self, deadline: Instant) -> io::Result<Option<(Msg, Option<OwnedFd>)>> {
        loop {
            match self.recv() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(timed_out("no answer from the group's creator"));
                    }
                    poll(&mut [pollfd(self.fd(), libc::POLLIN)], ms_until(deadline))?;
                }
                r => return r,
            }
        }
    }

    /// Process and user id of the connected peer, as the kernel saw them at connect
    /// (for the connecting side: at the listener's `listen`).
    pub fn peer(&self) -> io::Result<(i32, u32)> {
        // SAFETY: an all-zero ucred is valid; the kernel fills it.
        let mut cred: libc::ucred = unsafe { core::mem::zeroed() };
        let mut len = core::mem::size_of::<libc::ucred>() as libc::socklen_t;
        // SAFETY: `cred` is writable for `len` bytes.
        cvt(unsafe {
            libc::getsockopt(
                self.fd(),
                libc::SOL_SOCKET,
                libc::SO_PEERCRED,
                (&mut cred as *mut libc::ucred).cast(),
                &mut len,
            )
        })?;
        Ok((cred.pid, cred.uid))
    }
}

pub fn pollfd(fd: RawFd, events: libc::c_short) -> libc::pollfd {
    libc::pollfd {
        fd,
        events,
        revents: 0,
    }
}

/// `poll(2)` over `fds`, retried on EINTR; `timeout_ms` -1 waits forever.
pub fn poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> io::Result<usize> {
    loop {
        // SAFETY: `fds` holds `fds.len()` valid pollfd entries.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
        if rc >= 0 {
            return Ok(rc as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// An eventfd used to wake a control thread out of `poll`.
pub struct Waker(OwnedFd);

impl Waker {
    pub fn new() -> io::Result<Waker> {
        // SAFETY: plain eventfd creation; the fd is owned right away.
        let fd = cvt(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        // SAFETY: `fd` is a new descriptor nobody else owns.
        Ok(Waker(unsafe { OwnedFd::from_raw_fd(fd) }))
    }
    pub fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64.
        unsafe { libc::write(self.0.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }
    pub fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(1)
    }

    fn open_fds() -> usize {
        std::fs::read_dir("/proc/self/fd").unwrap().count()
    }

    #[test]
    fn messages_cross_a_socket_pair_and_eof_is_seen() {
        let dir = std::env::temp_dir().join(format!("dmadev-sock-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.sock");
        let _ = std::fs::remove_file(&path);
        let listener = Socket::listen(&path, 4).unwrap();
        assert_eq!(
            Socket::listen(&path, 4).err().map(|e| e.kind()),
            Some(io::ErrorKind::AddrInUse)
        );
        let client = Socket::connect(&path, soon()).unwrap();
        let server = listener.accept().unwrap();
        let (pid, uid) = server.peer().unwrap();
        assert_eq!(pid as u32, std::process::id());
        // SAFETY: getuid has no memory effects.
        assert_eq!(uid, unsafe { libc::getuid() });
        assert_eq!(
            server.recv().err().map(|e| e.kind()),
            Some(io::ErrorKind::WouldBlock),
            "nothing queued: no wait"
        );
        client.send(Msg::Leave, None).unwrap();
        assert_eq!(server.recv_until(soon()).unwrap().unwrap().0, Msg::Leave);
        // A descriptor travels with a message.
        let w = Waker::new().unwrap();
        client.send(Msg::Destroy, Some(w.fd())).unwrap();
        let (m, fd) = server.recv_until(soon()).unwrap().unwrap();
        assert_eq!(m, Msg::Destroy);
        assert!(fd.is_some_and(|f| f.as_raw_fd() != w.fd()));
        drop(client);
        assert!(server.recv_until(soon()).unwrap().is_none());
        let _quiet = Socket::connect(&path, soon()).unwrap();
        let waiting = listener.accept().unwrap();
        let t = Instant::now();
        assert_eq!(
            waiting
                .recv_until(Instant::now() + Duration::from_millis(10))
                .err()
                .map(|e| e.kind()),
            Some(io::ErrorKind::TimedOut)
        );
        assert!(t.elapsed() < Duration::from_millis(500));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Sends one frame carrying `n` descriptors, as a hostile peer could.
    fn send_with_fds(s: &Socket, fds: &[RawFd]) {
        let mut f = Msg::Leave.encode();
        let mut iov = libc::iovec {
            iov_base: f.as_mut_ptr().cast(),
            iov_len: FRAME,
        };
        let mut cbuf = [0u64; 16];
        // SAFETY: as in `send`, with room for up to 16 ints.
        unsafe {
            let mut hdr: libc::msghdr = core::mem::zeroed();
            hdr.msg_iov = &mut iov;
            hdr.msg_iovlen = 1;
            hdr.msg_control = cbuf.as_mut_ptr().cast();
            hdr.msg_controllen = libc::CMSG_SPACE(4 * fds.len() as u32) as _;
            let c = libc::CMSG_FIRSTHDR(&hdr);
            (*c).cmsg_level = libc::SOL_SOCKET;
            (*c).cmsg_type = libc::SCM_RIGHTS;
            (*c).cmsg_len = libc::CMSG_LEN(4 * fds.len() as u32) as _;
            for (i, fd) in fds.iter().enumerate() {
                core::ptr::write_unaligned((libc::CMSG_DATA(c) as *mut libc::c_int).add(i), *fd);
            }
            assert_eq!(libc::sendmsg(s.fd(), &hdr, 0), FRAME as isize);
        }
    }

    #[test]
    fn received_descriptors_beyond_the_first_are_closed() {
        let mut pair = [0; 2];
        // SAFETY: fills two descriptors we own below.
        let rc = unsafe {
            libc::socketpair(
                libc::AF_UNIX,
                libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
                0,
                pair.as_mut_ptr(),
            )
        };
        assert_eq!(rc, 0);
        // SAFETY: both are new descriptors nobody else owns.
        let (a, b) = unsafe {
            (
                Socket(OwnedFd::from_raw_fd(pair[0])),
                Socket(OwnedFd::from_raw_fd(pair[1])),
            )
        };
        let w = Waker::new().unwrap();
        let before = open_fds();
        for n in [1usize, 4, 8] {
            for _ in 0..20 {
                send_with_fds(&a, &vec![w.fd(); n]);
                match b.recv() {
                    Ok(Some((m, fd))) => {
                        assert_eq!(m, Msg::Leave);
                        assert!(fd.is_some());
                    }
                    Err(e) => assert_eq!(e.kind(), io::ErrorKind::InvalidData, "n={n}"),
                    Ok(None) => panic!("unexpected end of file"),
                }
            }
        }
        assert_eq!(open_fds(), before, "no descriptor kept");
    }

    #[test]
    fn a_full_listener_makes_connect_time_out_not_hang() {
        let dir = std::env::temp_dir().join(format!("dmadev-sock-full-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.sock");
        let _ = std::fs::remove_file(&path);
        let _listener = Socket::listen(&path, 1).unwrap();
        let mut held = Vec::new();
        let t = Instant::now();
        let err = loop {
            match Socket::connect(&path, Instant::now() + Duration::from_millis(50)) {
                Ok(s) => held.push(s),
                Err(e) => break e,
            }
            assert!(held.len() < 100, "the backlog never filled");
        };
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(t.elapsed() < Duration::from_secs(2));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_peer_that_never_reads_makes_sends_fail_not_block() {
        let mut pair = [0; 2];
        // SAFETY: fills two descriptors we own below.
        let rc = unsafe {
            libc::socketpair(
                libc::AF_UNIX,
                libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
                0,
                pair.as_mut_ptr(),
            )
        };
        assert_eq!(rc, 0);
        // SAFETY: both are new descriptors nobody else owns.
        let (a, _b) = unsafe {
            (
                Socket(OwnedFd::from_raw_fd(pair[0])),
                Socket(OwnedFd::from_raw_fd(pair[1])),
            )
        };
        let mut sent = 0;
        let err = loop {
            match a.send(Msg::Leave, None) {
                Ok(()) => sent += 1,
                Err(e) => break e,
            }
            assert!(sent < 1_000_000);
        };
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        let t = Instant::now();
        let e = a
            .send_until(Msg::Leave, None, Instant::now() + Duration::from_millis(20))
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(t.elapsed() < Duration::from_millis(500));
    }
}
