//! A device's member handlers: the small numbers `rte_dma_access_pair_group_handler_get`
//! hands out and `rte_dma_vchan_conf.domain` names. Handlers are per device and per
//! process and never 0. A departed member's handler is never given to another member
//! while the group it was issued in lives here (a stale handler can only fail); once
//! the group ends for this process its handlers go back to the pool, and are handed
//! out again only after every other free one (round robin over 1..=65535). When all
//! 65535 are live or retired, new members get none (`member_added` says so).
use super::group::{DomainId, Listener, Window};
use super::ptracer;
use super::sys::my_pid;
use crate::abi::{rte_dma_access_pair_group_event_cb_t, rte_dma_access_pair_group_event_type};
use crate::dma_log;
use core::sync::atomic::{AtomicBool, AtomicI16, Ordering};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};

/// A peer's heap mapped into this process: an address `a` of the peer in
/// `[peer_base, peer_base + len)` is at `local + (a - peer_base)` here.
#[derive(Debug)]
pub struct MappedWindow {
    pub peer_base: u64,
    pub len: u64,
    pub local: *mut u8,
}

// SAFETY: the mapping is shared memory valid until drop; plain address arithmetic.
unsafe impl Send for MappedWindow {}
// SAFETY: as above; concurrent copies through it are the application's business, as
// with any DMA.
unsafe impl Sync for MappedWindow {}

impl MappedWindow {
    /// Maps a peer's window if its file is sealed and as large as claimed (checked
    /// again here, where it matters), so no access through it can fault.
    fn map(w: &Window) -> Option<MappedWindow> {
        let len = usize::try_from(w.info.len).ok()?;
        if let Err(why) = super::group::sealed_and_sized(&w.fd, w.info.len) {
            dma_log!(WARNING, "not mapping a peer's window: {}", why);
            return None;
        }
        // SAFETY: maps the peer's memfd shared; its size cannot drop below `len` (sealed
        // and checked); the result is checked.
        let p = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_NORESERVE,
                w.fd.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            dma_log!(
                WARNING,
                "cannot map a peer's window of {} bytes: {}",
                len,
                std::io::Error::last_os_error()
            );
            return None;
        }
        Some(MappedWindow {
            peer_base: w.info.base,
            len: w.info.len,
            local: p.cast(),
        })
    }

    /// The local address of the peer's range `[addr, addr + len)`, if inside.
    #[inline]
    pub fn translate(&self, addr: u64, len: u64) -> Option<u64> {
        translate(self.peer_base, self.len, self.local as u64, addr, len)
    }
}

/// Where a peer's range `[addr, addr + len)` is here, if inside its window of `len`
/// bytes at `peer_base` (the peer's address), mapped here at `local`.
#[inline]
fn translate(peer_base: u64, win_len: u64, local: u64, addr: u64, len: u64) -> Option<u64> {
    let off = addr.checked_sub(peer_base)?;
    (off.checked_add(len)? <= win_len).then(|| local + off)
}

/// An OS-domain member's window in the shared region: `len` bytes the member sees at
/// `peer_base` and we at `local` (inside our mapping of the region, which lives as
/// long as the process, so a copy stays valid).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OsWindow {
    pub peer_base: u64,
    pub len: u64,
    pub local: u64,
}

impl OsWindow {
    #[inline]
    pub fn translate(&self, addr: u64, len: u64) -> Option<u64> {
        translate(self.peer_base, self.len, self.local, addr, len)
    }
}

/// Where an `RTE_DMA_INTER_OS_DOMAIN` vchan's source or destination lives.
#[derive(Clone, Debug)]
pub enum OsEndpoint {
    /// This process (handler 0, or our own member's handler).
    Local,
    /// A member in another OS domain (or another process attached to the region):
    /// reached only through its window; `alive` drops when it leaves or dies.
    Peer {
        alive: Arc<AtomicBool>,
        window: Option<OsWindow>,
    },
}

impl OsEndpoint {
    pub fn is_alive(&self) -> bool {
        match self {
            OsEndpoint::Local => true,
            OsEndpoint::Peer { alive, .. } => alive.load(Ordering::Acquire),
        }
    }
}

/// How a member is reached: a process of a socket group, or a member of a group in a
/// shared region (this process, or a peer's window).
#[derive(Clone, Copy, Debug)]
pub enum Reach {
    Process,
    OsLocal,
    OsPeer(Option<OsWindow>),
}

impl Drop for MappedWindow {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `map`, once no vchan holds it.
        unsafe { libc::munmap(self.local.cast(), self.len as usize) };
    }
}

/// Where a vchan's source or destination addresses live.
#[derive(Clone, Debug)]
pub enum Endpoint {
    /// This process.
    Local,
    /// Another process of the group; `alive` drops when it leaves or dies. Its heap,
    /// if it offered it, is mapped here as `window`.
    Peer {
        pid: i32,
        alive: Arc<AtomicBool>,
        window: Option<Arc<MappedWindow>>,
    },
}

impl Endpoint {
    pub fn is_alive(&self) -> bool {
        match self {
            Endpoint::Local => true,
            Endpoint::Peer { alive, .. } => alive.load(Ordering::Acquire),
        }
    }
}

struct Entry {
    handler: u16,
    group_id: i16,
    domain: DomainId,
    pid: i32,
    alive: Arc<AtomicBool>,
    window: Option<Arc<MappedWindow>>,
    reach: Reach,
}

/// Which handlers are taken: live, or retired in a group that still lives.
struct HandlerSpace {
    taken: Vec<u64>,
    last: u16,
    /// Handlers of departed members, per group, freed when the group ends.
    retired: Vec<(i16, u16)>,
}

impl Default for HandlerSpace {
    fn default() -> Self {
        HandlerSpace {
            taken: vec![0; 1 << 10],
            last: 0,
            retired: Vec::new(),
        }
    }
}

impl HandlerSpace {
    fn is_taken(&self, h: u16) -> bool {
        self.taken[h as usize / 64] & (1 << (h % 64)) != 0
    }
    fn set(&mut self, h: u16, on: bool) {
        let bit = 1u64 << (h % 64);
        let word = &mut self.taken[h as usize / 64];
        *word = if on { *word | bit } else { *word & !bit };
    }

    /// The next free handler after the last one given (bounded: one lap).
    fn take(&mut self) -> Option<u16> {
        let mut h = self.last;
        for _ in 0..u16::MAX {
            h = h.wrapping_add(1).max(1);
            if !self.is_taken(h) {
                self.set(h, true);
                self.last = h;
                return Some(h);
            }
        }
        None
    }

    fn retire(&mut self, group_id: i16, h: u16) {
        self.retired.push((group_id, h));
    }

    /// Frees the handlers retired in `group_id` and `live` ones of it.
    fn release_group(&mut self, group_id: i16, live: &[u16]) {
        let mut freed = Vec::new();
        self.retired.retain(|&(g, h)| {
            if g == group_id {
                freed.push(h);
            }
            g != group_id
        });
        for h in freed.into_iter().chain(live.iter().copied()) {
            self.set(h, false);
        }
    }
}

#[derive(Default)]
struct Inner {
    space: HandlerSpace,
    entries: Vec<Entry>,
    callbacks: Vec<(i16, rte_dma_access_pair_group_event_cb_t)>,
    /// The creator's domain of each group (the first member we learned).
    creators: Vec<(i16, DomainId)>,
}

pub struct Handlers {
    dev_id: AtomicI16,
    inner: Mutex<Inner>,
}

impl Default for Handlers {
    fn default() -> Self {
        Handlers {
            dev_id: AtomicI16::new(-1),
            inner: Mutex::new(Inner::default()),
        }
    }
}

impl Handlers {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The device id passed to the application's callbacks.
    pub fn set_dev_id(&self, dev_id: i16) {
        self.dev_id.store(dev_id, Ordering::Relaxed);
    }

    pub fn set_callback(&self, group_id: i16, cb: rte_dma_access_pair_group_event_cb_t) {
        let mut i = self.inner();
        i.callbacks.retain(|(g, _)| *g != group_id);
        i.callbacks.push((group_id, cb));
    }

    /// The handler of member `domain` of `group_id`.
    pub fn handler_of(&self, group_id: i16, domain: &DomainId) -> Option<u16> {
        self.inner()
            .entries
            .iter()
            .find(|e| e.group_id == group_id && e.domain == *domain)
            .map(|e| e.handler)
    }

    /// Where a handler's addresses live, if it names a current member of a
    /// process group.
    pub fn endpoint(&self, handler: u16) -> Option<Endpoint> {
        let me = my_pid();
        self.inner()
            .entries
            .iter()
            .find(|e| e.handler == handler && matches!(e.reach, Reach::Process))
            .map(|e| {
                if e.pid == me {
                    Endpoint::Local
                } else {
                    Endpoint::Peer {
                        pid: e.pid,
                        alive: Arc::clone(&e.alive),
                        window: e.window.clone(),
                    }
                }
            })
    }

    /// Where a handler's addresses live, if it names a current member of a group in
    /// a shared region.
    pub fn os_endpoint(&self, handler: u16) -> Option<OsEndpoint> {
        let i = self.inner();
        let e = i.entries.iter().find(|e| e.handler == handler)?;
        match e.reach {
            Reach::Process => None,
            Reach::OsLocal => Some(OsEndpoint::Local),
            Reach::OsPeer(window) => Some(OsEndpoint::Peer {
                alive: Arc::clone(&e.alive),
                window,
            }),
        }
    }

    /// Members of a group, for dumps: (handler, domain, pid, how it is reached).
    pub fn members(&self, group_id: i16) -> Vec<(u16, DomainId, i32, Reach)> {
        self.inner()
            .entries
            .iter()
            .filter(|e| e.group_id == group_id)
            .map(|e| (e.handler, e.domain, e.pid, e.reach))
            .collect()
    }

    fn notify(
        &self,
        cb: rte_dma_access_pair_group_event_cb_t,
        group_id: i16,
        mut domain: DomainId,
        event: rte_dma_access_pair_group_event_type,
    ) {
        if let Some(cb) = cb {
            // SAFETY: the application registered this callback for these events; the
            // domain id is a 16-byte buffer valid for the call.
            unsafe {
                cb(
                    self.dev_id.load(Ordering::Relaxed),
                    group_id,
                    domain.as_mut_ptr(),
                    event,
                )
            };
        }
    }

    /// Removes one member of a group (retiring its handler), or the whole group
    /// (`domain` None: its handlers go back to the pool).
    fn remove(i: &mut Inner, group_id: i16, domain: Option<&DomainId>) {
        let me = my_pid();
        let mut gone = Vec::new();
        i.entries.retain(|e| {
            let hit = e.group_id == group_id && domain.is_none_or(|d| e.domain == *d);
            if hit {
                e.alive.store(false, Ordering::Release);
                if e.pid != me && matches!(e.reach, Reach::Process) {
                    ptracer::remove(e.pid);
                }
                gone.push(e.handler);
            }
            !hit
        });
        match domain {
            Some(_) => gone.into_iter().for_each(|h| i.space.retire(group_id, h)),
            None => i.space.release_group(group_id, &gone),
        }
    }
}

impl Listener for Handlers {
    fn member_added(
        &self,
        group_id: i16,
        domain: DomainId,
        pid: i32,
        window: Option<&Window>,
    ) -> bool {
        let me = my_pid();
        // Map a peer's heap once, outside the lock; our own heap needs no window.
        let window = window
            .filter(|_| pid != me)
            .and_then(MappedWindow::map)
            .map(Arc::new);
        self.add(group_id, domain, pid, window, Reach::Process)
    }

    fn member_left(&self, group_id: i16, domain: DomainId, notify: bool) {
        self.left(group_id, domain, notify)
    }

    fn group_gone(&self, group_id: i16, notify: bool) {
        self.gone(group_id, notify)
    }
}

impl Handlers {
    /// A member of a group in a shared region is in (`pid`: its pid in its own OS,
    /// for dumps); false if no handler is left for it.
    pub fn os_member_added(&self, group_id: i16, domain: DomainId, pid: i32, reach: Reach) -> bool {
        self.add(group_id, domain, pid, None, reach)
    }

    fn add(
        &self,
        group_id: i16,
        domain: DomainId,
        pid: i32,
        window: Option<Arc<MappedWindow>>,
        reach: Reach,
    ) -> bool {
        let me = my_pid();
        let mut i = self.inner();
        if i.entries
            .iter()
            .any(|e| e.group_id == group_id && e.domain == domain)
        {
            return true;
        }
        let Some(handler) = i.space.take() else {
            dma_log!(
                ERR,
                "no free handler on device {} for a member of group {}",
                self.dev_id.load(Ordering::Relaxed),
                group_id
            );
            return false;
        };
        if !i.creators.iter().any(|(g, _)| *g == group_id) {
            i.creators.push((group_id, domain));
        }
        if pid != me && matches!(reach, Reach::Process) {
            ptracer::add(pid);
        }
        i.entries.push(Entry {
            handler,
            group_id,
            domain,
            pid,
            alive: Arc::new(AtomicBool::new(true)),
            window,
            reach,
        });
        true
    }

    /// A member left (`notify`: tell the application).
    pub fn left(&self, group_id: i16, domain: DomainId, notify: bool) {
        let cb = {
            let mut i = self.inner();
            Self::remove(&mut i, group_id, Some(&domain));
            i.callbacks
                .iter()
                .find(|(g, _)| *g == group_id)
                .and_then(|(_, cb)| *cb)
        };
        if notify {
            self.notify(
                Some(cb).flatten(),
                group_id,
                domain,
                rte_dma_access_pair_group_event_type::RTE_DMA_GROUP_EVENT_MEMBER_LEFT,
            );
        }
    }

    /// The group is gone for this process (`notify`: tell the application).
    pub fn gone(&self, group_id: i16, notify: bool) {
        let (cb, creator) = {
            let mut i = self.inner();
            Self::remove(&mut i, group_id, None);
            let cb = i
                .callbacks
                .iter()
                .find(|(g, _)| *g == group_id)
                .and_then(|(_, cb)| *cb);
            let creator = i
                .creators
                .iter()
                .find(|(g, _)| *g == group_id)
                .map(|(_, d)| *d)
                .unwrap_or_default();
            i.creators.retain(|(g, _)| *g != group_id);
            if !notify {
                i.callbacks.retain(|(g, _)| *g != group_id);
            }
            (cb, creator)
        };
        if notify {
            self.notify(
                cb,
                group_id,
                creator,
                rte_dma_access_pair_group_event_type::RTE_DMA_GROUP_EVENT_GROUP_DESTROYED,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handlers_are_nonzero_unique_and_die_with_their_member() {
        let h = Handlers::default();
        let me = my_pid();
        h.member_added(3, [1; 16], me, None);
        h.member_added(3, [2; 16], 999_999, None);
        h.member_added(3, [2; 16], 999_999, None);
        let a = h.handler_of(3, &[1; 16]).unwrap();
        let b = h.handler_of(3, &[2; 16]).unwrap();
        assert!(a != 0 && b != 0 && a != b);
        assert!(matches!(h.endpoint(a), Some(Endpoint::Local)));
        let peer = h.endpoint(b).unwrap();
        assert!(peer.is_alive());
        h.member_left(3, [2; 16], false);
        assert!(
            !peer.is_alive(),
            "a vchan bound to the member sees it leave"
        );
        assert_eq!(h.handler_of(3, &[2; 16]), None);
        h.member_added(3, [2; 16], 999_999, None);
        assert_ne!(
            h.handler_of(3, &[2; 16]),
            Some(b),
            "handlers are not reused"
        );
        h.group_gone(3, false);
        assert_eq!(h.handler_of(3, &[1; 16]), None);
        assert!(h.endpoint(0).is_none());
    }

    fn domain(n: u32) -> DomainId {
        let mut d = [0u8; 16];
        d[..4].copy_from_slice(&n.to_le_bytes());
        d
    }

    #[test]
    fn churn_never_reuses_a_handler_in_a_live_group_and_exhaustion_is_refused() {
        let h = Handlers::default();
        let me = my_pid();
        assert!(h.member_added(1, domain(0), me, None));
        let mut seen = std::collections::HashSet::new();
        // Every join/leave cycle in group 1 gets a handler never seen in it before.
        let mut n = 1;
        loop {
            if !h.member_added(1, domain(n), me, None) {
                break;
            }
            let handler = h.handler_of(1, &domain(n)).unwrap();
            assert!(seen.insert(handler), "handler {handler} given twice");
            h.member_left(1, domain(n), false);
            n += 1;
            assert!(n < 70_000, "the handler space never ran out");
        }
        assert_eq!(
            seen.len(),
            65534,
            "all but the creator's handler were used once"
        );
        // Another group cannot get one either, until group 1 ends here.
        assert!(!h.member_added(2, domain(1), me, None));
        h.group_gone(1, false);
        assert!(h.member_added(2, domain(1), me, None));
        assert!(h.handler_of(2, &domain(1)).is_some());
    }
}
