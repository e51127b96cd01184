//! The UNIX `SOCK_SEQPACKET` sockets of the control plane: one message per packet,
//! the kernel's credentials of the peer, and an end-of-file the moment the peer's
//! process is gone (exit or kill -9), which is how departures are noticed.
use super::wire::{FRAME, Msg};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

pub struct Socket(OwnedFd);

fn cvt(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

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

impl Socket {
    fn new() -> io::Result<Socket> {
        // SAFETY: plain socket creation; the fd is owned right away.
        let fd = cvt(unsafe {
            libc::socket(libc::AF_UNIX, libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC, 0)
        })?;
        // SAFETY: `fd` is a new descriptor nobody else owns.
        Ok(Socket(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// A listening socket bound at `path` (fails with AddrInUse if the path exists).
    pub fn listen(path: &Path) -> io::Result<Socket> {
        let s = Socket::new()?;
        let (addr, len) = sockaddr(path)?;
        // SAFETY: `addr` is a valid sockaddr_un of `len` bytes.
        cvt(unsafe { libc::bind(s.fd(), &addr as *const _ as *const libc::sockaddr, len) })?;
        // SAFETY: a bound socket.
        cvt(unsafe { libc::listen(s.fd(), 64) })?;
        Ok(s)
    }

    pub fn connect(path: &Path) -> io::Result<Socket> {
        let s = Socket::new()?;
        let (addr, len) = sockaddr(path)?;
        // SAFETY: `addr` is a valid sockaddr_un of `len` bytes.
        cvt(unsafe { libc::connect(s.fd(), &addr as *const _ as *const libc::sockaddr, len) })?;
        Ok(s)
    }

    pub fn accept(&self) -> io::Result<Socket> {
        // SAFETY: NULL address output is allowed.
        let fd = cvt(unsafe {
            libc::accept4(
                self.fd(),
                core::ptr::null_mut(),
                core::ptr::null_mut(),
                libc::SOCK_CLOEXEC,
            )
        })?;
        // SAFETY: `fd` is a new descriptor nobody else owns.
        Ok(Socket(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    pub fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }

    pub fn send(&self, msg: Msg) -> io::Result<()> {
        self.send_with_fd(msg, None)
    }

    /// Sends a message, with a descriptor as `SCM_RIGHTS` if given.
    pub fn send_with_fd(&self, msg: Msg, fd: Option<RawFd>) -> io::Result<()> {
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
        let n = unsafe { libc::sendmsg(self.fd(), &hdr, libc::MSG_NOSIGNAL) };
        if n == FRAME as isize {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// The next message; `Ok(None)` at end of file (the peer closed or died).
    pub fn recv(&self) -> io::Result<Option<Msg>> {
        Ok(self.recv_with_fd()?.map(|(m, _)| m))
    }

    /// The next message and the descriptor that came with it, if any.
    pub fn recv_with_fd(&self) -> io::Result<Option<(Msg, Option<OwnedFd>)>> {
        let mut f = [0u8; FRAME + 1];
        let mut iov = libc::iovec {
            iov_base: f.as_mut_ptr().cast(),
            iov_len: f.len(),
        };
        let mut cbuf = [0u64; 4];
        // SAFETY: an all-zero msghdr is valid; fields are set below.
        let mut hdr: libc::msghdr = unsafe { core::mem::zeroed() };
        hdr.msg_iov = &mut iov;
        hdr.msg_iovlen = 1;
        hdr.msg_control = cbuf.as_mut_ptr().cast();
        hdr.msg_controllen = core::mem::size_of_val(&cbuf) as _;
        // SAFETY: `hdr` points at live buffers.
        let n = unsafe { libc::recvmsg(self.fd(), &mut hdr, libc::MSG_CMSG_CLOEXEC) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut fd = None;
        // SAFETY: walking the control buffer the kernel filled, as CMSG_* define.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&hdr);
            while !c.is_null() {
                if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_RIGHTS {
                    let raw = core::ptr::read_unaligned(libc::CMSG_DATA(c) as *const libc::c_int);
                    fd = Some(OwnedFd::from_raw_fd(raw));
                }
                c = libc::CMSG_NXTHDR(&hdr, c);
            }
        }
        if n == 0 {
            return Ok(None);
        }
        let msg = Msg::decode(&f[..n as usize]).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, "malformed control message")
        })?;
        Ok(Some((msg, fd)))
    }

    /// Like `recv`, but gives up with TimedOut after `timeout_ms`.
    pub fn recv_timeout(&self, timeout_ms: i32) -> io::Result<Option<Msg>> {
        Ok(self.recv_timeout_with_fd(timeout_ms)?.map(|(m, _)| m))
    }

    pub fn recv_timeout_with_fd(
        &self,
        timeout_ms: i32,
    ) -> io::Result<Option<(Msg, Option<OwnedFd>)>> {
        if !wait_readable(&[self.fd()], timeout_ms)?
            .first()
            .copied()
            .unwrap_or(false)
        {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no answer from the group's creator",
            ));
        }
        self.recv_with_fd()
    }

    /// Process and user id of the connected peer, as the kernel saw them at connect.
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

/// Waits until one of `fds` is readable (or hung up); returns which are.
pub fn wait_readable(fds: &[RawFd], timeout_ms: i32) -> io::Result<Vec<bool>> {
    let mut p: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    loop {
        // SAFETY: `p` holds `p.len()` valid pollfd entries.
        let rc = unsafe { libc::poll(p.as_mut_ptr(), p.len() as libc::nfds_t, timeout_ms) };
        if rc < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        return Ok(p.iter().map(|x| x.revents != 0).collect());
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

    #[test]
    fn messages_cross_a_socket_pair_and_eof_is_seen() {
        let dir = std::env::temp_dir().join(format!("dmadev-sock-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.sock");
        let _ = std::fs::remove_file(&path);
        let listener = Socket::listen(&path).unwrap();
        assert_eq!(
            Socket::listen(&path).err().map(|e| e.kind()),
            Some(io::ErrorKind::AddrInUse)
        );
        let client = Socket::connect(&path).unwrap();
        let server = listener.accept().unwrap();
        let (pid, uid) = server.peer().unwrap();
        assert_eq!(pid as u32, std::process::id());
        // SAFETY: getuid has no memory effects.
        assert_eq!(uid, unsafe { libc::getuid() });
        client.send(Msg::Leave).unwrap();
        assert_eq!(server.recv_timeout(1000).unwrap(), Some(Msg::Leave));
        // A descriptor travels with a message.
        let w = Waker::new().unwrap();
        client.send_with_fd(Msg::Destroy, Some(w.fd())).unwrap();
        let (m, fd) = server.recv_timeout_with_fd(1000).unwrap().unwrap();
        assert_eq!(m, Msg::Destroy);
        assert!(fd.is_some_and(|f| f.as_raw_fd() != w.fd()));
        drop(client);
        assert_eq!(server.recv_timeout(1000).unwrap(), None);
        assert_eq!(
            listener.recv_timeout(10).err().map(|e| e.kind()),
            Some(io::ErrorKind::TimedOut)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
