//! Access pair groups kept in a region, with the same calls, rules, errors and
//! events as between processes (`domain::group`), but nothing that spans the two
//! kernels except the region's memory.
//!
//! A group is a record its creator takes with one CAS (a free one, or one whose
//! creator stopped beating) and then alone writes: its member table is published
//! under a sequence count, so a creator dying mid-update leaves a table readers
//! skip, and the group dies with it. A joiner sets its slot's bit for the group and
//! posts a request in its slot's mailbox; the creator's control thread checks the
//! token, a free place and a new domain, adds it to the table, and answers in the
//! same mailbox. Everybody's control thread compares the table with what it knew
//! and tells the device (handlers, events): new members, members that left (their
//! bit cleared, or their slot stopped beating), the group gone (its record changed
//! or its creator stopped beating). Nothing here waits on a peer without a deadline.
use super::attach::{Attached, Liveness};
use super::layout::*;
use crate::domain::group::{DomainId, same_token};
use crate::domain::handlers::{Handlers, OsWindow, Reach};
use crate::{Error, Result, dma_log};
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicU64, fence};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a joiner waits for the creator's answer.
const JOIN_TIMEOUT: Duration = Duration::from_secs(5);
/// Tries to read a member table that keeps changing before giving up for a tick.
const READ_TRIES: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Creator,
    Joiner,
}

/// A member as the table records it: its slot word (index and epoch) and domain.
type Entry = (u64, DomainId);

struct RGroup {
    index: usize,
    /// The record's state word and generation when we created or joined it.
    word: u64,
    generation: u64,
    role: Role,
    me: DomainId,
    /// The creator's token and authoritative member table (never read back).
    token: DomainId,
    table: Vec<Entry>,
    /// The members the device knows of.
    known: Vec<Entry>,
    over: bool,
}

/// What the control thread tells the device, outside the groups' lock.
enum Action {
    Added(usize, DomainId, i32, Reach),
    Left(usize, DomainId),
    Gone(usize, bool),
    Answer(usize, u64, i32),
}

/// One device's groups in the region.
pub struct RegionGroups {
    pub att: &'static Attached,
    handlers: Arc<Handlers>,
    groups: Mutex<Vec<RGroup>>,
}

fn words_to_id(w: &[AtomicU64; 2]) -> DomainId {
    let mut d = [0u8; 16];
    d[..8].copy_from_slice(&w[0].load(Acquire).to_le_bytes());
    d[8..].copy_from_slice(&w[1].load(Acquire).to_le_bytes());
    d
}

fn id_to_words(d: &DomainId, w: &[AtomicU64; 2]) {
    w[0].store(
        u64::from_le_bytes(d[..8].try_into().unwrap_or_default()),
        Relaxed,
    );
    w[1].store(
        u64::from_le_bytes(d[8..].try_into().unwrap_or_default()),
        Relaxed,
    );
}

fn slot_of(member: u64) -> usize {
    (member & 0xff) as usize
}

/// Whether the member's slot still beats in the incarnation that joined.
fn beats(live: &Liveness, member: u64, now: Instant) -> bool {
    live.beating(slot_of(member), now)
        .is_some_and(|w| w & !0xff == member & !0xff)
}

/// The member table, if it can be read whole (bounded tries: a writer that died
/// mid-update, or one that never stops, cannot hang us). Entries naming no slot
/// or repeating a domain are dropped.
fn read_table(g: &GroupRec) -> Option<Vec<Entry>> {
    for _ in 0..READ_TRIES {
        let s1 = g.seq.load(Acquire);
        if s1 & 1 == 1 {
            std::hint::spin_loop();
            continue;
        }
        let count = g.count.load(Relaxed).min(MAX_MEMBERS as u64) as usize;
        let mut out: Vec<Entry> = Vec::with_capacity(count);
        for m in &g.members[..count] {
            let e = (m.slot.load(Relaxed), words_to_id(&m.domain));
            if slot_of(e.0) < MAX_SLOTS && !out.iter().any(|o| o.1 == e.1) {
                out.push(e);
            }
        }
        fence(Acquire);
        if g.seq.load(Relaxed) == s1 {
            return Some(out);
        }
    }
    None
}

/// Publishes the creator's table.
fn write_table(g: &GroupRec, table: &[Entry]) {
    let s = g.seq.load(Relaxed);
    g.seq.store(s | 1, Relaxed);
    fence(Release);
    for (m, (slot, domain)) in g.members.iter().zip(table) {
        m.slot.store(*slot, Relaxed);
        id_to_words(domain, &m.domain);
    }
    g.count.store(table.len() as u64, Relaxed);
    g.seq.store((s | 1) + 1, Release);
}

impl RegionGroups {
    pub fn new(att: &'static Attached, handlers: Arc<Handlers>) -> Arc<RegionGroups> {
        let dev = Arc::new(RegionGroups {
            att,
            handlers,
            groups: Mutex::new(Vec::new()),
        });
        att.devices
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Arc::downgrade(&dev));
        dev
    }

    fn groups(&self) -> MutexGuard<'_, Vec<RGroup>> {
        self.groups.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Our member word: our slot index with our slot's epoch.
    fn me(&self) -> u64 {
        member_word(self.att.slot, self.att.word)
    }

    fn set_member_bit(&self, index: usize, on: bool) {
        let bit = 1u64 << index;
        let m = &self.att.my_slot().member_of;
        if on {
            m.fetch_or(bit, AcqRel);
        } else {
            m.fetch_and(!bit, AcqRel);
        }
    }

    /// How a member is reached from here: ourselves, or its window as its slot
    /// describes it (checked against the region; a window that is not sane is
    /// none, and that member's addresses all fail).
    fn reach(&self, member: u64) -> (i32, Reach) {
        if member == self.me() {
            return (std::process::id() as i32, Reach::OsLocal);
        }
        let Some(s) = self.att.region.slot(slot_of(member)) else {
            return (0, Reach::OsPeer(None));
        };
        let (off, len, base) = (
            s.win_off.load(Acquire),
            s.win_len.load(Acquire),
            s.win_base.load(Acquire),
        );
        let pid = i32::try_from(s.pid.load(Relaxed)).unwrap_or(0);
        let window = self
            .att
            .region
            .window_at(off, len)
            .filter(|_| base.checked_add(len).is_some())
            .map(|local| OsWindow {
                peer_base: base,
                len,
                local,
            });
        if window.is_none() {
            dma_log!(
                WARNING,
                "region {}: slot {} describes no usable window; its addresses will fail",
                self.att.region.source,
                slot_of(member)
            );
        }
        (pid, Reach::OsPeer(window))
    }

    pub fn create(&self, me: DomainId, token: DomainId) -> Result<i16> {
        let r = self.att.region;
        let now = Instant::now();
        let live = self.att.liveness();
        let mine = group_word(self.att.slot, self.att.word);
        for index in 0..MAX_GROUPS {
            let Some(g) = r.group(index) else { break };
            let w = g.state.load(Acquire);
            let creator_alive = live
                .beating(creator_of(w), now)
                .is_some_and(|sw| created_by(w, sw));
            if (w != FREE && creator_alive) || w == mine {
                continue;
            }
            if g.state.compare_exchange(w, mine, AcqRel, Acquire).is_err() {
                continue;
            }
            let generation = g.generation.fetch_add(1, AcqRel).wrapping_add(1);
            let table = vec![(self.me(), me)];
            write_table(g, &table);
            self.set_member_bit(index, true);
            let id = index as i16;
            if !self
                .handlers
                .os_member_added(id, me, std::process::id() as i32, Reach::OsLocal)
            {
                let _ = g.state.compare_exchange(mine, FREE, AcqRel, Acquire);
                self.set_member_bit(index, false);
                return Err(Error::NoSpace);
            }
            let mut groups = self.groups();
            // A group we were in at this index is over (its record was free or its
            // creator gone): the new one replaces it, as between processes.
            groups.retain(|g| g.index != index);
            groups.push(RGroup {
                index,
                word: mine,
                generation,
                role: Role::Creator,
                me,
                token,
                known: table.clone(),
                table,
                over: false,
            });
            crate::trace::emit!(region_control(id, self.att.slot as u16, 0, 0));
            return Ok(id);
        }
        dma_log!(
            ERR,
            "region {}: all {} group records are in use",
            r.source,
            MAX_GROUPS
        );
        Err(Error::NoSpace)
    }

    pub fn join(&self, group_id: i16, me: DomainId, token: DomainId) -> Result<()> {
        let r = self.att.region;
        let not_found = |why: &str| {
            dma_log!(
                ERR,
                "group {} does not exist in region {} ({})",
                group_id,
                r.source,
                why
            );
            Error::NotFound
        };
        let index = usize::try_from(group_id).map_err(|_| Error::InvalidArgument)?;
        let g = r.group(index).ok_or_else(|| not_found("no such record"))?;
        let _mailbox = self.att.mailbox.lock().unwrap_or_else(|p| p.into_inner());
        let w = g.state.load(Acquire);
        if state_of(w) != LIVE {
            return Err(not_found("free"));
        }
        if creator_of(w) == self.att.slot {
            dma_log!(ERR, "this process is already in group {}", group_id);
            return Err(Error::Exists);
        }
        let alive = self
            .att
            .liveness()
            .beating(creator_of(w), Instant::now())
            .is_some_and(|sw| created_by(w, sw));
        if !alive {
            return Err(not_found("its creator is gone"));
        }
        let generation = g.generation.load(Acquire);
        let s = self.att.my_slot();
        self.set_member_bit(index, true);
        s.req_group.store(group_ref(index, w), Relaxed);
        id_to_words(&me, &s.req_domain);
        id_to_words(&token, &s.req_token);
        let seq = s.req_seq.load(Relaxed).wrapping_add(1);
        s.req_seq.store(seq, Release);
        let answer = self.await_answer(g, w, seq);
        let joined = answer.and_then(|()| self.welcome(g, index, w, generation, me, token));
        if joined.is_err() {
            self.set_member_bit(index, false);
        }
        joined
    }

    /// Waits for the creator's answer to request `seq`: 0, or the errno it refused
    /// with (anything else breaks the protocol).
    fn await_answer(&self, g: &GroupRec, w: u64, seq: u64) -> Result<()> {
        let s = self.att.my_slot();
        let deadline = Instant::now() + JOIN_TIMEOUT;
        loop {
            if s.ans_seq.load(Acquire) == seq {
                let errno = s.ans_errno.load(Acquire) as i64;
                return match errno {
                    0 => Ok(()),
                    -4095..=-1 => {
                        dma_log!(
                            ERR,
                            "the group's creator refused to let this domain join (errno {})",
                            errno
                        );
                        Err(Error::from_errno(errno as i32))
                    }
                    _ => {
                        dma_log!(ERR, "the group's creator answered {}: not joining", errno);
                        Err(Error::Errno(libc::EPROTO))
                    }
                };
            }
            let creator_alive = self
                .att
                .liveness()
                .beating(creator_of(w), Instant::now())
                .is_some_and(|sw| created_by(w, sw));
            if g.state.load(Acquire) != w || !creator_alive {
                dma_log!(
                    ERR,
                    "the group or its creator went away while this domain asked to join"
                );
                return Err(Error::NotFound);
            }
            if Instant::now() >= deadline {
                dma_log!(
                    ERR,
                    "the group's creator did not answer within {:?}",
                    JOIN_TIMEOUT
                );
                return Err(Error::Errno(libc::ETIMEDOUT));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Admitted: reads the members (we must be among them) and tells the device.
    fn welcome(
        &self,
        g: &GroupRec,
        index: usize,
        w: u64,
        generation: u64,
        me: DomainId,
        token: DomainId,
    ) -> Result<()> {
        let id = index as i16;
        let table = read_table(g).filter(|t| t.contains(&(self.me(), me)));
        let Some(table) = table else {
            dma_log!(
                ERR,
                "group {}: the creator broke the protocol (this domain is not in its table): not joining",
                id
            );
            return Err(Error::Errno(libc::EPROTO));
        };
        for &(member, domain) in &table {
            let (pid, reach) = self.reach(member);
            if !self.handlers.os_member_added(id, domain, pid, reach) {
                self.handlers.gone(id, false);
                return Err(Error::NoSpace);
            }
        }
        self.groups().push(RGroup {
            index,
            word: w,
            generation,
            role: Role::Joiner,
            me,
            token,
            table: Vec::new(),
            known: table,
            over: false,
        });
        crate::trace::emit!(region_control(id, self.att.slot as u16, 1, 0));
        Ok(())
    }

    pub fn role(&self, group_id: i16) -> Option<Role> {
        self.groups()
            .iter()
            .find(|g| g.index as i16 == group_id)
            .map(|g| g.role)
    }

    /// Ends our part in a group: the creator frees its record (joiners see it
    /// change: `GROUP_DESTROYED`), a joiner clears its bit (the creator drops it
    /// from the table: `MEMBER_LEFT` for the others).
    pub fn end(&self, group_id: i16) {
        let g = {
            let mut groups = self.groups();
            let Some(i) = groups.iter().position(|g| g.index as i16 == group_id) else {
                return;
            };
            groups.remove(i)
        };
        self.set_member_bit(g.index, false);
        if g.role == Role::Creator
            && let Some(rec) = self.att.region.group(g.index)
        {
            let _ = rec.state.compare_exchange(g.word, FREE, AcqRel, Acquire);
        }
        self.handlers.gone(group_id, false);
        crate::trace::emit!(region_control(group_id, self.att.slot as u16, 2, 0));
    }

    /// Ends every group (the device closes).
    pub fn end_all(&self) {
        let ids: Vec<i16> = self.groups().iter().map(|g| g.index as i16).collect();
        for id in ids {
            self.end(id);
        }
    }

    /// Our group ids, for dumps.
    pub fn ids(&self) -> Vec<(i16, Role)> {
        self.groups()
            .iter()
            .map(|g| (g.index as i16, g.role))
            .collect()
    }

    /// One round of the control thread: serve, sweep and compare every group, then
    /// tell the device what changed.
    pub fn tick(&self) {
        let live = self.att.liveness();
        let now = Instant::now();
        let mut actions = Vec::new();
        // Our slot taken over (we stood still long enough to be judged dead): for the
        // others we left every group, so they are over here too.
        let lost = self.att.my_slot().state.load(Acquire) != self.att.word;
        {
            let mut groups = self.groups();
            if lost {
                for g in groups.iter_mut().filter(|g| !g.over) {
                    g.over = true;
                    actions.push(Action::Gone(g.index, g.role == Role::Joiner));
                }
            }
            // A group that is over stays listed until the application leaves it, as
            // between processes.
            for g in groups.iter_mut().filter(|g| !g.over) {
                self.tick_group(g, &live, now, &mut actions);
            }
        }
        drop(live);
        for a in actions {
            self.apply(a);
        }
    }

    fn tick_group(&self, rg: &mut RGroup, live: &Liveness, now: Instant, out: &mut Vec<Action>) {
        let Some(g) = self.att.region.group(rg.index) else {
            return;
        };
        let w = g.state.load(Acquire);
        let creator_alive = live
            .beating(creator_of(rg.word), now)
            .is_some_and(|sw| created_by(rg.word, sw));
        if w != rg.word || g.generation.load(Acquire) != rg.generation || !creator_alive {
            if rg.role == Role::Creator {
                dma_log!(
                    ERR,
                    "group {}: its record in region {} was taken over",
                    rg.index,
                    self.att.region.source
                );
            }
            rg.over = true;
            self.set_member_bit(rg.index, false);
            out.push(Action::Gone(rg.index, rg.role == Role::Joiner));
            return;
        }
        let mut answers = Vec::new();
        if rg.role == Role::Creator {
            self.sweep(rg, live, now);
            self.serve(rg, live, now, &mut answers);
        }
        let current: Vec<Entry> = match rg.role {
            Role::Creator => rg.table.clone(),
            Role::Joiner => match read_table(g) {
                Some(t) => t,
                None => rg.known.clone(),
            },
        };
        let current: Vec<Entry> = current
            .into_iter()
            .filter(|&(m, _)| beats(live, m, now))
            .collect();
        for &(m, d) in &rg.known {
            if !current.contains(&(m, d)) && d != rg.me {
                out.push(Action::Left(rg.index, d));
            }
        }
        for &(m, d) in &current {
            if !rg.known.iter().any(|k| k.1 == d) {
                let (pid, reach) = self.reach(m);
                out.push(Action::Added(rg.index, d, pid, reach));
            }
        }
        rg.known = current;
        if !rg.known.iter().any(|k| k.1 == rg.me) {
            rg.known.push((self.me(), rg.me));
        }
        out.extend(answers);
    }

    /// The creator drops members whose slot stopped beating or cleared its bit.
    fn sweep(&self, rg: &mut RGroup, live: &Liveness, now: Instant) {
        let r = self.att.region;
        let me = self.me();
        let before = rg.table.len();
        rg.table.retain(|&(m, _)| {
            m == me
                || (beats(live, m, now)
                    && r.slot(slot_of(m))
                        .is_some_and(|s| s.member_of.load(Acquire) & (1 << rg.index) != 0))
        });
        if rg.table.len() != before
            && let Some(g) = r.group(rg.index)
        {
            write_table(g, &rg.table);
        }
    }

    /// The creator answers the join requests addressed to this group.
    fn serve(&self, rg: &mut RGroup, live: &Liveness, now: Instant, answers: &mut Vec<Action>) {
        let r = self.att.region;
        let wanted = group_ref(rg.index, rg.word);
        for i in 0..MAX_SLOTS {
            let Some(sw) = live.beating(i, now).filter(|_| i != self.att.slot) else {
                continue;
            };
            let Some(s) = r.slot(i) else { continue };
            let seq = s.req_seq.load(Acquire);
            if seq == s.ans_seq.load(Acquire) || s.req_group.load(Acquire) != wanted {
                continue;
            }
            // Copied once; a request that changes while we read it waits a tick.
            let (domain, token) = (words_to_id(&s.req_domain), words_to_id(&s.req_token));
            if s.req_seq.load(Acquire) != seq {
                continue;
            }
            let member = member_word(i, sw);
            let errno = self.admit(rg, i, member, &domain, &token);
            if errno == 0 && !rg.table.contains(&(member, domain)) {
                rg.table.push((member, domain));
                if let Some(g) = r.group(rg.index) {
                    write_table(g, &rg.table);
                }
                crate::trace::emit!(region_control(rg.index as i16, i as u16, 3, 0));
            } else if errno != 0 {
                crate::trace::emit!(region_control(rg.index as i16, i as u16, 4, errno));
            }
            answers.push(Action::Answer(i, seq, errno));
        }
    }

    /// The admission rules of `group::Creator::admit`: the right token, a domain not
    /// yet in, room; and the slot's bit for the group set. 0 or a negative errno.
    fn admit(
        &self,
        rg: &RGroup,
        slot: usize,
        member: u64,
        domain: &DomainId,
        token: &DomainId,
    ) -> i32 {
        if !same_token(token, &rg.token) {
            return -libc::EACCES;
        }
        if rg.table.contains(&(member, *domain)) {
            return 0;
        }
        if rg.table.iter().any(|e| e.1 == *domain) {
            return -libc::EEXIST;
        }
        if rg.table.len() >= MAX_MEMBERS {
            dma_log!(
                ERR,
                "group {} is full ({} members): refusing a join",
                rg.index,
                MAX_MEMBERS
            );
            return -libc::ENOSPC;
        }
        let asked = self
            .att
            .region
            .slot(slot)
            .is_some_and(|s| s.member_of.load(Acquire) & (1 << rg.index) != 0);
        if !asked {
            return -libc::EINVAL;
        }
        0
    }

    fn apply(&self, a: Action) {
        match a {
            Action::Added(i, d, pid, reach) => {
                if !self.handlers.os_member_added(i as i16, d, pid, reach) {
                    dma_log!(ERR, "group {}: a new member cannot be addressed here", i);
                }
            }
            Action::Left(i, d) => {
                self.handlers.left(i as i16, d, true);
                crate::trace::emit!(region_control(i as i16, 0, 5, 0));
            }
            Action::Gone(i, notify) => {
                self.handlers.gone(i as i16, notify);
                crate::trace::emit!(region_control(i as i16, 0, 6, 0));
            }
            Action::Answer(slot, seq, errno) => {
                if let Some(s) = self.att.region.slot(slot) {
                    s.ans_errno.store(i64::from(errno) as u64, Release);
                    s.ans_seq.store(seq, Release);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zeroed_group() -> Box<GroupRec> {
        let layout = std::alloc::Layout::new::<GroupRec>();
        // SAFETY: GroupRec is atomics and padding only, for which all-zero is valid
        // (a free record); the box takes the allocation with its own layout.
        unsafe { Box::from_raw(std::alloc::alloc_zeroed(layout).cast::<GroupRec>()) }
    }

    #[test]
    fn member_tables_round_trip_and_hostile_ones_are_bounded() {
        let g = zeroed_group();
        let table: Vec<Entry> = (0..3)
            .map(|i| (member_word(i, LIVE | 0x100), [i as u8; 16]))
            .collect();
        write_table(&g, &table);
        assert_eq!(read_table(&g), Some(table.clone()));
        assert_eq!(g.seq.load(Relaxed) % 2, 0);
        // A count past the table, a slot index past the slots, a repeated domain.
        g.count.store(u64::MAX, Relaxed);
        g.members[3].slot.store(250, Relaxed);
        g.members[4]
            .slot
            .store(member_word(1, LIVE | 0x100), Relaxed);
        id_to_words(&[1; 16], &g.members[4].domain);
        let read = read_table(&g).unwrap();
        assert_eq!(&read[..3], &table[..]);
        assert!(read.len() <= MAX_MEMBERS);
        assert!(!read.iter().any(|e| slot_of(e.0) >= MAX_SLOTS));
        assert_eq!(read.iter().filter(|e| e.1 == [1; 16]).count(), 1);
        // A writer that died mid-update (odd count): no table, and no hang.
        g.seq.store(5, Relaxed);
        assert_eq!(read_table(&g), None);
    }
}
