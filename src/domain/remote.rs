//! Executes a batch of operations whose source or destination is another process's
//! memory, with Linux cross-memory attach (`process_vm_readv`/`writev`).
//!
//! One system call carries many operations: their segments become the iovec lists
//! (up to `IOV_MAX` per side). The kernel copies the lists as two byte streams and
//! stops at the first bad element, returning how far it got, so a short count names
//! exactly the operation that failed: it completes with an error status and the
//! rest of the batch is sent again. A peer that left or died fails every operation
//! with `DEV_LINK_ERROR` without a system call. Nothing outside the named ranges is
//! ever written: the kernel only writes the destination iovecs.
use super::handlers::Endpoint;
use crate::abi::{rte_dma_op, rte_dma_sge, rte_dma_status_code};
use crate::engines::memops;
use crate::engines::ring::{Desc, OpKind, Ring, SgList};

const IOV_MAX: usize = 1024;
/// Bytes gathered for one call before it is made (bounds latency and the bounce buffer).
const BATCH_BYTES: usize = 4 << 20;
/// Lowest address a process can map (`vm.mmap_min_addr`'s usual value): anything
/// below is a bad address, caught before touching memory.
const MIN_ADDR: u64 = 65536;

use rte_dma_status_code::*;

/// Reused per worker: no allocation per batch once warmed up.
#[derive(Default)]
pub struct Scratch {
    local: Vec<libc::iovec>,
    remote: Vec<libc::iovec>,
    /// (ring position, bytes) of the operations in the pending call.
    ops: Vec<(u64, usize)>,
    /// Bytes of the pending call.
    bytes: usize,
    bounce: Vec<u8>,
    pattern: Vec<u8>,
    /// Segments translated into peers' windows.
    tsrc: Vec<rte_dma_sge>,
    tdst: Vec<rte_dma_sge>,
}

/// The byte ranges of one operation: sources, destinations (both trimmed to the
/// same total), or a fill.
enum Shape<'a> {
    Move {
        src: &'a [rte_dma_sge],
        dst: &'a [rte_dma_sge],
    },
    Fill {
        pattern: u64,
        dst: rte_dma_sge,
    },
}

/// # Safety
/// `d`/`sg` come from the ring slot of a published operation.
unsafe fn shape<'a>(d: &'a Desc, sg: &'a SgList, one: &'a mut [rte_dma_sge; 2]) -> Shape<'a> {
    match d.kind {
        OpKind::Copy => {
            one[0] = rte_dma_sge {
                addr: d.src,
                length: d.len,
            };
            one[1] = rte_dma_sge {
                addr: d.dst,
                length: d.len,
            };
            let (s, t) = one.split_at(1);
            Shape::Move { src: s, dst: t }
        }
        OpKind::Fill => Shape::Fill {
            pattern: d.src,
            dst: rte_dma_sge {
                addr: d.dst,
                length: d.len,
            },
        },
        OpKind::CopySg => {
            let (ns, nd) = (d.nb_src as usize, d.nb_dst as usize);
            Shape::Move {
                src: &sg.segs[..ns],
                dst: &sg.segs[ns..ns + nd],
            }
        }
        OpKind::Op => {
            let op = d.src as usize as *const rte_dma_op;
            // SAFETY: the op stays valid until dequeued; its segments follow it.
            unsafe {
                let (ns, nd) = ((*op).nb_src as usize, (*op).nb_dst as usize);
                let segs = core::slice::from_raw_parts(op.add(1) as *const rte_dma_sge, ns + nd);
                let (s, t) = segs.split_at(ns);
                Shape::Move { src: s, dst: t }
            }
        }
    }
}

fn total(segs: &[rte_dma_sge]) -> usize {
    segs.iter().map(|s| s.length as usize).sum()
}

/// Appends the first `limit` bytes of `segs` as iovecs; false if an address is bad.
fn push_iovs(out: &mut Vec<libc::iovec>, segs: &[rte_dma_sge], mut limit: usize) -> bool {
    for s in segs {
        if limit == 0 {
            break;
        }
        let n = (s.length as usize).min(limit);
        if n == 0 {
            continue;
        }
        if s.addr < MIN_ADDR {
            return false;
        }
        out.push(libc::iovec {
            iov_base: s.addr as usize as *mut libc::c_void,
            iov_len: n,
        });
        limit -= n;
    }
    true
}

fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    /// Source in the peer, destination here: `process_vm_readv`.
    Read,
    /// Source here, destination in the peer: `process_vm_writev`.
    Write,
}

/// One cross-memory-attach call; returns bytes moved or the errno.
fn call(dir: Dir, pid: i32, local: &[libc::iovec], remote: &[libc::iovec]) -> Result<usize, i32> {
    // SAFETY: the iovec lists are valid arrays; the kernel validates every address and
    // reports bad ones instead of faulting.
    let n = unsafe {
        match dir {
            Dir::Read => libc::process_vm_readv(
                pid,
                local.as_ptr(),
                local.len() as _,
                remote.as_ptr(),
                remote.len() as _,
                0,
            ),
            Dir::Write => libc::process_vm_writev(
                pid,
                local.as_ptr(),
                local.len() as _,
                remote.as_ptr(),
                remote.len() as _,
                0,
            ),
        }
    };
    if n < 0 { Err(errno()) } else { Ok(n as usize) }
}

/// Status of a failed operation for an errno of the call.
fn fault_status(dir: Dir, err: i32) -> rte_dma_status_code {
    match err {
        libc::ESRCH => RTE_DMA_STATUS_DEV_LINK_ERROR,
        libc::EFAULT | libc::EPERM | libc::EACCES => match dir {
            Dir::Read => RTE_DMA_STATUS_INVALID_SRC_ADDR,
            Dir::Write => RTE_DMA_STATUS_INVALID_DST_ADDR,
        },
        _ => RTE_DMA_STATUS_ERROR_UNKNOWN,
    }
}

/// Makes the pending call of `sc` and records every operation's status; returns
/// how many failed. Retries after a failed operation until all are settled.
fn flush(ring: &Ring, dir: Dir, peer: &Endpoint, sc: &mut Scratch) -> u64 {
    let mut failed = 0;
    let Endpoint::Peer { pid, .. } = peer else {
        return 0;
    };
    let (mut lo, mut ro, mut first) = (0usize, 0usize, 0usize);
    while first < sc.ops.len() {
        if !peer.is_alive() {
            for &(pos, _) in &sc.ops[first..] {
                ring.set_status(pos, RTE_DMA_STATUS_DEV_LINK_ERROR as u8);
                failed += 1;
            }
            break;
        }
        let result = call(dir, *pid, &sc.local[lo..], &sc.remote[ro..]);
        let moved = match result {
            Ok(n) => n,
            Err(libc::ESRCH) | Err(libc::EPERM) => {
                let st = fault_status(dir, result.unwrap_err());
                for &(pos, _) in &sc.ops[first..] {
                    ring.set_status(pos, st as u8);
                    failed += 1;
                }
                break;
            }
            Err(_) => 0,
        };
        // Operations entirely within `moved` succeeded; the next one failed.
        let mut done_bytes = 0;
        let mut i = first;
        while i < sc.ops.len() && done_bytes + sc.ops[i].1 <= moved {
            done_bytes += sc.ops[i].1;
            ring.set_status(sc.ops[i].0, 0);
            i += 1;
        }
        if i == sc.ops.len() {
            break;
        }
        let err = result.err().unwrap_or(libc::EFAULT);
        ring.set_status(sc.ops[i].0, fault_status(dir, err) as u8);
        failed += 1;
        // Skip the failed operation's iovecs on both sides and go on after it.
        let skip_to = done_bytes + sc.ops[i].1;
        lo = skip_iovs(&sc.local, skip_to);
        ro = skip_iovs(&sc.remote, skip_to);
        first = i + 1;
    }
    sc.local.clear();
    sc.remote.clear();
    sc.ops.clear();
    sc.bytes = 0;
    failed
}

/// Index of the iovec that starts at byte `offset` of the list's stream.
fn skip_iovs(iovs: &[libc::iovec], offset: usize) -> usize {
    let mut at = 0;
    for (i, v) in iovs.iter().enumerate() {
        if at >= offset {
            return i;
        }
        at += v.iov_len;
    }
    iovs.len()
}

/// Executes ring positions `[from, to)` between `src` and `dst`; sets every status
/// and returns how many failed. Operations complete in submission order: a queued
/// batch is flushed before any operation that runs immediately.
pub fn drain(
    ring: &Ring,
    from: u64,
    to: u64,
    src: &Endpoint,
    dst: &Endpoint,
    sc: &mut Scratch,
) -> u64 {
    let mut failed = 0;
    // The one peer a batched call can reach, and in which direction.
    let batch = match (src, dst) {
        (Endpoint::Peer { .. }, Endpoint::Local) => Some((Dir::Read, src)),
        (Endpoint::Local, Endpoint::Peer { .. }) => Some((Dir::Write, dst)),
        _ => None,
    };
    for pos in from..to {
        // SAFETY: [from, to) is published and owned by the worker.
        let (d, sg) = unsafe { ring.desc_at(pos) };
        let mut one = [rte_dma_sge::default(); 2];
        // SAFETY: a published descriptor.
        let shape = unsafe { shape(&d, sg, &mut one) };
        if let (Shape::Move { src: s, dst: t }, Some((dir, peer))) = (&shape, batch)
            && !(in_reach(s, src) && in_reach(t, dst))
        {
            failed += queue(ring, pos, dir, peer, s, t, sc);
            continue;
        }
        if let Some((dir, peer)) = batch
            && !sc.ops.is_empty()
        {
            failed += flush(ring, dir, peer, sc);
        }
        let status = match shape {
            Shape::Fill { pattern, dst: seg } => fill(pattern, &seg, dst, sc),
            Shape::Move { src: s, dst: t } if in_reach(s, src) && in_reach(t, dst) => {
                reach_move(s, t, src, dst, sc)
            }
            Shape::Move { src: s, dst: t } => peer_to_peer(s, t, src, dst, sc),
        };
        failed += (status != RTE_DMA_STATUS_SUCCESSFUL) as u64;
        ring.set_status(pos, status as u8);
    }
    if let Some((dir, peer)) = batch {
        failed += flush(ring, dir, peer, sc);
    }
    failed
}

/// Adds a move to the pending cross-memory-attach call (flushing it first when full);
/// returns how many operations failed meanwhile.
fn queue(
    ring: &Ring,
    pos: u64,
    dir: Dir,
    peer: &Endpoint,
    s: &[rte_dma_sge],
    t: &[rte_dma_sge],
    sc: &mut Scratch,
) -> u64 {
    let mut failed = 0;
    let len = total(s).min(total(t));
    let (l, r) = if dir == Dir::Read { (t, s) } else { (s, t) };
    let full = sc.local.len() + l.len() > IOV_MAX || sc.remote.len() + r.len() > IOV_MAX;
    if full || sc.bytes + len > BATCH_BYTES {
        failed += flush(ring, dir, peer, sc);
    }
    let (lmark, rmark) = (sc.local.len(), sc.remote.len());
    // Which side holds a bad address: the local side is the source when writing.
    let bad_source = if !push_iovs(&mut sc.local, l, len) {
        Some(dir == Dir::Write)
    } else if !push_iovs(&mut sc.remote, r, len) {
        Some(dir == Dir::Read)
    } else {
        None
    };
    match bad_source {
        Some(source) => {
            sc.local.truncate(lmark);
            sc.remote.truncate(rmark);
            let st = if source {
                RTE_DMA_STATUS_INVALID_SRC_ADDR
            } else {
                RTE_DMA_STATUS_INVALID_DST_ADDR
            };
            ring.set_status(pos, st as u8);
            failed + 1
        }
        None => {
            sc.ops.push((pos, len));
            sc.bytes += len;
            failed
        }
    }
}

/// A fill of local memory, of a peer's window, or of a peer by system call.
fn fill(pattern: u64, seg: &rte_dma_sge, dst: &Endpoint, sc: &mut Scratch) -> rte_dma_status_code {
    match dst {
        Endpoint::Local => local_fill(pattern, seg),
        peer if !peer.is_alive() => RTE_DMA_STATUS_DEV_LINK_ERROR,
        peer => match window_of(peer).and_then(|w| w.translate(seg.addr, seg.length as u64)) {
            Some(local) => local_fill(
                pattern,
                &rte_dma_sge {
                    addr: local,
                    length: seg.length,
                },
            ),
            None => peer_fill(pattern, seg, peer, sc),
        },
    }
}

fn window_of(e: &Endpoint) -> Option<&super::handlers::MappedWindow> {
    match e {
        Endpoint::Peer {
            window: Some(w), ..
        } => Some(w),
        _ => None,
    }
}

/// Whether every segment can be reached with plain loads and stores here: local
/// memory, or inside the peer's mapped window.
fn in_reach(segs: &[rte_dma_sge], side: &Endpoint) -> bool {
    match side {
        Endpoint::Local => true,
        peer => window_of(peer).is_some_and(|w| {
            segs.iter()
                .all(|g| w.translate(g.addr, g.length as u64).is_some())
        }),
    }
}

/// `segs` as local addresses (they are `in_reach`).
fn translate(segs: &[rte_dma_sge], side: &Endpoint, out: &mut Vec<rte_dma_sge>) {
    out.clear();
    out.extend(segs.iter().map(|g| match window_of(side) {
        Some(w) => rte_dma_sge {
            addr: w.translate(g.addr, g.length as u64).unwrap_or(0),
            length: g.length,
        },
        None => *g,
    }));
}

/// A move between ranges in reach: memcpy through the windows, no system call.
fn reach_move(
    s: &[rte_dma_sge],
    t: &[rte_dma_sge],
    src: &Endpoint,
    dst: &Endpoint,
    sc: &mut Scratch,
) -> rte_dma_status_code {
    if !src.is_alive() || !dst.is_alive() {
        return RTE_DMA_STATUS_DEV_LINK_ERROR;
    }
    translate(s, src, &mut sc.tsrc);
    translate(t, dst, &mut sc.tdst);
    local_move(&sc.tsrc, &sc.tdst)
}

fn local_fill(pattern: u64, seg: &rte_dma_sge) -> rte_dma_status_code {
    if seg.addr < MIN_ADDR {
        return RTE_DMA_STATUS_INVALID_DST_ADDR;
    }
    // SAFETY: the application promised this local range is writable.
    unsafe { memops::fill(pattern, seg.addr, seg.length as usize) };
    RTE_DMA_STATUS_SUCCESSFUL
}

fn local_move(src: &[rte_dma_sge], dst: &[rte_dma_sge]) -> rte_dma_status_code {
    if src.iter().any(|s| s.addr < MIN_ADDR) {
        return RTE_DMA_STATUS_INVALID_SRC_ADDR;
    }
    if dst.iter().any(|s| s.addr < MIN_ADDR) {
        return RTE_DMA_STATUS_INVALID_DST_ADDR;
    }
    // SAFETY: the application promised these local ranges.
    unsafe { memops::copy_sg(src, dst) };
    RTE_DMA_STATUS_SUCCESSFUL
}

/// A fill of a peer's memory: the pattern is laid out once locally and written with
/// one call whose local iovecs all point at it.
fn peer_fill(
    pattern: u64,
    seg: &rte_dma_sge,
    peer: &Endpoint,
    sc: &mut Scratch,
) -> rte_dma_status_code {
    let Endpoint::Peer { pid, .. } = peer else {
        return local_fill(pattern, seg);
    };
    if !peer.is_alive() {
        return RTE_DMA_STATUS_DEV_LINK_ERROR;
    }
    const CHUNK: usize = 64 * 1024;
    let len = seg.length as usize;
    sc.pattern.resize(CHUNK.min(len.next_multiple_of(8)), 0);
    // SAFETY: `pattern` holds at least the bytes we fill.
    unsafe { memops::fill(pattern, sc.pattern.as_mut_ptr() as u64, sc.pattern.len()) };
    let pattern_buf = sc.pattern.as_mut_ptr();
    let mut off = 0;
    let mut status = RTE_DMA_STATUS_SUCCESSFUL;
    // The pending batch was flushed before this fill, so the iovec list is free.
    while off < len && status == RTE_DMA_STATUS_SUCCESSFUL {
        sc.local.clear();
        let start = off;
        while off < len && sc.local.len() < IOV_MAX {
            let n = (len - off).min(CHUNK);
            sc.local.push(libc::iovec {
                iov_base: pattern_buf.cast(),
                iov_len: n,
            });
            off += n;
        }
        let remote = [libc::iovec {
            iov_base: (seg.addr as usize + start) as *mut libc::c_void,
            iov_len: off - start,
        }];
        status = match call(Dir::Write, *pid, &sc.local, &remote) {
            Ok(n) if n == off - start => RTE_DMA_STATUS_SUCCESSFUL,
            Ok(_) => RTE_DMA_STATUS_INVALID_DST_ADDR,
            Err(e) => fault_status(Dir::Write, e),
        };
    }
    sc.local.clear();
    status
}

/// Peer to peer (or the same peer): read into a local bounce buffer, then write.
fn peer_to_peer(
    src: &[rte_dma_sge],
    dst: &[rte_dma_sge],
    from: &Endpoint,
    to: &Endpoint,
    sc: &mut Scratch,
) -> rte_dma_status_code {
    let len = total(src).min(total(dst));
    sc.bounce.resize(len.max(1), 0);
    let bounce = [rte_dma_sge {
        addr: sc.bounce.as_mut_ptr() as u64,
        length: len as u32,
    }];
    let read = match from {
        Endpoint::Local => local_move(src, &bounce),
        Endpoint::Peer { pid, .. } => one_call(Dir::Read, *pid, from, &bounce, src, len, sc),
    };
    if read != RTE_DMA_STATUS_SUCCESSFUL {
        return read;
    }
    match to {
        Endpoint::Local => local_move(&bounce, dst),
        Endpoint::Peer { pid, .. } => one_call(Dir::Write, *pid, to, &bounce, dst, len, sc),
    }
}

fn one_call(
    dir: Dir,
    pid: i32,
    peer: &Endpoint,
    local: &[rte_dma_sge],
    remote: &[rte_dma_sge],
    len: usize,
    sc: &mut Scratch,
) -> rte_dma_status_code {
    if !peer.is_alive() {
        return RTE_DMA_STATUS_DEV_LINK_ERROR;
    }
    sc.local.clear();
    sc.remote.clear();
    if !push_iovs(&mut sc.local, local, len) || !push_iovs(&mut sc.remote, remote, len) {
        return if dir == Dir::Read {
            RTE_DMA_STATUS_INVALID_SRC_ADDR
        } else {
            RTE_DMA_STATUS_INVALID_DST_ADDR
        };
    }
    let r = call(dir, pid, &sc.local, &sc.remote);
    sc.local.clear();
    sc.remote.clear();
    match r {
        Ok(n) if n == len => RTE_DMA_STATUS_SUCCESSFUL,
        Ok(_) => fault_status(dir, libc::EFAULT),
        Err(e) => fault_status(dir, e),
    }
}

#[cfg(test)]
mod tests {
    //! Random batches against this process as its own peer (cross-memory attach on
    //! our own pid works as on any peer), checked byte by byte against a model.
    use super::*;
    use crate::engines::ring::Access;
    use core::sync::atomic::AtomicBool;
    use std::sync::Arc;

    const PAGE: usize = 4096;
    const SRC_LEN: usize = 16 << 20;
    const DST_LEN: usize = 40 << 20;
    const OPS: usize = 1200;

    /// xorshift64*: deterministic per seed, no crate needed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.below(100) < percent
        }
        fn fill(&mut self, b: &mut [u8]) {
            for c in b.chunks_mut(8) {
                let v = self.next().to_le_bytes();
                c.copy_from_slice(&v[..c.len()]);
            }
        }
    }

    /// An anonymous mapping, unmapped on drop.
    struct Map {
        base: *mut u8,
        len: usize,
    }

    impl Map {
        fn new(len: usize, prot: i32) -> Map {
            // SAFETY: a fresh anonymous mapping; checked below.
            let p = unsafe {
                libc::mmap(
                    core::ptr::null_mut(),
                    len,
                    prot,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                    -1,
                    0,
                )
            };
            assert_ne!(p, libc::MAP_FAILED);
            Map {
                base: p.cast(),
                len,
            }
        }
        fn addr(&self) -> u64 {
            self.base as u64
        }
        fn contains(&self, a: u64) -> bool {
            a >= self.addr() && a < self.addr() + self.len as u64
        }
        fn protect(&self, page: usize, prot: i32) {
            // SAFETY: a page of our own mapping.
            let rc = unsafe { libc::mprotect(self.base.add(page * PAGE).cast(), PAGE, prot) };
            assert_eq!(rc, 0);
        }
        /// `[off, off + n)`, which must be readable.
        fn read(&self, off: usize, n: usize) -> &[u8] {
            assert!(off + n <= self.len);
            // SAFETY: inside the mapping; the caller names readable pages.
            unsafe { core::slice::from_raw_parts(self.base.add(off), n) }
        }
    }

    impl Drop for Map {
        fn drop(&mut self) {
            // SAFETY: exactly the mapping made in `new`.
            unsafe { libc::munmap(self.base.cast(), self.len) };
        }
    }

    fn self_peer() -> Endpoint {
        Endpoint::Peer {
            pid: std::process::id() as i32,
            alive: Arc::new(AtomicBool::new(true)),
            window: None,
        }
    }

    /// Memory the operations use: a source arena with unreadable pages, a destination
    /// arena with read-only pages, and a region where nothing is accessible.
    struct World {
        src: Map,
        dst: Map,
        dead: Map,
        src_holes: Vec<usize>,
        dst_holes: Vec<usize>,
        /// Next free destination offset: destinations never overlap.
        bump: usize,
    }

    impl World {
        fn new(rng: &mut Rng) -> World {
            let src = Map::new(SRC_LEN, libc::PROT_READ | libc::PROT_WRITE);
            // SAFETY: the whole arena is writable before the holes are made.
            rng.fill(unsafe { core::slice::from_raw_parts_mut(src.base, SRC_LEN) });
            let src_holes: Vec<usize> = (0..48)
                .map(|_| rng.below((SRC_LEN / PAGE) as u64) as usize)
                .collect();
            for &p in &src_holes {
                src.protect(p, libc::PROT_NONE);
            }
            let dst = Map::new(DST_LEN, libc::PROT_READ | libc::PROT_WRITE);
            // SAFETY: as above.
            rng.fill(unsafe { core::slice::from_raw_parts_mut(dst.base, DST_LEN) });
            let dst_holes: Vec<usize> = (0..64)
                .map(|_| rng.below((DST_LEN / PAGE) as u64) as usize)
                .collect();
            for &p in &dst_holes {
                dst.protect(p, libc::PROT_READ);
            }
            World {
                src,
                dst,
                dead: Map::new(1 << 20, libc::PROT_NONE),
                src_holes,
                dst_holes,
                bump: 0,
            }
        }

        /// A bad address for `n` bytes: below `MIN_ADDR` or in the dead region.
        fn bad(&self, rng: &mut Rng, n: usize) -> u64 {
            if rng.chance(50) {
                4096 + rng.below(4096)
            } else {
                self.dead.addr() + rng.below(self.dead.len.saturating_sub(n) as u64 + 1)
            }
        }

        fn src_seg(&self, rng: &mut Rng, n: usize) -> rte_dma_sge {
            let addr = if rng.chance(4) {
                self.bad(rng, n)
            } else if rng.chance(6) {
                // Across an unreadable page.
                let h = self.src_holes[rng.below(self.src_holes.len() as u64) as usize] * PAGE;
                let start = h.saturating_sub(rng.below(n as u64) as usize);
                self.src.addr() + start.min(SRC_LEN - n) as u64
            } else {
                self.src.addr() + rng.below((SRC_LEN - n) as u64 + 1)
            };
            rte_dma_sge {
                addr,
                length: n as u32,
            }
        }

        /// None when the arena is used up.
        fn dst_seg(&mut self, rng: &mut Rng, n: usize) -> Option<rte_dma_sge> {
            if rng.chance(4) {
                let addr = self.bad(rng, n);
                return Some(rte_dma_sge {
                    addr,
                    length: n as u32,
                });
            }
            let start = self.bump + rng.below(300) as usize;
            if start + n > DST_LEN {
                return None;
            }
            self.bump = start + n;
            if n > 0 && rng.chance(6) {
                // Across a read-only page.
                let p = (start + rng.below(n as u64) as usize) / PAGE;
                self.dst.protect(p, libc::PROT_READ);
                self.dst_holes.push(p);
            }
            Some(rte_dma_sge {
                addr: self.dst.addr() + start as u64,
                length: n as u32,
            })
        }

        /// Stream offset of the first byte of `segs` (first `len` bytes) that cannot
        /// be read (`src`) or written (`!src`).
        fn first_bad(&self, segs: &[rte_dma_sge], len: usize, src: bool) -> Option<usize> {
            let (arena, holes) = if src {
                (&self.src, &self.src_holes)
            } else {
                (&self.dst, &self.dst_holes)
            };
            let mut at = 0;
            for s in segs {
                let n = (s.length as usize).min(len - at);
                if n == 0 {
                    continue;
                }
                if !arena.contains(s.addr) {
                    return Some(at);
                }
                let off = (s.addr - arena.addr()) as usize;
                let hole = (off / PAGE..(off + n).div_ceil(PAGE))
                    .find(|p| holes.contains(p))
                    .map(|p| (p * PAGE).max(off) - off);
                if let Some(h) = hole {
                    return Some(at + h);
                }
                at += n;
            }
            None
        }

        /// The first `len` bytes of a stream of (readable) segments in `arena`.
        fn gather(arena: &Map, segs: &[rte_dma_sge], len: usize, out: &mut Vec<u8>) {
            out.clear();
            for s in segs {
                let n = (s.length as usize).min(len - out.len());
                if n > 0 {
                    out.extend_from_slice(arena.read((s.addr - arena.addr()) as usize, n));
                }
            }
        }
    }

    /// Splits `total` into `parts` random lengths (some may be 0).
    fn split(rng: &mut Rng, total: usize, parts: usize) -> Vec<usize> {
        let mut cuts: Vec<usize> = (1..parts)
            .map(|_| rng.below(total as u64 + 1) as usize)
            .collect();
        cuts.push(0);
        cuts.push(total);
        cuts.sort_unstable();
        cuts.windows(2).map(|w| w[1] - w[0]).collect()
    }

    /// One generated operation.
    struct Gen {
        src: Vec<rte_dma_sge>,
        dst: Vec<rte_dma_sge>,
        fill: Option<u64>,
        /// Bytes it moves or fills.
        len: usize,
    }

    fn generate(rng: &mut Rng, w: &mut World, fills: bool) -> Option<Gen> {
        let len = if rng.chance(1) {
            256 * 1024 + rng.below(1 << 20) as usize
        } else if rng.chance(20) {
            1 + rng.below(64) as usize
        } else {
            1 + rng.below(3 * PAGE as u64) as usize
        };
        if fills && rng.chance(5) {
            let d = w.dst_seg(rng, len)?;
            return Some(Gen {
                src: vec![],
                dst: vec![d],
                fill: Some(rng.next()),
                len,
            });
        }
        let (ns, nd) = if rng.chance(50) {
            (1, 1)
        } else {
            (1 + rng.below(4) as usize, 1 + rng.below(4) as usize)
        };
        // One side may be longer than the other; the operation moves the shorter.
        let extra = rng.below(64) as usize * rng.chance(20) as usize;
        let (ts, td) = if rng.chance(50) {
            (len + extra, len)
        } else {
            (len, len + extra)
        };
        let src = split(rng, ts, ns)
            .into_iter()
            .map(|n| w.src_seg(rng, n))
            .collect();
        let dst = split(rng, td, nd)
            .into_iter()
            .map(|n| w.dst_seg(rng, n))
            .collect::<Option<Vec<_>>>()?;
        Some(Gen {
            src,
            dst,
            fill: None,
            len,
        })
    }

    fn push(ring: &Ring, g: &Gen) {
        let d = |kind, src, dst, len| Desc {
            src,
            dst,
            len,
            kind,
            nb_src: g.src.len() as u8,
            nb_dst: g.dst.len() as u8,
            flags: 0,
        };
        let r = match g.fill {
            Some(p) => ring.push(d(OpKind::Fill, p, g.dst[0].addr, g.len as u32), None, false),
            None if g.src.len() == 1 && g.dst.len() == 1 && g.src[0].length == g.dst[0].length => {
                ring.push(
                    d(OpKind::Copy, g.src[0].addr, g.dst[0].addr, g.len as u32),
                    None,
                    false,
                )
            }
            None => ring.push(
                d(OpKind::CopySg, 0, 0, g.len as u32),
                Some((&g.src, &g.dst)),
                false,
            ),
        };
        r.unwrap();
    }

    /// One random batch from `src` to `dst`, executed and checked.
    fn round(seed: u64, src: Endpoint, dst: Endpoint, fills: bool) {
        let ctx = format!("seed {seed} {src:?} -> {dst:?}");
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut w = World::new(&mut rng);
        let mut ops = Vec::new();
        while ops.len() < OPS {
            match generate(&mut rng, &mut w, fills) {
                Some(g) => ops.push(g),
                None => break,
            }
        }
        let before = w.dst.read(0, DST_LEN).to_vec();
        let ring = Ring::with_access(2048, Access::Domain { src, dst }).unwrap();
        for g in &ops {
            push(&ring, g);
        }
        ring.publish();
        let (from, to) = ring.pending();
        let Access::Domain { src, dst } = &ring.access else {
            unreachable!()
        };
        let mut sc = Scratch::default();
        let failed = drain(&ring, from, to, src, dst, &mut sc);
        ring.finish(to, failed);
        let mut st = vec![RTE_DMA_STATUS_SUCCESSFUL; ops.len()];
        assert_eq!(ring.reap_status(&mut st).0 as usize, ops.len());
        assert_eq!(
            failed as usize,
            st.iter()
                .filter(|&&s| s != RTE_DMA_STATUS_SUCCESSFUL)
                .count(),
            "{ctx}: failure count"
        );

        // Destination bytes each operation may have changed: (offset, length).
        let mut touched = Vec::new();
        let (mut want, mut got) = (Vec::new(), Vec::new());
        for (i, g) in ops.iter().enumerate() {
            let bad_src = match g.fill {
                Some(_) => None,
                None => w.first_bad(&g.src, g.len, true),
            };
            let bad_dst = w.first_bad(&g.dst, g.len, false);
            let expect: &[rte_dma_status_code] = match (bad_src, bad_dst) {
                (None, None) => &[RTE_DMA_STATUS_SUCCESSFUL],
                (Some(_), None) => &[RTE_DMA_STATUS_INVALID_SRC_ADDR],
                (None, Some(_)) => &[RTE_DMA_STATUS_INVALID_DST_ADDR],
                // Both sides bad: either may be named.
                (Some(_), Some(_)) => &[
                    RTE_DMA_STATUS_INVALID_SRC_ADDR,
                    RTE_DMA_STATUS_INVALID_DST_ADDR,
                ],
            };
            assert!(
                expect.contains(&st[i]),
                "{ctx}: op {i} (len {}, src {:x?}, dst {:x?}) got {:?}, want {expect:?}",
                g.len,
                g.src,
                g.dst,
                st[i]
            );
            let mut left = g.len;
            for d in &g.dst {
                let n = (d.length as usize).min(left);
                left -= n;
                if n > 0 && w.dst.contains(d.addr) {
                    touched.push(((d.addr - w.dst.addr()) as usize, n));
                }
            }
            if st[i] != RTE_DMA_STATUS_SUCCESSFUL {
                continue;
            }
            match g.fill {
                Some(p) => {
                    want.clear();
                    want.extend((0..g.len).map(|k| p.to_ne_bytes()[k % 8]));
                }
                None => World::gather(&w.src, &g.src, g.len, &mut want),
            }
            World::gather(&w.dst, &g.dst, g.len, &mut got);
            assert!(
                want == got,
                "{ctx}: op {i} (len {}) moved wrong bytes",
                g.len
            );
        }
        // Nothing outside the operations' destination ranges changed.
        touched.sort_unstable();
        let now = w.dst.read(0, DST_LEN);
        let mut at = 0;
        for &(off, n) in touched.iter().chain([(DST_LEN, 0)].iter()) {
            assert!(
                now[at..off] == before[at..off],
                "{ctx}: bytes changed in [{at:#x}, {off:#x}) outside any destination"
            );
            at = off + n;
        }
    }

    #[test]
    fn random_batches_give_every_operation_its_own_status() {
        for seed in 1..=6 {
            round(seed, self_peer(), Endpoint::Local, false);
            round(seed, Endpoint::Local, self_peer(), true);
        }
    }
}
