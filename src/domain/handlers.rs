//! A device's member handlers: the small numbers `rte_dma_access_pair_group_handler_get`
//! hands out and `rte_dma_vchan_conf.domain` names. Handlers are per device and per
//! process, never 0, and stay unique for the device's life (a departed member's
//! handler is never given to another), so a stale handler can only ever fail.
use super::group::{DomainId, Listener, Window};
use crate::abi::{rte_dma_access_pair_group_event_cb_t, rte_dma_access_pair_group_event_type};
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
    fn map(w: &Window) -> Option<MappedWindow> {
        // Only a file whose size is sealed and covers the window: our plain copies
        // through the mapping can then never hit a page past its end (SIGBUS).
        let fd = w.fd.as_raw_fd();
        // SAFETY: plain queries on a descriptor we own; `st` is written by fstat.
        let sized = unsafe {
            let mut st: libc::stat = core::mem::zeroed();
            let seals = libc::fcntl(fd, libc::F_GET_SEALS);
            seals >= 0
                && seals & libc::F_SEAL_SHRINK != 0
                && libc::fstat(fd, &mut st) == 0
                && u64::try_from(st.st_size).is_ok_and(|size| size >= w.info.len)
        };
        if !sized {
            return None;
        }
        // SAFETY: maps the peer's memfd shared, no larger than the file, whose size
        // cannot shrink (sealed); the result is checked.
        let p = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                w.info.len as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_NORESERVE,
                w.fd.as_raw_fd(),
                0,
            )
        };
        (p != libc::MAP_FAILED).then(|| MappedWindow {
            peer_base: w.info.base,
            len: w.info.len,
            local: p.cast(),
        })
    }

    /// The local address of the peer's range `[addr, addr + len)`, if inside.
    #[inline]
    pub fn translate(&self, addr: u64, len: u64) -> Option<u64> {
        let off = addr.checked_sub(self.peer_base)?;
        (off.checked_add(len)? <= self.len).then(|| self.local as u64 + off)
    }
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
}

#[derive(Default)]
struct Inner {
    last: u16,
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

    /// Where a handler's addresses live, if it names a current member.
    pub fn endpoint(&self, handler: u16) -> Option<Endpoint> {
        let me = std::process::id() as i32;
        self.inner()
            .entries
            .iter()
            .find(|e| e.handler == handler)
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

    /// Members of a group, for dumps: (handler, domain, pid).
    pub fn members(&self, group_id: i16) -> Vec<(u16, DomainId, i32)> {
        self.inner()
            .entries
            .iter()
            .filter(|e| e.group_id == group_id)
            .map(|e| (e.handler, e.domain, e.pid))
            .collect()
    }

    fn next_handler(i: &Inner) -> u16 {
        let mut h = i.last;
        loop {
            h = h.wrapping_add(1).max(1);
            if !i.entries.iter().any(|e| e.handler == h) {
                return h;
            }
        }
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

    fn remove(i: &mut Inner, group_id: i16, domain: Option<&DomainId>) {
        i.entries.retain(|e| {
            let hit = e.group_id == group_id && domain.is_none_or(|d| e.domain == *d);
            if hit {
                e.alive.store(false, Ordering::Release);
            }
            !hit
        });
    }
}

impl Listener for Handlers {
    fn member_added(&self, group_id: i16, domain: DomainId, pid: i32, window: Option<&Window>) {
        // Map a peer's heap once, outside the lock; our own heap needs no window.
        let window = window
            .filter(|_| pid != std::process::id() as i32)
            .and_then(MappedWindow::map)
            .map(Arc::new);
        let mut i = self.inner();
        if i.entries
            .iter()
            .any(|e| e.group_id == group_id && e.domain == domain)
        {
            return;
        }
        if !i.creators.iter().any(|(g, _)| *g == group_id) {
            i.creators.push((group_id, domain));
        }
        let handler = Self::next_handler(&i);
        i.last = handler;
        i.entries.push(Entry {
            handler,
            group_id,
            domain,
            pid,
            alive: Arc::new(AtomicBool::new(true)),
            window,
        });
    }

    fn member_left(&self, group_id: i16, domain: DomainId, notify: bool) {
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

    fn group_gone(&self, group_id: i16, notify: bool) {
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
        let me = std::process::id() as i32;
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
}
