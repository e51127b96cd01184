//! One access pair group as this process sees it, and the control thread that keeps
//! its member list current.
//!
//! The creator's thread owns the listening socket and one connection per joiner:
//! it admits joiners that present the token, tells everyone who is in, and notices a
//! joiner leaving (a `Leave` message, or end-of-file when its process dies). A
//! joiner's thread owns its connection to the creator and applies what the creator
//! says; end-of-file there means the creator is gone, so the group is destroyed.
//! Membership changes reach the device through [`Listener`], on the control thread.
use super::rundir;
use super::socket::{Socket, Waker, wait_readable};
use super::wire::{Msg, WindowInfo};
use crate::{Error, Result, dma_log};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub type DomainId = [u8; 16];

/// How long a joiner waits for the creator's answer.
const JOIN_TIMEOUT_MS: i32 = 5000;

/// What a device does when a group's membership changes (called on the group's
/// control thread, never on the fast path).
pub trait Listener: Send + Sync + 'static {
    fn member_added(&self, group_id: i16, domain: DomainId, pid: i32, window: Option<&Window>);
    /// `notify`: tell the application (a member left while we stay).
    fn member_left(&self, group_id: i16, domain: DomainId, notify: bool);
    /// The group is gone for this process: destroyed by its creator or its creator
    /// died (`notify`: tell the application), or we destroyed or left it ourselves.
    fn group_gone(&self, group_id: i16, notify: bool);
}

/// A member's heap offered as a window: where it is mapped in the member's process,
/// and the memfd to map it here.
#[derive(Clone, Debug)]
pub struct Window {
    pub info: WindowInfo,
    pub fd: Arc<OwnedFd>,
}

impl Window {
    /// This process's `rte_malloc` heap, if it is shared memory.
    fn ours() -> Option<Window> {
        let w = crate::eal::heap::window()?;
        // SAFETY: duplicating a descriptor the heap keeps open; the copy is ours.
        let fd = unsafe { libc::fcntl(w.fd, libc::F_DUPFD_CLOEXEC, 0) };
        // SAFETY: `fd` is a new descriptor nobody else owns.
        (fd >= 0).then(|| Window {
            info: WindowInfo {
                base: w.base,
                len: w.len,
            },
            fd: Arc::new(unsafe { OwnedFd::from_raw_fd(fd) }),
        })
    }

    fn received(info: WindowInfo, fd: Option<OwnedFd>) -> Option<Window> {
        (info.len != 0).then_some(()).and(fd).map(|fd| Window {
            info,
            fd: Arc::new(fd),
        })
    }
}

fn info_of(w: &Option<Window>) -> WindowInfo {
    w.as_ref().map(|w| w.info).unwrap_or_default()
}

fn fd_of(w: &Option<Window>) -> Option<std::os::fd::RawFd> {
    w.as_ref().map(|w| w.fd.as_raw_fd())
}

#[derive(Clone, Debug)]
pub struct Member {
    pub domain: DomainId,
    pub pid: i32,
    pub window: Option<Window>,
}

impl Member {
    fn announce(&self, to: &Socket) -> std::io::Result<()> {
        to.send_with_fd(
            Msg::Member {
                domain: self.domain,
                pid: self.pid,
                window: info_of(&self.window),
            },
            fd_of(&self.window),
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Creator,
    Joiner,
}

/// A group this process created or joined.
pub struct Group {
    pub id: i16,
    pub role: Role,
    pub me: DomainId,
    waker: Waker,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The creator's socket file, removed when the group ends.
    path: Option<PathBuf>,
}

fn io_err(e: std::io::Error) -> Error {
    Error::Errno(e.raw_os_error().unwrap_or(libc::EIO))
}

/// Lets peers read and write this process's memory (Yama's ptrace scope 1 would
/// otherwise refuse cross-memory attach between siblings). Harmless without Yama.
fn allow_peer_access() {
    // SAFETY: prctl with integer arguments only.
    unsafe { libc::prctl(libc::PR_SET_PTRACER, libc::PR_SET_PTRACER_ANY, 0, 0, 0) };
}

fn my_pid() -> i32 {
    std::process::id() as i32
}

impl Group {
    /// Creates a group with this process as its creator and only member.
    pub fn create(
        me: DomainId,
        token: DomainId,
        listener: Arc<dyn Listener>,
    ) -> Result<Arc<Group>> {
        allow_peer_access();
        let (id, socket, path) = rundir::reserve_group().map_err(|e| {
            dma_log!(
                ERR,
                "cannot create a group socket in {}: {}",
                rundir::dir().display(),
                e
            );
            io_err(e)
        })?;
        let waker = Waker::new().map_err(io_err)?;
        let creator = Member {
            domain: me,
            pid: my_pid(),
            window: Window::ours(),
        };
        listener.member_added(id, me, creator.pid, creator.window.as_ref());
        let group = Arc::new(Group {
            id,
            role: Role::Creator,
            me,
            waker,
            thread: Mutex::new(None),
            path: Some(path),
        });
        let g = Arc::clone(&group);
        let handle = std::thread::Builder::new()
            .name(format!("dma-grp{id}"))
            .spawn(move || creator_loop(&g, creator, socket, token, listener))
            .map_err(|_| Error::NoMemory)?;
        *group.thread.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        Ok(group)
    }

    /// Joins group `id`, presenting `token`. Returns once the creator admitted us
    /// and every current member is known.
    pub fn join(
        id: i16,
        me: DomainId,
        token: DomainId,
        listener: Arc<dyn Listener>,
    ) -> Result<Arc<Group>> {
        if id < 0 {
            return Err(Error::InvalidArgument);
        }
        allow_peer_access();
        let path = rundir::socket_path(&rundir::dir(), id);
        let conn = Socket::connect(&path).map_err(|e| {
            dma_log!(
                ERR,
                "group {} does not exist ({}: {})",
                id,
                path.display(),
                e
            );
            Error::NotFound
        })?;
        let window = Window::ours();
        let join = Msg::Join {
            domain: me,
            token,
            pid: my_pid(),
            window: info_of(&window),
        };
        conn.send_with_fd(join, fd_of(&window)).map_err(io_err)?;
        let members = match conn.recv_timeout(JOIN_TIMEOUT_MS).map_err(io_err)? {
            Some(Msg::Accept { members }) => members,
            Some(Msg::Refuse { errno }) => {
                dma_log!(
                    ERR,
                    "group {} refused to let this domain join (errno {})",
                    id,
                    errno
                );
                return Err(Error::from_errno(errno));
            }
            _ => return Err(Error::Errno(libc::EPROTO)),
        };
        let mut list = Vec::new();
        for _ in 0..members {
            match conn.recv_timeout_with_fd(JOIN_TIMEOUT_MS).map_err(io_err)? {
                Some((
                    Msg::Member {
                        domain,
                        pid,
                        window,
                    },
                    fd,
                )) => list.push(Member {
                    domain,
                    pid,
                    window: Window::received(window, fd),
                }),
                _ => return Err(Error::Errno(libc::EPROTO)),
            }
        }
        for m in &list {
            listener.member_added(id, m.domain, m.pid, m.window.as_ref());
        }
        let waker = Waker::new().map_err(io_err)?;
        let group = Arc::new(Group {
            id,
            role: Role::Joiner,
            me,
            waker,
            thread: Mutex::new(None),
            path: None,
        });
        let handle = std::thread::Builder::new()
            .name(format!("dma-grp{id}"))
            .spawn({
                let g = Arc::clone(&group);
                move || joiner_loop(&g, conn, listener)
            })
            .map_err(|_| Error::NoMemory)?;
        *group.thread.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        Ok(group)
    }

    /// Ends our part in the group: the creator destroys it (joiners are told), a
    /// joiner leaves it (the others are told). Waits for the control thread.
    /// Idempotent: only the first call (which takes the thread handle) removes the
    /// socket file, so a later call (from `Drop`) cannot remove the socket of a new
    /// group that has reused the id meanwhile.
    pub fn end(&self) {
        self.waker.wake();
        let handle = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        let Some(h) = handle else { return };
        // From an event callback (the control thread itself) the thread ends on its
        // own once woken; joining it there would wait forever.
        if h.thread().id() != std::thread::current().id() {
            let _ = h.join();
        }
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.end();
    }
}

struct Joiner {
    conn: Socket,
    member: Member,
}

fn creator_loop(
    group: &Group,
    me: Member,
    listen: Socket,
    token: DomainId,
    listener: Arc<dyn Listener>,
) {
    let mut joiners: Vec<Joiner> = Vec::new();
    let mut pending: Vec<Socket> = Vec::new();
    loop {
        let n_pending = pending.len();
        let mut fds = vec![group.waker.fd(), listen.fd()];
        fds.extend(pending.iter().map(Socket::fd));
        fds.extend(joiners.iter().map(|j| j.conn.fd()));
        let Ok(ready) = wait_readable(&fds, -1) else {
            break;
        };
        if ready[0] {
            for j in &joiners {
                let _ = j.conn.send(Msg::Destroy);
            }
            for j in &joiners {
                listener.member_left(group.id, j.member.domain, false);
            }
            listener.group_gone(group.id, false);
            return;
        }
        if ready[1]
            && let Ok(s) = listen.accept()
        {
            pending.push(s);
        }
        // Connections that have not joined yet: expect a Join.
        let first_pending = 2;
        let mut still_pending = Vec::new();
        let mut admitted = Vec::new();
        for (i, s) in pending.drain(..).enumerate() {
            if !ready.get(first_pending + i).copied().unwrap_or(false) {
                still_pending.push(s);
                continue;
            }
            if let Ok(Some((
                Msg::Join {
                    domain,
                    token: t,
                    window,
                    ..
                },
                fd,
            ))) = s.recv_with_fd()
            {
                match admit(&s, &me, &joiners, &admitted, domain, t, &token) {
                    Ok(mut member) => {
                        member.window = Window::received(window, fd);
                        admitted.push(Joiner { conn: s, member })
                    }
                    Err(errno) => {
                        let _ = s.send(Msg::Refuse { errno });
                    }
                }
            }
        }
        pending = still_pending;
        // Members that spoke or hung up: only Leave or end-of-file is expected.
        let first_joiner = first_pending + n_pending;
        let mut gone = Vec::new();
        for (i, j) in joiners.iter().enumerate() {
            if ready.get(first_joiner + i).copied().unwrap_or(false) {
                match j.conn.recv() {
                    Ok(Some(Msg::Leave)) | Ok(None) | Err(_) => gone.push(i),
                    Ok(Some(_)) => {}
                }
            }
        }
        for i in gone.into_iter().rev() {
            let left = joiners.remove(i);
            for j in joiners.iter().chain(admitted.iter()) {
                let _ = j.conn.send(Msg::Left {
                    domain: left.member.domain,
                });
            }
            listener.member_left(group.id, left.member.domain, true);
        }
        for new in admitted {
            // Known here before the newcomer hears it is in, so that once its join
            // returns the creator can already give its handler.
            let m = &new.member;
            listener.member_added(group.id, m.domain, m.pid, m.window.as_ref());
            // The newcomer learns every member (itself included); the others learn it.
            let everyone: Vec<&Member> = std::iter::once(&me)
                .chain(joiners.iter().map(|j| &j.member))
                .chain(std::iter::once(m))
                .collect();
            let welcomed = new
                .conn
                .send(Msg::Accept {
                    members: everyone.len() as u32,
                })
                .is_ok()
                && everyone.iter().all(|e| e.announce(&new.conn).is_ok());
            if !welcomed {
                listener.member_left(group.id, m.domain, false);
                continue;
            }
            for j in &joiners {
                let _ = m.announce(&j.conn);
            }
            joiners.push(new);
        }
    }
}

/// The creator's admission rules: the right token, a domain not yet in the group,
/// and a peer of the same user (or root).
fn admit(
    s: &Socket,
    me: &Member,
    joiners: &[Joiner],
    admitted: &[Joiner],
    domain: DomainId,
    presented: DomainId,
    token: &DomainId,
) -> core::result::Result<Member, i32> {
    if presented != *token {
        return Err(-libc::EACCES);
    }
    let taken = me.domain == domain
        || joiners
            .iter()
            .chain(admitted)
            .any(|j| j.member.domain == domain);
    if taken {
        return Err(-libc::EEXIST);
    }
    let (pid, uid) = s.peer().map_err(|_| -libc::EPERM)?;
    // SAFETY: getuid has no memory effects.
    let my_uid = unsafe { libc::getuid() };
    if uid != my_uid && uid != 0 {
        return Err(-libc::EPERM);
    }
    Ok(Member {
        domain,
        pid,
        window: None,
    })
}

fn joiner_loop(group: &Group, conn: Socket, listener: Arc<dyn Listener>) {
    while let Ok(ready) = wait_readable(&[group.waker.fd(), conn.fd()], -1) {
        if ready[0] {
            let _ = conn.send(Msg::Leave);
            listener.group_gone(group.id, false);
            return;
        }
        match conn.recv_with_fd() {
            Ok(Some((
                Msg::Member {
                    domain,
                    pid,
                    window,
                },
                fd,
            ))) => {
                let window = Window::received(window, fd);
                listener.member_added(group.id, domain, pid, window.as_ref())
            }
            Ok(Some((Msg::Left { domain }, _))) => listener.member_left(group.id, domain, true),
            Ok(Some((Msg::Destroy, _))) | Ok(None) | Err(_) => {
                listener.group_gone(group.id, true);
                // Stay until the application leaves, so `end` has a thread to join.
                let _ = wait_readable(&[group.waker.fd()], -1);
                return;
            }
            Ok(Some(_)) => {}
        }
    }
}
