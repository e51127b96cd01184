//! Access pair groups (`dma_interdomain`): create, join, leave, handlers, and the
//! group events delivered to a channel or a callback.
use super::{Device, Eal};
use crate::abi::*;
use crate::config::Domain;
use crate::{Error, Result, api};
use core::marker::PhantomData;
use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

/// A 16-byte id: a process's domain id, or a group's secret token.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// A random id from the kernel's generator; `Errno` if it cannot be read.
    pub fn random() -> Result<Uuid> {
        let mut u = [0u8; 16];
        // SAFETY: `u` is writable for its 16 bytes.
        let n = unsafe { libc::getrandom(u.as_mut_ptr().cast(), u.len(), 0) };
        if n != u.len() as isize {
            return Err(Error::Errno(libc::EIO));
        }
        Ok(Uuid(u))
    }
}

impl core::fmt::Display for Uuid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl core::fmt::Debug for Uuid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Uuid({self})")
    }
}

/// What happened in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupEventKind {
    /// A member left or its process died.
    MemberLeft,
    /// The creator destroyed the group or died (joiners only).
    GroupDestroyed,
}

/// One group event, as the device's control thread reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupEvent {
    /// The device.
    pub dev_id: i16,
    /// The group.
    pub group_id: i16,
    /// The member that left, or the creator.
    pub domain: Uuid,
    /// What happened.
    pub kind: GroupEventKind,
}

type Callback = Box<dyn Fn(GroupEvent) + Send + Sync>;

/// Where a group's events go.
enum Sink {
    Channel(Mutex<Sender<GroupEvent>>),
    Callback(Callback),
}

impl Sink {
    fn deliver(&self, ev: GroupEvent) {
        match self {
            // A receiver dropped by the application just stops listening.
            Sink::Channel(tx) => drop(tx.lock().map(|tx| tx.send(ev))),
            Sink::Callback(cb) => cb(ev),
        }
    }
}

/// Events of groups without a sink yet (one created a moment ago), kept until the
/// sink registers; the oldest go first past this many.
const PENDING_MAX: usize = 64;

#[derive(Default)]
struct Sinks {
    by_group: Vec<((i16, i16), Arc<Sink>)>,
    pending: VecDeque<GroupEvent>,
}

static SINKS: Mutex<Sinks> = Mutex::new(Sinks {
    by_group: Vec::new(),
    pending: VecDeque::new(),
});

fn sinks() -> std::sync::MutexGuard<'static, Sinks> {
    SINKS.lock().unwrap_or_else(|p| p.into_inner())
}

/// The C callback every safe group passes: finds the group's sink and delivers
/// (outside the lock, so a callback may drop a group).
unsafe extern "C" fn dispatch(
    dev_id: i16,
    group_id: i16,
    domain: *mut u8,
    event: rte_dma_access_pair_group_event_type,
) {
    use rte_dma_access_pair_group_event_type::*;
    let mut d = [0u8; 16];
    if !domain.is_null() {
        // SAFETY: the library passes a 16-byte domain id.
        unsafe { core::ptr::copy_nonoverlapping(domain, d.as_mut_ptr(), 16) };
    }
    let kind = match event {
        RTE_DMA_GROUP_EVENT_MEMBER_LEFT => GroupEventKind::MemberLeft,
        RTE_DMA_GROUP_EVENT_GROUP_DESTROYED => GroupEventKind::GroupDestroyed,
    };
    let ev = GroupEvent {
        dev_id,
        group_id,
        domain: Uuid(d),
        kind,
    };
    let sink = {
        let mut s = sinks();
        let found = s.by_group.iter().find(|(k, _)| *k == (dev_id, group_id));
        match found {
            Some((_, sink)) => sink.clone(),
            None => {
                if s.pending.len() == PENDING_MAX {
                    s.pending.pop_front();
                }
                s.pending.push_back(ev);
                return;
            }
        }
    };
    sink.deliver(ev);
}

fn register(dev_id: i16, group_id: i16, sink: Sink) {
    let sink = Arc::new(sink);
    let early: Vec<GroupEvent> = {
        let mut s = sinks();
        s.by_group.push(((dev_id, group_id), sink.clone()));
        let (mine, rest): (Vec<_>, Vec<_>) = s
            .pending
            .drain(..)
            .partition(|e| (e.dev_id, e.group_id) == (dev_id, group_id));
        s.pending = rest.into();
        mine
    };
    early.into_iter().for_each(|e| sink.deliver(e));
}

fn unregister(dev_id: i16, group_id: i16) {
    let mut s = sinks();
    s.by_group.retain(|(k, _)| *k != (dev_id, group_id));
    // Nothing of this group may reach a later group that gets its id.
    s.pending
        .retain(|e| (e.dev_id, e.group_id) != (dev_id, group_id));
}

/// An access pair group this process created or joined on one device. Dropping it
/// destroys the group (creator) or leaves it (joiner); vchans set up with its
/// members then complete with `DEV_LINK_ERROR` for the sides that left.
///
/// Joining lets the other members' devices read and write this process's memory
/// at the addresses the application tells them (as with the C API): memory whose
/// address you hand out may change under you, outside Rust's view, until the peer
/// says it is done (the examples read it only after the peer's report).
pub struct Group<'e> {
    dev_id: i16,
    id: i16,
    me: Uuid,
    creator: bool,
    /// An OS-domain group (its device has an `os_region=`: every group of it
    /// lives in the region).
    os: bool,
    events: Option<Receiver<GroupEvent>>,
    _eal: PhantomData<&'e Eal>,
}

impl<'e> Group<'e> {
    /// `rte_dma_access_pair_group_create` as domain `me` with the secret `token`;
    /// events arrive on [`Group::events`].
    pub fn create(dev: &Device<'e>, me: Uuid, token: Uuid) -> Result<Group<'e>> {
        let (tx, rx) = channel();
        Self::open(
            dev,
            me,
            token,
            None,
            Sink::Channel(Mutex::new(tx)),
            Some(rx),
        )
    }

    /// As [`Group::create`], with events passed to `on_event` (on the group's
    /// control thread: it must not block for long).
    pub fn create_with_callback(
        dev: &Device<'e>,
        me: Uuid,
        token: Uuid,
        on_event: impl Fn(GroupEvent) + Send + Sync + 'static,
    ) -> Result<Group<'e>> {
        Self::open(
            dev,
            me,
            token,
            None,
            Sink::Callback(Box::new(on_event)),
            None,
        )
    }

    /// `rte_dma_access_pair_group_join`: joins group `group_id` (created by another
    /// process) as domain `me` with its `token`; events arrive on [`Group::events`].
    pub fn join(dev: &Device<'e>, me: Uuid, token: Uuid, group_id: i16) -> Result<Group<'e>> {
        let (tx, rx) = channel();
        let sink = Sink::Channel(Mutex::new(tx));
        Self::open(dev, me, token, Some(group_id), sink, Some(rx))
    }

    /// As [`Group::join`], with events passed to `on_event`.
    pub fn join_with_callback(
        dev: &Device<'e>,
        me: Uuid,
        token: Uuid,
        group_id: i16,
        on_event: impl Fn(GroupEvent) + Send + Sync + 'static,
    ) -> Result<Group<'e>> {
        let sink = Sink::Callback(Box::new(on_event));
        Self::open(dev, me, token, Some(group_id), sink, None)
    }

    fn open(
        dev: &Device<'e>,
        me: Uuid,
        token: Uuid,
        join: Option<i16>,
        sink: Sink,
        events: Option<Receiver<GroupEvent>>,
    ) -> Result<Group<'e>> {
        let dev_id = dev.id();
        let os = dev
            .info()?
            .capabilities
            .contains(super::Capabilities::INTER_OS_DOMAIN);
        let id = match join {
            Some(g) => {
                // Registered first: events may come as soon as we are in.
                register(dev_id, g, sink);
                api::group_join(dev_id, &me.0, &token.0, g, Some(dispatch))
                    .inspect_err(|_| unregister(dev_id, g))?;
                g
            }
            None => {
                let g = api::group_create(dev_id, &me.0, &token.0, Some(dispatch))?;
                register(dev_id, g, sink);
                g
            }
        };
        Ok(Group {
            dev_id,
            id,
            me,
            creator: join.is_none(),
            os,
            events,
            _eal: PhantomData,
        })
    }

    /// The group's id (what joiners pass to [`Group::join`]).
    pub fn id(&self) -> i16 {
        self.id
    }

    /// Our own domain id in it.
    pub fn my_domain(&self) -> Uuid {
        self.me
    }

    /// Whether it is an OS-domain group: one in the shared region of a device
    /// created with `os_region=`, whose members may be other OSes (VMs, hosts,
    /// containers). Its vchans are `RTE_DMA_INTER_OS_DOMAIN` ones.
    pub fn is_os_domain(&self) -> bool {
        self.os
    }

    /// The events, if the group was made with a channel.
    pub fn events(&self) -> Option<&Receiver<GroupEvent>> {
        self.events.as_ref()
    }

    /// The member `domain` (`rte_dma_access_pair_group_handler_get`); `InvalidArgument`
    /// if it is not in the group.
    pub fn member(&self, domain: &Uuid) -> Result<Member<'_>> {
        let handler = api::group_handler_get(self.dev_id, self.id, &domain.0)?;
        Ok(Member {
            handler,
            is_self: *domain == self.me,
            dev_id: self.dev_id,
            os: self.os,
            _group: PhantomData,
        })
    }

    /// Ourselves as a member.
    pub fn me(&self) -> Result<Member<'_>> {
        self.member(&self.me)
    }
}

impl Drop for Group<'_> {
    fn drop(&mut self) {
        let _ = if self.creator {
            api::group_destroy(self.dev_id, self.id)
        } else {
            api::group_leave(self.dev_id, self.id)
        };
        unregister(self.dev_id, self.id);
    }
}

/// A member of a live group, as a vchan side ([`VchanSetup::between`]). It borrows
/// the group, so its handler is current whenever a vchan is set up with it.
///
/// [`VchanSetup::between`]: super::VchanSetup::between
#[derive(Clone, Copy, Debug)]
pub struct Member<'g> {
    handler: u16,
    is_self: bool,
    dev_id: i16,
    os: bool,
    _group: PhantomData<&'g ()>,
}

impl Member<'_> {
    /// Its handler on this device (local to this process: never send it elsewhere).
    pub fn handler(&self) -> u16 {
        self.handler
    }

    /// Whether the member is this process.
    pub fn is_self(&self) -> bool {
        self.is_self
    }

    pub(super) fn dev_id(&self) -> i16 {
        self.dev_id
    }

    /// Whether it is a member of an OS-domain group.
    pub fn is_os_domain(&self) -> bool {
        self.os
    }
}

/// The vchan domain between two members: inter-OS for members of an OS-domain
/// group (the device takes no other kind), else inter-process.
pub(super) fn domain_between(src: &Member<'_>, dst: &Member<'_>) -> Domain {
    let (s, d) = (src.handler, dst.handler);
    if src.os && dst.os {
        Domain::Os { src: s, dst: d }
    } else {
        Domain::Process { src: s, dst: d }
    }
}
