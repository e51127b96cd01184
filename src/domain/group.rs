//! One access pair group as this process sees it, and the control thread that keeps
//! its member list current.
//!
//! The creator's thread owns the listening socket and one connection per joiner:
//! it admits joiners that present the token, tells everyone who is in, and notices a
//! joiner leaving (a `Leave` message, or end-of-file when its process dies). A
//! joiner's thread owns its connection to the creator and applies what the creator
//! says; end-of-file there means the creator is gone, so the group is destroyed.
//! Membership changes reach the device through [`Listener`], on the control thread.
//!
//! Every peer is hostile until proven otherwise, and bounded even then: sockets never
//! block, an unauthenticated connection lives `HANDSHAKE` at most, a member whose
//! queued messages are not read within `STALL` is dropped (MEMBER_LEFT for the
//! others), and the numbers below cap members, groups and pending connections.
use super::rundir::{GroupId, RunDir};
use super::socket::{Socket, Waker, ms_until, poll, pollfd};
use super::sys::{fstat, my_pid, my_uid};
use super::wire::{Msg, WindowInfo};
use crate::{Error, Result, dma_log};
use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub type DomainId = [u8; 16];

/// Members of one group, its creator included.
pub const MAX_MEMBERS: usize = 64;
/// Groups one process is in at once (created or joined, over all devices).
pub const MAX_GROUPS: usize = 64;
/// Connections a creator holds before they presented a token.
const MAX_PENDING: usize = 8;
/// How long a connection may take to present its join.
const HANDSHAKE: Duration = Duration::from_secs(2);
/// How long a joiner waits to be connected and admitted.
const JOIN_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a member may leave its queued messages unread before it is dropped.
const STALL: Duration = Duration::from_secs(2);
/// Messages queued to one member (a full welcome fits twice).
const OUTBOX: usize = 2 * MAX_MEMBERS + 8;
/// Connections accepted per wake-up, so a flood cannot starve the members.
const ACCEPTS_PER_WAKE: usize = 64;
/// How long the creator stops accepting when it runs out of descriptors.
const FD_PAUSE: Duration = Duration::from_millis(100);
/// Largest window a peer may offer (our own heap is 32 GiB).
const MAX_WINDOW: u64 = 1 << 40;

/// What a device does when a group's membership changes (called on the group's
/// control thread, or in `join` before it returns; never on the fast path).
pub trait Listener: Send + Sync + 'static {
    /// A member is in; false if the device cannot take it (no handler left).
    fn member_added(
        &self,
        group_id: i16,
        domain: DomainId,
        pid: i32,
        window: Option<&Window>,
    ) -> bool;
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

/// The seal a window must carry: its file can never shrink under a mapping (growing,
/// or sealing further, cannot hurt one). Our own heap carries SHRINK, GROW and SEAL.
const REQUIRED_SEALS: libc::c_int = libc::F_SEAL_SHRINK;

impl Window {
    /// This process's `rte_malloc` heap, if it is shared memory.
    fn ours() -> Option<Window> {
        let w = crate::eal::heap::window()?;
        // SAFETY: duplicating a descriptor the heap keeps open; the copy is ours.
        let fd = unsafe { libc::fcntl(w.fd, libc::F_DUPFD_CLOEXEC, 0) };
        (fd >= 0).then(|| Window {
            info: WindowInfo {
                base: w.base,
                len: w.len,
            },
            // SAFETY: `fd` is a new descriptor nobody else owns.
            fd: Arc::new(unsafe { OwnedFd::from_raw_fd(fd) }),
        })
    }

    /// A window a peer offered, if it is safe to map: a memfd sealed so that it can
    /// never shrink (a shrunk file would kill whoever touches the lost pages with
    /// SIGBUS), at least as large as claimed, and of a sane size.
    pub fn received(info: WindowInfo, fd: Option<OwnedFd>) -> Option<Window> {
        let fd = fd?;
        if info.len == 0 {
            return None;
        }
        let refuse = |why: String| {
            dma_log!(
                WARNING,
                "ignoring a peer's window: {}; its memory is reached by system calls",
                why
            );
            None
        };
        if info.len > MAX_WINDOW || info.base.checked_add(info.len).is_none() {
            return refuse(format!(
                "{} bytes at {:#x} is out of range",
                info.len, info.base
            ));
        }
        if let Err(why) = sealed_and_sized(&fd, info.len) {
            return refuse(why);
        }
        Some(Window {
            info,
            fd: Arc::new(fd),
        })
    }
}

/// Whether the memfd `fd` can back a window of `len` bytes for good: sealed so it can
/// never shrink, and at least `len` bytes long.
pub fn sealed_and_sized(fd: &OwnedFd, len: u64) -> core::result::Result<(), String> {
    // SAFETY: fcntl on a descriptor we own.
    let seals = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GET_SEALS) };
    if seals < 0 || seals & REQUIRED_SEALS != REQUIRED_SEALS {
        return Err("its memfd is not sealed against shrinking".into());
    }
    match fstat(fd) {
        Ok(st)
            if (st.st_mode & libc::S_IFMT) == libc::S_IFREG
                && u64::try_from(st.st_size).is_ok_and(|size| size >= len) =>
        {
            Ok(())
        }
        Ok(st) => Err(format!(
            "its memfd holds {} bytes, not the {} claimed",
            st.st_size, len
        )),
        Err(e) => Err(format!("its memfd cannot be examined: {e}")),
    }
}

fn info_of(w: &Option<Window>) -> WindowInfo {
    w.as_ref().map(|w| w.info).unwrap_or_default()
}

fn fd_of(w: &Option<Window>) -> Option<Arc<OwnedFd>> {
    w.as_ref().map(|w| Arc::clone(&w.fd))
}

#[derive(Clone, Debug)]
pub struct Member {
    pub domain: DomainId,
    pub pid: i32,
    pub window: Option<Window>,
}

impl Member {
    fn announcement(&self) -> Out {
        Out {
            msg: Msg::Member {
                domain: self.domain,
                pid: self.pid,
                window: info_of(&self.window),
            },
            fd: fd_of(&self.window),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Creator,
    Joiner,
}

/// One of the `MAX_GROUPS` places a process has for groups, held while in one.
struct GroupSlot;

static GROUPS_IN_USE: AtomicUsize = AtomicUsize::new(0);

impl GroupSlot {
    fn take() -> Result<GroupSlot> {
        let taken = GROUPS_IN_USE.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < MAX_GROUPS).then_some(n + 1)
        });
        match taken {
            Ok(_) => Ok(GroupSlot),
            Err(_) => {
                dma_log!(
                    ERR,
                    "this process is already in {} groups, the most it can be in",
                    MAX_GROUPS
                );
                Err(Error::NoSpace)
            }
        }
    }
}

impl Drop for GroupSlot {
    fn drop(&mut self) {
        GROUPS_IN_USE.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A group this process created or joined.
pub struct Group {
    pub id: i16,
    pub role: Role,
    pub me: DomainId,
    waker: Waker,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The creator's hold on the id (its socket and lock file), released at the end.
    owned_id: Mutex<Option<GroupId>>,
    _slot: GroupSlot,
    /// Set when the group is over for us while its thread waits for `end` (a joiner
    /// whose creator destroyed the group or died).
    over: AtomicBool,
}

fn io_err(e: io::Error) -> Error {
    Error::from_errno(e.raw_os_error().unwrap_or(libc::EIO))
}

/// Equal tokens, compared in time that does not depend on where they differ.
pub(crate) fn same_token(a: &DomainId, b: &DomainId) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Group {
    /// Creates a group with this process as its creator and only member.
    pub fn create(
        me: DomainId,
        token: DomainId,
        listener: Arc<dyn Listener>,
    ) -> Result<Arc<Group>> {
        let slot = GroupSlot::take()?;
        let reserved = RunDir::open().map(Arc::new).and_then(|d| d.reserve_group());
        let (owned_id, socket) = reserved.map_err(|e| {
            dma_log!(
                ERR,
                "cannot create a group socket in {}: {}",
                super::rundir::default_path().display(),
                e
            );
            io_err(e)
        })?;
        let id = owned_id.id;
        let waker = Waker::new().map_err(io_err)?;
        let creator = Member {
            domain: me,
            pid: my_pid(),
            window: Window::ours(),
        };
        if !listener.member_added(id, me, creator.pid, creator.window.as_ref()) {
            return Err(Error::NoSpace);
        }
        let group = Arc::new(Group {
            id,
            role: Role::Creator,
            me,
            waker,
            thread: Mutex::new(None),
            owned_id: Mutex::new(Some(owned_id)),
            _slot: slot,
            over: AtomicBool::new(false),
        });
        let g = Arc::clone(&group);
        let l = Arc::clone(&listener);
        let handle = std::thread::Builder::new()
            .name(format!("dma-grp{id}"))
            .spawn(move || Creator::new(&g, creator, socket, token, l).run())
            .map_err(|_| {
                listener.group_gone(id, false);
                Error::NoMemory
            })?;
        *group.thread.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        Ok(group)
    }

    /// Joins group `id`, presenting `token`. Returns once the creator admitted us
    /// and every current member is known, or fails within `JOIN_TIMEOUT`.
    pub fn join(
        id: i16,
        me: DomainId,
        token: DomainId,
        listener: Arc<dyn Listener>,
    ) -> Result<Arc<Group>> {
        if id < 0 {
            return Err(Error::InvalidArgument);
        }
        let slot = GroupSlot::take()?;
        let deadline = Instant::now() + JOIN_TIMEOUT;
        let dir = RunDir::open().map_err(io_err)?;
        let conn = Socket::connect(&dir.socket_address(id), deadline).map_err(|e| {
            dma_log!(
                ERR,
                "group {} does not exist or does not answer ({}: {})",
                id,
                dir.path().display(),
                e
            );
            match e.kind() {
                io::ErrorKind::TimedOut => Error::Errno(libc::ETIMEDOUT),
                _ => Error::NotFound,
            }
        })?;
        let creator_pid = verify_creator(&conn, id)?;
        let window = Window::ours();
        let join = Msg::Join {
            domain: me,
            token,
            pid: my_pid(),
            window: info_of(&window),
        };
        let fd = window.as_ref().map(|w| w.fd.as_raw_fd());
        conn.send_until(join, fd, deadline).map_err(io_err)?;
        let members = receive_welcome(&conn, id, me, creator_pid, deadline)?;
        let mut known = Vec::with_capacity(members.len());
        for m in &members {
            if !listener.member_added(id, m.domain, m.pid, m.window.as_ref()) {
                listener.group_gone(id, false);
                return Err(Error::NoSpace);
            }
            known.push(m.domain);
        }
        let waker = Waker::new().map_err(io_err)?;
        let group = Arc::new(Group {
            id,
            role: Role::Joiner,
            me,
            waker,
            thread: Mutex::new(None),
            owned_id: Mutex::new(None),
            _slot: slot,
            over: AtomicBool::new(false),
        });
        let g = Arc::clone(&group);
        let l = Arc::clone(&listener);
        let handle = std::thread::Builder::new()
            .name(format!("dma-grp{id}"))
            .spawn(move || joiner_loop(&g, conn, known, l))
            .map_err(|_| {
                listener.group_gone(id, false);
                Error::NoMemory
            })?;
        *group.thread.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        Ok(group)
    }

    /// Whether the group still works for us: its control thread runs and the group
    /// was not destroyed under us (creator gone).
    pub fn is_active(&self) -> bool {
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner());
        let running = thread.as_ref().is_some_and(|h| !h.is_finished());
        running && !self.over.load(Ordering::Acquire)
    }

    /// Ends our part in the group: the creator destroys it (joiners are told), a
    /// joiner leaves it (the others are told). Waits for the control thread, which
    /// never blocks on a peer, so this returns in bounded time.
    /// Idempotent: only the first call (which takes the thread handle) releases the
    /// group id, so a later call (from `Drop`) cannot touch a new group's files.
    pub fn end(&self) {
        self.waker.wake();
        let handle = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        let Some(h) = handle else { return };
        // From an event callback (the control thread itself) the thread ends on its
        // own once woken; joining it there would wait forever.
        if h.thread().id() != std::thread::current().id() {
            let _ = h.join();
        }
        drop(
            self.owned_id
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.end();
    }
}

/// Checks that the socket we reached belongs to our user (or root), and returns the
/// pid of the process listening on it: the group's creator.
fn verify_creator(conn: &Socket, id: i16) -> Result<i32> {
    let (pid, uid) = conn.peer().map_err(io_err)?;
    if uid != my_uid() && uid != 0 {
        dma_log!(
            ERR,
            "group {} is served by uid {}, not by this user: refusing to join",
            id,
            uid
        );
        return Err(Error::NotPermitted);
    }
    if pid <= 0 {
        return Err(Error::Errno(libc::EPROTO));
    }
    Ok(pid)
}

fn protocol_error(id: i16, what: &str) -> Error {
    dma_log!(
        ERR,
        "group {}: the creator broke the protocol ({}): not joining",
        id,
        what
    );
    Error::Errno(libc::EPROTO)
}

/// Reads the creator's answer to our join: a refusal, or the member list (the
/// creator first, this domain among them once), each member checked.
fn receive_welcome(
    conn: &Socket,
    id: i16,
    me: DomainId,
    creator_pid: i32,
    deadline: Instant,
) -> Result<Vec<Member>> {
    let count = match conn.recv_until(deadline).map_err(io_err)? {
        Some((Msg::Accept { members }, _)) => members as usize,
        Some((Msg::Refuse { errno }, _)) if (-4095..0).contains(&errno) => {
            dma_log!(
                ERR,
                "group {} refused to let this domain join (errno {})",
                id,
                errno
            );
            return Err(Error::from_errno(errno));
        }
        Some(_) => return Err(protocol_error(id, "no accept or refusal")),
        None => return Err(protocol_error(id, "closed before answering")),
    };
    if !(2..=MAX_MEMBERS).contains(&count) {
        return Err(protocol_error(id, "member count out of range"));
    }
    let mut list: Vec<Member> = Vec::with_capacity(count);
    for i in 0..count {
        let Some((
            Msg::Member {
                domain,
                pid,
                window,
            },
            fd,
        )) = conn.recv_until(deadline).map_err(io_err)?
        else {
            return Err(protocol_error(id, "member list cut short"));
        };
        if pid <= 0 || list.iter().any(|m| m.domain == domain) {
            return Err(protocol_error(id, "bad or repeated member"));
        }
        if i == 0 && pid != creator_pid {
            return Err(protocol_error(id, "creator pid differs from its socket's"));
        }
        if domain == me && pid != my_pid() {
            return Err(protocol_error(id, "this domain announced with another pid"));
        }
        list.push(Member {
            domain,
            pid,
            window: Window::received(window, fd),
        });
    }
    if !list.iter().any(|m| m.domain == me) {
        return Err(protocol_error(id, "this domain is not in the member list"));
    }
    Ok(list)
}

/// A message waiting to be sent, with the descriptor it carries.
struct Out {
    msg: Msg,
    fd: Option<Arc<OwnedFd>>,
}

/// A joiner as the creator holds it: its connection and what is queued for it.
struct Joined {
    conn: Socket,
    member: Member,
    outbox: VecDeque<Out>,
    /// Since when its queue has been waiting for room.
    stalled_since: Option<Instant>,
    gone: bool,
}

impl Joined {
    fn queue(&mut self, out: Out) {
        if self.outbox.len() >= OUTBOX {
            self.gone = true;
        } else {
            self.outbox.push_back(out);
        }
    }

    /// Sends what the socket takes now; a member that stops reading is dropped once
    /// it has stalled for `STALL`.
    fn flush(&mut self, now: Instant) {
        while let Some(out) = self.outbox.front() {
            let fd = out.fd.as_ref().map(|f| f.as_raw_fd());
            match self.conn.send(out.msg, fd) {
                Ok(()) => {
                    self.outbox.pop_front();
                    self.stalled_since = None;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let since = *self.stalled_since.get_or_insert(now);
                    if now.duration_since(since) >= STALL {
                        self.gone = true;
                    }
                    return;
                }
                Err(_) => {
                    self.gone = true;
                    return;
                }
            }
        }
    }

    /// Reads what the member sent: only `Leave` (or end-of-file) is expected, so
    /// anything that arrives ends its membership.
    fn read(&mut self) {
        match self.conn.recv() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            _ => self.gone = true,
        }
    }
}

/// A connection that has not presented its join yet.
struct Pending {
    conn: Socket,
    deadline: Instant,
}

/// The creator's control thread.
struct Creator<'a> {
    group: &'a Group,
    me: Member,
    listen: Socket,
    token: DomainId,
    listener: Arc<dyn Listener>,
    joined: Vec<Joined>,
    pending: Vec<Pending>,
    /// Accepting is paused until then (we ran out of descriptors).
    paused_until: Option<Instant>,
}

impl<'a> Creator<'a> {
    fn new(
        group: &'a Group,
        me: Member,
        listen: Socket,
        token: DomainId,
        listener: Arc<dyn Listener>,
    ) -> Creator<'a> {
        Creator {
            group,
            me,
            listen,
            token,
            listener,
            joined: Vec::new(),
            pending: Vec::new(),
            paused_until: None,
        }
    }

    fn run(mut self) {
        loop {
            let now = Instant::now();
            let accepting =
                self.pending.len() < MAX_PENDING && self.paused_until.is_none_or(|t| now >= t);
            let mut fds = vec![
                pollfd(self.group.waker.fd(), libc::POLLIN),
                pollfd(if accepting { self.listen.fd() } else { -1 }, libc::POLLIN),
            ];
            fds.extend(
                self.pending
                    .iter()
                    .map(|p| pollfd(p.conn.fd(), libc::POLLIN)),
            );
            fds.extend(self.joined.iter().map(|j| {
                let out = if j.outbox.is_empty() {
                    0
                } else {
                    libc::POLLOUT
                };
                pollfd(j.conn.fd(), libc::POLLIN | out)
            }));
            if poll(&mut fds, self.timeout_ms()).is_err() {
                break;
            }
            if fds[0].revents != 0 {
                self.shut_down();
                return;
            }
            let now = Instant::now();
            let first_joined = 2 + self.pending.len();
            for (j, p) in self.joined.iter_mut().zip(&fds[first_joined..]) {
                if p.revents & !libc::POLLOUT != 0 {
                    j.read();
                }
            }
            // Departures first, so a newcomer is checked against the current list
            // and never hears of a member that left before it joined.
            self.sweep();
            let ready: Vec<bool> = fds[2..first_joined]
                .iter()
                .map(|p| p.revents != 0)
                .collect();
            self.handle_joins(&ready, now);
            if fds[1].revents != 0 {
                self.accept(now);
            }
            for j in &mut self.joined {
                j.flush(now);
            }
            self.sweep();
        }
        self.shut_down();
    }

    /// Until the next deadline: a pending handshake, a stalled member, the pause.
    fn timeout_ms(&self) -> i32 {
        let deadlines = self
            .pending
            .iter()
            .map(|p| p.deadline)
            .chain(
                self.joined
                    .iter()
                    .filter_map(|j| j.stalled_since.map(|t| t + STALL)),
            )
            .chain(self.paused_until);
        deadlines.min().map_or(-1, ms_until)
    }

    /// Accepts what is queued. A joiner sends its join right after connecting, so
    /// each new connection is read at once; past `MAX_PENDING` silent ones, the
    /// oldest is dropped, so idle connections cannot lock joiners out.
    fn accept(&mut self, now: Instant) {
        for _ in 0..ACCEPTS_PER_WAKE {
            match self.listen.accept() {
                Ok(conn) => {
                    let p = Pending {
                        conn,
                        deadline: now + HANDSHAKE,
                    };
                    self.handle_join(p, now);
                    if self.pending.len() > MAX_PENDING {
                        self.pending.remove(0);
                    }
                }
                Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                    dma_log!(
                        WARNING,
                        "group {}: out of descriptors, not accepting for a while",
                        self.group.id
                    );
                    self.paused_until = Some(now + FD_PAUSE);
                    return;
                }
                Err(_) => return,
            }
        }
    }

    /// Reads the joins of the pending connections that spoke; drops the ones whose
    /// handshake time is up.
    fn handle_joins(&mut self, ready: &[bool], now: Instant) {
        let pending = std::mem::take(&mut self.pending);
        for (p, &spoke) in pending.into_iter().zip(ready) {
            if spoke {
                self.handle_join(p, now);
            } else if now < p.deadline {
                self.pending.push(p);
            }
        }
    }

    /// Admits or refuses a connection's join; keeps it pending while it has said
    /// nothing yet and has time left; closes it on anything else.
    fn handle_join(&mut self, p: Pending, now: Instant) {
        match p.conn.recv() {
            Ok(Some((
                Msg::Join {
                    domain,
                    token,
                    window,
                    ..
                },
                fd,
            ))) => self.join(p.conn, domain, token, Window::received(window, fd)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && now < p.deadline => {
                self.pending.push(p)
            }
            _ => {}
        }
    }

    fn join(&mut self, conn: Socket, domain: DomainId, token: DomainId, window: Option<Window>) {
        let member = match self.admit(&conn, domain, &token) {
            Ok(pid) => Member {
                domain,
                pid,
                window,
            },
            Err(errno) => {
                let _ = conn.send(Msg::Refuse { errno }, None);
                return;
            }
        };
        // Known here before the newcomer hears it is in, so that once its join
        // returns the creator can already give its handler.
        if !self
            .listener
            .member_added(self.group.id, domain, member.pid, member.window.as_ref())
        {
            let _ = conn.send(
                Msg::Refuse {
                    errno: -libc::ENOSPC,
                },
                None,
            );
            return;
        }
        let mut new = Joined {
            conn,
            member,
            outbox: VecDeque::new(),
            stalled_since: None,
            gone: false,
        };
        // The newcomer learns every member (itself last); the others learn it.
        new.queue(Out {
            msg: Msg::Accept {
                members: (self.joined.len() + 2) as u32,
            },
            fd: None,
        });
        new.queue(self.me.announcement());
        for j in &self.joined {
            new.queue(j.member.announcement());
        }
        new.queue(new.member.announcement());
        for j in &mut self.joined {
            j.queue(new.member.announcement());
        }
        self.joined.push(new);
    }

    /// The admission rules: the right token, room in the group, a domain not yet in
    /// it, and a peer of the same user (or root). Returns the peer's pid.
    fn admit(
        &self,
        conn: &Socket,
        domain: DomainId,
        token: &DomainId,
    ) -> core::result::Result<i32, i32> {
        if !same_token(token, &self.token) {
            return Err(-libc::EACCES);
        }
        if self.joined.len() + 1 >= MAX_MEMBERS {
            dma_log!(
                ERR,
                "group {} is full ({} members): refusing a join",
                self.group.id,
                MAX_MEMBERS
            );
            return Err(-libc::ENOSPC);
        }
        let taken =
            self.me.domain == domain || self.joined.iter().any(|j| j.member.domain == domain);
        if taken {
            return Err(-libc::EEXIST);
        }
        let (pid, uid) = conn.peer().map_err(|_| -libc::EPERM)?;
        if (uid != my_uid() && uid != 0) || pid <= 0 {
            return Err(-libc::EPERM);
        }
        Ok(pid)
    }

    /// Removes the members marked gone, telling the device and the others (which
    /// may mark more of them gone when their queues overflow).
    fn sweep(&mut self) {
        while let Some(i) = self.joined.iter().position(|j| j.gone) {
            let left = self.joined.remove(i);
            let domain = left.member.domain;
            self.listener.member_left(self.group.id, domain, true);
            for j in &mut self.joined {
                j.queue(Out {
                    msg: Msg::Left { domain },
                    fd: None,
                });
            }
        }
    }

    /// The group is destroyed: joiners are told (as far as their queues take it; the
    /// end-of-file that follows tells the rest), then the device.
    fn shut_down(&mut self) {
        for j in &mut self.joined {
            j.outbox.clear();
            let _ = j.conn.send(Msg::Destroy, None);
        }
        for j in &self.joined {
            self.listener
                .member_left(self.group.id, j.member.domain, false);
        }
        self.listener.group_gone(self.group.id, false);
    }
}

fn joiner_loop(group: &Group, conn: Socket, mut known: Vec<DomainId>, listener: Arc<dyn Listener>) {
    let fds: [RawFd; 2] = [group.waker.fd(), conn.fd()];
    loop {
        let mut p = [pollfd(fds[0], libc::POLLIN), pollfd(fds[1], libc::POLLIN)];
        if poll(&mut p, -1).is_err() {
            break;
        }
        if p[0].revents != 0 {
            // Best effort: if the creator's queue is full, our end-of-file says it.
            let _ = conn.send(Msg::Leave, None);
            listener.group_gone(group.id, false);
            return;
        }
        loop {
            match conn.recv() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Ok(Some((
                    Msg::Member {
                        domain,
                        pid,
                        window,
                    },
                    fd,
                ))) if pid > 0 && known.len() < MAX_MEMBERS && !known.contains(&domain) => {
                    known.push(domain);
                    let window = Window::received(window, fd);
                    if !listener.member_added(group.id, domain, pid, window.as_ref()) {
                        dma_log!(
                            ERR,
                            "group {}: a new member cannot be addressed here",
                            group.id
                        );
                    }
                }
                Ok(Some((Msg::Left { domain }, _))) if known.contains(&domain) => {
                    known.retain(|d| *d != domain);
                    listener.member_left(group.id, domain, true)
                }
                // Destroy, end-of-file, an error, or a message breaking the protocol:
                // the group is over for us.
                _ => {
                    group.over.store(true, Ordering::Release);
                    listener.group_gone(group.id, true);
                    // Stay until the application leaves, so `end` has a thread to join.
                    let _ = poll(&mut [pollfd(fds[0], libc::POLLIN)], -1);
                    return;
                }
            }
        }
    }
    listener.group_gone(group.id, true);
}
