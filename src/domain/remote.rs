//! Executes a batch of operations of an inter-domain vchan, where a bad address must
//! become an error status, never a fault.
//!
//! Memory known to be mapped (our `rte_malloc` heap, a peer's heap mapped here as a
//! window) is copied with plain loads and stores. Everything else goes through Linux
//! cross-memory attach (`process_vm_readv`/`writev`), on the peer or on ourselves,
//! which checks every address. One system call carries many operations: their
//! segments become the iovec lists (up to `IOV_MAX` per side), which the kernel copies
//! as two byte streams, stopping at the first bad byte and returning how far it got.
//! Each pending operation records where its iovecs start, so the call is resent from
//! the exact byte it stopped at; a resend that fails at once is narrowed to the one
//! iovec pair at that byte, and if that fails too its operation gets an error status
//! (which side is bad is found by reading one byte of the source there) and the rest
//! goes on. A peer that left or died fails every operation with `DEV_LINK_ERROR`
//! without a system call. Nothing outside the named ranges is ever written.
use super::handlers::Endpoint;
use crate::abi::{rte_dma_op, rte_dma_sge, rte_dma_status_code};
use crate::engines::memops;
use crate::engines::ring::{Batch, Desc, OpKind, SgList};
use crate::engines::ring::{DataPath, InlinePath};

// Lengths are u32 segments summed in u64 and used as usize: lossless on 64-bit only.
const _: () = assert!(usize::BITS == 64);

const IOV_MAX: usize = 1024;
/// Bytes gathered for one call before it is made (bounds latency).
const BATCH_BYTES: usize = 4 << 20;
/// Bounce buffer of a peer-to-peer move: the move goes in chunks of at most this.
const BOUNCE: usize = 256 << 10;
/// Bytes of the pattern buffer a fill by system call repeats.
const FILL_CHUNK: usize = 64 << 10;
/// Lowest address a process can map (`vm.mmap_min_addr`'s usual value).
const MIN_ADDR: u64 = 65536;
/// No 64-bit Linux gives user space addresses from here up (x86-64 with 5-level
/// paging stops at 2^56). The kernel refuses a local iovec past its own limit for the
/// whole call, so such ranges are caught first.
const USER_END: u64 = 1 << 56;

/// A range no process can have mapped: caught before any system call.
fn impossible(addr: u64, len: usize) -> bool {
    addr < MIN_ADDR
        || addr
            .checked_add(len as u64)
            .is_none_or(|end| end > USER_END)
}

use rte_dma_status_code::*;

/// An operation of the pending call: its ring position, its bytes (the same on both
/// sides) and the index of its first iovec in each list.
#[derive(Clone, Copy)]
struct Pending {
    pos: u64,
    bytes: usize,
    local: usize,
    remote: usize,
}

/// Reused per vchan: no allocation per batch once warmed up.
#[derive(Default)]
pub struct Scratch {
    local: Vec<libc::iovec>,
    remote: Vec<libc::iovec>,
    ops: Vec<Pending>,
    /// Bytes of the pending call.
    bytes: usize,
    bounce: Vec<u8>,
    pattern: Vec<u8>,
    /// Segments translated into peers' windows.
    tsrc: Vec<rte_dma_sge>,
    tdst: Vec<rte_dma_sge>,
    /// Our heap's range `(base, len)` once it exists: always mapped, never unmapped.
    heap: Option<(u64, u64)>,
    /// Our pid (0 until known).
    me: i32,
}

// SAFETY: the iovec lists hold addresses for the kernel, never dereferenced here; they
// are filled and emptied within one batch on the thread that owns the scratch.
unsafe impl Send for Scratch {}

/// The byte ranges of one operation: sources, destinations (both trimmed to the
/// same total), or a fill.
pub(in crate::domain) enum Shape<'a> {
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
pub(in crate::domain) unsafe fn shape<'a>(
    d: &'a Desc,
    sg: &'a SgList,
    one: &'a mut [rte_dma_sge; 2],
) -> Shape<'a> {
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
            let (ns, nd) = (usize::from(d.nb_src), usize::from(d.nb_dst));
            Shape::Move {
                src: &sg.segs[..ns],
                dst: &sg.segs[ns..ns + nd],
            }
        }
        OpKind::Op => {
            let op = d.src as usize as *const rte_dma_op;
            // SAFETY: the op stays valid until dequeued; its segments follow it.
            unsafe {
                let (ns, nd) = (usize::from((*op).nb_src), usize::from((*op).nb_dst));
                let segs = core::slice::from_raw_parts(op.add(1) as *const rte_dma_sge, ns + nd);
                let (s, t) = segs.split_at(ns);
                Shape::Move { src: s, dst: t }
            }
        }
    }
}

/// Total bytes of a segment list (at most 2^16 segments of < 2^32 bytes: no overflow).
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
        if impossible(s.addr, n) {
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
    /// Source in the other process, destination here: `process_vm_readv`.
    Read,
    /// Source here, destination in the other process: `process_vm_writev`.
    Write,
}

/// One cross-memory-attach call; returns bytes moved or the errno.
fn call(dir: Dir, pid: i32, local: &[libc::iovec], remote: &[libc::iovec]) -> Result<usize, i32> {
    let (nl, nr) = (local.len() as libc::c_ulong, remote.len() as libc::c_ulong);
    // SAFETY: the iovec lists are valid arrays; the kernel validates every address and
    // reports bad ones instead of faulting.
    let n = unsafe {
        match dir {
            Dir::Read => libc::process_vm_readv(pid, local.as_ptr(), nl, remote.as_ptr(), nr, 0),
            Dir::Write => libc::process_vm_writev(pid, local.as_ptr(), nl, remote.as_ptr(), nr, 0),
        }
    };
    usize::try_from(n).map_err(|_| errno())
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

/// Which side of a move failed at a byte: reads one byte of the source there (in
/// process `pid`); readable means the destination is the bad one.
fn blame(pid: i32, src: u64) -> rte_dma_status_code {
    let mut byte = 0u8;
    let local = [libc::iovec {
        iov_base: (&raw mut byte).cast(),
        iov_len: 1,
    }];
    let remote = [libc::iovec {
        iov_base: src as usize as *mut libc::c_void,
        iov_len: 1,
    }];
    match call(Dir::Read, pid, &local, &remote) {
        Ok(1) => RTE_DMA_STATUS_INVALID_DST_ADDR,
        Err(libc::ESRCH) => RTE_DMA_STATUS_DEV_LINK_ERROR,
        _ => RTE_DMA_STATUS_INVALID_SRC_ADDR,
    }
}

/// One move of our own memory by a system call on ourselves, so a bad address is a
/// status, never a fault: `s` and `t` are local ranges, trimmed to the same total.
/// For moves whose ranges are not all known to be mapped (`domain::region`).
pub(in crate::domain) fn move_checked(
    s: &[rte_dma_sge],
    t: &[rte_dma_sge],
    sc: &mut Scratch,
) -> rte_dma_status_code {
    let len = total(s).min(total(t));
    let me = std::process::id() as i32;
    sc.local.clear();
    sc.remote.clear();
    let ok_dst = push_iovs(&mut sc.local, t, len);
    let ok_src = push_iovs(&mut sc.remote, s, len);
    let status = if !ok_src {
        RTE_DMA_STATUS_INVALID_SRC_ADDR
    } else if !ok_dst {
        RTE_DMA_STATUS_INVALID_DST_ADDR
    } else if sc.local.len() > IOV_MAX || sc.remote.len() > IOV_MAX {
        RTE_DMA_STATUS_INVALID_LENGTH
    } else {
        match call(Dir::Read, me, &sc.local, &sc.remote) {
            Ok(n) if n == len => RTE_DMA_STATUS_SUCCESSFUL,
            Ok(n) => {
                let (j, k) = locate(&sc.remote, 0, n);
                blame(me, sc.remote[j].iov_base as u64 + k as u64)
            }
            Err(_) => blame(me, sc.remote.first().map_or(0, |v| v.iov_base as u64)),
        }
    };
    sc.local.clear();
    sc.remote.clear();
    status
}

/// Whom a batched call reaches: a peer, or this process itself for local memory not
/// known to be mapped. `peer` is the endpoint whose death fails the batch.
#[derive(Clone, Copy)]
struct Target<'a> {
    dir: Dir,
    pid: i32,
    peer: &'a Endpoint,
}

/// The iovec holding byte `k` of the stream that starts at iovec `from`, and the
/// offset of that byte in it.
fn locate(iovs: &[libc::iovec], from: usize, mut k: usize) -> (usize, usize) {
    let mut j = from;
    while k >= iovs[j].iov_len {
        k -= iovs[j].iov_len;
        j += 1;
    }
    (j, k)
}

fn stream_len(iovs: &[libc::iovec]) -> usize {
    iovs.iter().map(|v| v.iov_len).sum()
}

/// Makes the pending call of `sc` and records every operation's status; returns how
/// many failed. The cursor (operation `i`, byte `k` of it) only moves forward: each
/// call either moves bytes, or (a piece alone failing) settles operation `i`.
fn flush(ring: &Batch<'_>, tg: Target, sc: &mut Scratch) -> u64 {
    let mut failed = 0;
    let (mut i, mut k) = (0usize, 0usize);
    // Narrowed to the iovec pair at the cursor, after a call that failed or fell short.
    let mut step = false;
    loop {
        while i < sc.ops.len() && k == sc.ops[i].bytes {
            ring.set_status(sc.ops[i].pos, RTE_DMA_STATUS_SUCCESSFUL as u8);
            (i, k) = (i + 1, 0);
        }
        if i == sc.ops.len() {
            break;
        }
        if !tg.peer.is_alive() {
            failed += fail_rest(ring, &sc.ops[i..], RTE_DMA_STATUS_DEV_LINK_ERROR);
            break;
        }
        let op = sc.ops[i];
        let (lj, loff) = locate(&sc.local, op.local, k);
        let (rj, roff) = locate(&sc.remote, op.remote, k);
        let (lsave, rsave) = (sc.local[lj], sc.remote[rj]);
        // Start both lists at the cursor (the addresses are only handed to the kernel).
        sc.local[lj].iov_base = lsave.iov_base.wrapping_byte_add(loff);
        sc.local[lj].iov_len -= loff;
        sc.remote[rj].iov_base = rsave.iov_base.wrapping_byte_add(roff);
        sc.remote[rj].iov_len -= roff;
        let (lend, rend) = if step {
            let n = sc.local[lj].iov_len.min(sc.remote[rj].iov_len);
            sc.local[lj].iov_len = n;
            sc.remote[rj].iov_len = n;
            (lj + 1, rj + 1)
        } else {
            (
                (lj + IOV_MAX).min(sc.local.len()),
                (rj + IOV_MAX).min(sc.remote.len()),
            )
        };
        let (l, r) = (&sc.local[lj..lend], &sc.remote[rj..rend]);
        let asked = stream_len(l).min(stream_len(r));
        let source = match tg.dir {
            Dir::Read => (tg.pid, r[0].iov_base as u64),
            Dir::Write => (sc.me, l[0].iov_base as u64),
        };
        let result = call(tg.dir, tg.pid, l, r);
        (sc.local[lj], sc.remote[rj]) = (lsave, rsave);
        match result {
            Ok(moved) if moved > 0 => {
                let mut n = moved;
                while n > 0 {
                    let take = n.min(sc.ops[i].bytes - k);
                    (k, n) = (k + take, n - take);
                    if k == sc.ops[i].bytes {
                        ring.set_status(sc.ops[i].pos, RTE_DMA_STATUS_SUCCESSFUL as u8);
                        (i, k) = (i + 1, 0);
                    }
                }
                step = moved < asked;
            }
            Err(e @ (libc::ESRCH | libc::EPERM)) => {
                failed += fail_rest(ring, &sc.ops[i..], fault_status(tg.dir, e));
                break;
            }
            // Nothing moved: the bad byte is at the cursor, or (a local iovec the
            // kernel refuses as a whole) further on. Try the cursor's piece alone.
            _ if !step => step = true,
            result => {
                let st = match result {
                    Err(e) if e != libc::EFAULT => RTE_DMA_STATUS_ERROR_UNKNOWN,
                    _ => blame(source.0, source.1),
                };
                ring.set_status(op.pos, st as u8);
                failed += 1;
                (i, k, step) = (i + 1, 0, false);
            }
        }
    }
    sc.local.clear();
    sc.remote.clear();
    sc.ops.clear();
    sc.bytes = 0;
    failed
}

fn fail_rest(ring: &Batch<'_>, ops: &[Pending], st: rte_dma_status_code) -> u64 {
    for op in ops {
        ring.set_status(op.pos, st as u8);
    }
    ops.len() as u64
}

/// An inter-process vchan's data path: its two endpoints and the scratch its
/// batches reuse (owned by the worker with the ring's worker side).
pub struct ProcessDataPath {
    src: Endpoint,
    dst: Endpoint,
    scratch: Scratch,
}

impl ProcessDataPath {
    pub fn new(src: Endpoint, dst: Endpoint) -> ProcessDataPath {
        ProcessDataPath {
            src,
            dst,
            scratch: Scratch::default(),
        }
    }
}

impl DataPath for ProcessDataPath {
    fn inline_path(&self) -> Option<std::sync::Arc<dyn InlinePath>> {
        Some(std::sync::Arc::new(super::inline::ProcessInline::new(
            self.src.clone(),
            self.dst.clone(),
            None,
        )))
    }

    fn execute(&mut self, batch: &Batch<'_>) -> u64 {
        let todo = batch.range();
        drain(
            batch,
            todo.start,
            todo.end,
            &self.src,
            &self.dst,
            &mut self.scratch,
        )
    }
}

/// Executes ring positions `[from, to)` between `src` and `dst`; sets every status
/// and returns how many failed. Operations complete in submission order: a queued
/// batch is flushed before any operation that runs immediately.
pub fn drain(
    ring: &Batch<'_>,
    from: u64,
    to: u64,
    src: &Endpoint,
    dst: &Endpoint,
    sc: &mut Scratch,
) -> u64 {
    if sc.me == 0 {
        // SAFETY: no arguments, cannot fail.
        sc.me = unsafe { libc::getpid() };
    }
    if sc.heap.is_none() {
        sc.heap = crate::eal::heap::mapped_range();
    }
    let mut failed = 0;
    // Where moves that cannot be done with loads and stores go, in one call per batch.
    let batch = match (src, dst) {
        (Endpoint::Peer { pid, .. }, Endpoint::Local) => Some(Target {
            dir: Dir::Read,
            pid: *pid,
            peer: src,
        }),
        (Endpoint::Local, Endpoint::Peer { pid, .. }) => Some(Target {
            dir: Dir::Write,
            pid: *pid,
            peer: dst,
        }),
        (Endpoint::Local, Endpoint::Local) => Some(Target {
            dir: Dir::Read,
            pid: sc.me,
            peer: src,
        }),
        _ => None,
    };
    for pos in from..to {
        let (d, sg) = ring.desc_at(pos);
        if d.is_noop() {
            ring.set_status(pos, RTE_DMA_STATUS_SUCCESSFUL as u8);
            continue;
        }
        let mut one = [rte_dma_sge::default(); 2];
        // SAFETY: a published descriptor.
        let shape = unsafe { shape(&d, sg, &mut one) };
        let direct = match &shape {
            Shape::Move { src: s, dst: t } => direct(s, src, sc.heap) && direct(t, dst, sc.heap),
            Shape::Fill { .. } => false,
        };
        if let (Shape::Move { src: s, dst: t }, Some(tg), false) = (&shape, batch, direct) {
            failed += queue(ring, pos, tg, s, t, sc);
            continue;
        }
        if let Some(tg) = batch
            && !sc.ops.is_empty()
        {
            failed += flush(ring, tg, sc);
        }
        let status = match shape {
            Shape::Fill { pattern, dst: seg } => fill(pattern, &seg, dst, sc),
            Shape::Move { src: s, dst: t } if direct => direct_move(s, t, src, dst, sc),
            Shape::Move { src: s, dst: t } => peer_to_peer(s, t, src, dst, sc),
        };
        failed += u64::from(status != RTE_DMA_STATUS_SUCCESSFUL);
        ring.set_status(pos, status as u8);
    }
    if let Some(tg) = batch
        && !sc.ops.is_empty()
    {
        failed += flush(ring, tg, sc);
    }
    failed
}

/// Adds a move to the pending call (flushing it first when full); returns how many
/// operations failed meanwhile. An `impossible` range fails the operation at
/// once, naming that side (the local one if both are).
fn queue(
    ring: &Batch<'_>,
    pos: u64,
    tg: Target,
    s: &[rte_dma_sge],
    t: &[rte_dma_sge],
    sc: &mut Scratch,
) -> u64 {
    let mut failed = 0;
    let len = total(s).min(total(t));
    let (l, r) = if tg.dir == Dir::Read { (t, s) } else { (s, t) };
    let full = sc.local.len() + l.len() > IOV_MAX || sc.remote.len() + r.len() > IOV_MAX;
    if !sc.ops.is_empty() && (full || sc.bytes + len > BATCH_BYTES) {
        failed += flush(ring, tg, sc);
    }
    let (lmark, rmark) = (sc.local.len(), sc.remote.len());
    // Which side holds a bad address: the local side is the source when writing.
    let bad_source = if !push_iovs(&mut sc.local, l, len) {
        Some(tg.dir == Dir::Write)
    } else if !push_iovs(&mut sc.remote, r, len) {
        Some(tg.dir == Dir::Read)
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
            sc.ops.push(Pending {
                pos,
                bytes: len,
                local: lmark,
                remote: rmark,
            });
            sc.bytes += len;
            failed
        }
    }
}

/// Whether all of `g` lies inside `heap` (our heap `(base, len)`, or our mapping of
/// a region), without overflow.
pub(in crate::domain) fn in_heap(heap: Option<(u64, u64)>, g: &rte_dma_sge) -> bool {
    heap.is_some_and(|(base, len)| {
        g.addr
            .checked_sub(base)
            .and_then(|off| off.checked_add(u64::from(g.length)))
            .is_some_and(|end| end <= len)
    })
}

/// Where `g` is here, if plain loads and stores reach all of it: a range of ours
/// inside our heap, a peer's through its heap mapped here as a window. The worker's
/// direct paths and the caller's copy-break (`inline`) both decide with it.
pub(in crate::domain) fn reach(
    side: &Endpoint,
    heap: Option<(u64, u64)>,
    g: &rte_dma_sge,
) -> Option<u64> {
    match side {
        Endpoint::Local => in_heap(heap, g).then_some(g.addr),
        Endpoint::Peer { window, .. } => window.as_ref()?.translate(g.addr, u64::from(g.length)),
    }
}

/// Whether every segment lies in memory known to be mapped, so plain loads and
/// stores cannot fault.
fn direct(segs: &[rte_dma_sge], side: &Endpoint, heap: Option<(u64, u64)>) -> bool {
    segs.iter().all(|g| reach(side, heap, g).is_some())
}

/// `segs` as local addresses (they are `direct`).
fn translate(
    segs: &[rte_dma_sge],
    side: &Endpoint,
    heap: Option<(u64, u64)>,
    out: &mut Vec<rte_dma_sge>,
) {
    out.clear();
    out.extend(segs.iter().map(|g| rte_dma_sge {
        addr: reach(side, heap, g).unwrap_or(0),
        length: g.length,
    }));
}

/// A move between `direct` ranges: memcpy, no system call.
fn direct_move(
    s: &[rte_dma_sge],
    t: &[rte_dma_sge],
    src: &Endpoint,
    dst: &Endpoint,
    sc: &mut Scratch,
) -> rte_dma_status_code {
    if !src.is_alive() || !dst.is_alive() {
        return RTE_DMA_STATUS_DEV_LINK_ERROR;
    }
    translate(s, src, sc.heap, &mut sc.tsrc);
    translate(t, dst, sc.heap, &mut sc.tdst);
    // SAFETY: every range is inside our heap or a mapped window (`direct`).
    unsafe { memops::copy_sg(&sc.tsrc, &sc.tdst) };
    RTE_DMA_STATUS_SUCCESSFUL
}

/// A fill: plain stores into our heap or a peer's window, else a system call (on
/// ourselves for other local memory).
fn fill(pattern: u64, seg: &rte_dma_sge, dst: &Endpoint, sc: &mut Scratch) -> rte_dma_status_code {
    if !dst.is_alive() {
        return RTE_DMA_STATUS_DEV_LINK_ERROR;
    }
    if impossible(seg.addr, seg.length as usize) {
        return RTE_DMA_STATUS_INVALID_DST_ADDR;
    }
    let len = seg.length as usize;
    let pid = match dst {
        Endpoint::Local => sc.me,
        Endpoint::Peer { pid, .. } => *pid,
    };
    match reach(dst, sc.heap, seg) {
        Some(addr) => {
            // SAFETY: inside our heap or a mapped window, both always mapped.
            unsafe { memops::fill(pattern, addr, len) };
            RTE_DMA_STATUS_SUCCESSFUL
        }
        None => call_fill(pattern, seg, pid, sc),
    }
}

/// A fill by system call: the pattern is laid out once and written with calls whose
/// local iovecs all point at it.
pub(in crate::domain) fn call_fill(
    pattern: u64,
    seg: &rte_dma_sge,
    pid: i32,
    sc: &mut Scratch,
) -> rte_dma_status_code {
    let len = seg.length as usize;
    if sc.pattern.len() != FILL_CHUNK {
        sc.pattern.resize(FILL_CHUNK, 0);
    }
    // Only as much pattern as one piece uses.
    let used = FILL_CHUNK.min(len.next_multiple_of(8));
    // SAFETY: `pattern` holds FILL_CHUNK >= `used` bytes.
    unsafe { memops::fill(pattern, sc.pattern.as_mut_ptr() as u64, used) };
    let pattern_buf = sc.pattern.as_mut_ptr();
    let mut off = 0;
    // The pending batch was flushed before this fill, so the iovec list is free.
    while off < len {
        sc.local.clear();
        let start = off;
        // Each piece starts at a multiple of FILL_CHUNK (of 8): the pattern stays in phase.
        while off < len && sc.local.len() < IOV_MAX {
            let n = (len - off).min(FILL_CHUNK);
            sc.local.push(libc::iovec {
                iov_base: pattern_buf.cast(),
                iov_len: n,
            });
            off += n;
        }
        let remote = [libc::iovec {
            iov_base: (seg.addr as usize).wrapping_add(start) as *mut libc::c_void,
            iov_len: off - start,
        }];
        let r = call(Dir::Write, pid, &sc.local, &remote);
        sc.local.clear();
        match r {
            Ok(n) if n == off - start => {}
            // The pattern is ours: a short count is a bad destination.
            Ok(_) => return RTE_DMA_STATUS_INVALID_DST_ADDR,
            Err(e) => return fault_status(Dir::Write, e),
        }
    }
    RTE_DMA_STATUS_SUCCESSFUL
}

/// A position in a segment list's byte stream.
#[derive(Clone, Copy, Default)]
struct Cursor {
    seg: usize,
    off: usize,
}

impl Cursor {
    /// How many of the next `limit` bytes at most `IOV_MAX` iovecs cover.
    fn reach(self, segs: &[rte_dma_sge], limit: usize) -> usize {
        let (mut n, mut iovs, mut off) = (0, 0, self.off);
        for s in &segs[self.seg..] {
            if n == limit || iovs == IOV_MAX {
                break;
            }
            let take = (s.length as usize - off).min(limit - n);
            n += take;
            iovs += usize::from(take > 0);
            off = 0;
        }
        n
    }

    /// Appends iovecs for the next `n` bytes and moves past them; false if a range
    /// is `impossible`.
    fn take(&mut self, segs: &[rte_dma_sge], mut n: usize, out: &mut Vec<libc::iovec>) -> bool {
        out.clear();
        while n > 0 {
            let s = &segs[self.seg];
            let take = (s.length as usize - self.off).min(n);
            if take > 0 {
                if impossible(s.addr, self.off + take) {
                    return false;
                }
                out.push(libc::iovec {
                    iov_base: (s.addr as usize).wrapping_add(self.off) as *mut libc::c_void,
                    iov_len: take,
                });
            }
            n -= take;
            self.off += take;
            if self.off == s.length as usize {
                (self.seg, self.off) = (self.seg + 1, 0);
            }
        }
        true
    }
}

/// Peer to peer (or the same peer) outside the windows: through a bounded bounce
/// buffer, chunk by chunk, read from the source then written to the destination.
fn peer_to_peer(
    s: &[rte_dma_sge],
    t: &[rte_dma_sge],
    from: &Endpoint,
    to: &Endpoint,
    sc: &mut Scratch,
) -> rte_dma_status_code {
    let (Endpoint::Peer { pid: spid, .. }, Endpoint::Peer { pid: dpid, .. }) = (from, to) else {
        // Moves with a local side are batched by `drain`.
        return RTE_DMA_STATUS_ERROR_UNKNOWN;
    };
    if sc.bounce.len() != BOUNCE {
        sc.bounce.resize(BOUNCE, 0);
    }
    let mut left = total(s).min(total(t));
    let (mut cs, mut ct) = (Cursor::default(), Cursor::default());
    while left > 0 {
        if !from.is_alive() || !to.is_alive() {
            return RTE_DMA_STATUS_DEV_LINK_ERROR;
        }
        let n = cs
            .reach(s, left.min(BOUNCE))
            .min(ct.reach(t, left.min(BOUNCE)));
        let bounce = [libc::iovec {
            iov_base: sc.bounce.as_mut_ptr().cast(),
            iov_len: n,
        }];
        // The bounce buffer is ours: a short count is a bad source, then destination.
        let status = if !cs.take(s, n, &mut sc.remote) {
            RTE_DMA_STATUS_INVALID_SRC_ADDR
        } else {
            match call(Dir::Read, *spid, &bounce, &sc.remote) {
                Ok(m) if m == n => RTE_DMA_STATUS_SUCCESSFUL,
                Ok(_) => RTE_DMA_STATUS_INVALID_SRC_ADDR,
                Err(e) => fault_status(Dir::Read, e),
            }
        };
        let status = if status != RTE_DMA_STATUS_SUCCESSFUL {
            status
        } else if !ct.take(t, n, &mut sc.remote) {
            RTE_DMA_STATUS_INVALID_DST_ADDR
        } else {
            match call(Dir::Write, *dpid, &bounce, &sc.remote) {
                Ok(m) if m == n => RTE_DMA_STATUS_SUCCESSFUL,
                Ok(_) => RTE_DMA_STATUS_INVALID_DST_ADDR,
                Err(e) => fault_status(Dir::Write, e),
            }
        };
        sc.remote.clear();
        if status != RTE_DMA_STATUS_SUCCESSFUL {
            return status;
        }
        left -= n;
    }
    RTE_DMA_STATUS_SUCCESSFUL
}

#[cfg(test)]
mod tests {
    //! Random batches against this process as its own peer (cross-memory attach on
    //! our own pid works as on any peer), checked byte by byte against a model.
    use super::*;
    use crate::engines::ring::{self, Consumer};

    /// A test vchan's endpoints.
    #[derive(Clone, Debug)]
    struct Access {
        src: Endpoint,
        dst: Endpoint,
    }
    use core::mem::MaybeUninit;
    use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
    use std::sync::Arc;

    /// A ring with both its sides, for a test that plays application and worker.
    struct Ring {
        ring: Arc<ring::Ring>,
        worker: Consumer,
        access: Access,
    }

    impl Ring {
        fn with_access(nb_desc: u16, access: Access) -> crate::Result<Ring> {
            let (ring, worker) = ring::Ring::new(nb_desc)?;
            Ok(Ring {
                ring,
                worker,
                access,
            })
        }
        fn producer(&self) -> ring::Producer<'_> {
            // SAFETY: the test is the ring's only application thread.
            unsafe { self.ring.producer() }
        }
        fn push(
            &self,
            d: Desc,
            sg: Option<(&[rte_dma_sge], &[rte_dma_sge])>,
            submit: bool,
        ) -> crate::Result<u16> {
            self.producer().push(d, sg, submit)
        }
        fn publish(&self) {
            self.producer().publish();
        }
        /// Executes what is published, as the worker does; returns the failures.
        fn run(&mut self, src: &Endpoint, dst: &Endpoint, sc: &mut Scratch) -> u64 {
            let mut b = self.worker.pending();
            let todo = b.range();
            let failed = drain(&b, todo.start, todo.end, src, dst, sc);
            b.finish(todo.end, failed);
            failed
        }
        fn reap_status(&self, out: &mut [rte_dma_status_code]) -> (u16, u16) {
            let mut raw = vec![MaybeUninit::uninit(); out.len()];
            let (n, last) = self.producer().reap_status(&mut raw);
            for (o, r) in out.iter_mut().zip(&raw[..n as usize]) {
                // SAFETY: the first `n` codes were written.
                let code = unsafe { r.assume_init() };
                *o = rte_dma_status_code::from_raw(code).expect("a declared status");
            }
            (n, last)
        }
    }

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

        /// A bad address for `n` bytes: below `MIN_ADDR`, in the dead region, in
        /// kernel space, or just above 4-level user space (unmapped with 5 levels;
        /// with 4, a local iovec there makes the kernel refuse the whole call).
        fn bad(&self, rng: &mut Rng, n: usize) -> u64 {
            match rng.below(5) {
                0 => 4096 + rng.below(4096),
                1 => 0xffff_8880_0000_0000 + rng.below(1 << 20),
                2 => (1 << 47) + rng.below(1 << 20),
                _ => self.dead.addr() + rng.below(self.dead.len.saturating_sub(n) as u64 + 1),
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
            auto_free: false,
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
        let mut ring = Ring::with_access(2048, Access { src, dst }).unwrap();
        for g in &ops {
            push(&ring, g);
        }
        ring.publish();
        let Access { src, dst } = &ring.access.clone();
        let mut sc = Scratch::default();
        let failed = ring.run(src, dst, &mut sc);
        let mut st = vec![RTE_DMA_STATUS_SUCCESSFUL; ops.len()];
        assert_eq!(ring.reap_status(&mut st).0 as usize, ops.len());
        assert_eq!(
            failed as usize,
            st.iter()
                .filter(|&&s| s != RTE_DMA_STATUS_SUCCESSFUL)
                .count(),
            "{ctx}: failure count"
        );

        let count = |c| st.iter().filter(|&&s| s == c).count();
        assert!(
            count(RTE_DMA_STATUS_SUCCESSFUL) > ops.len() / 2
                && count(RTE_DMA_STATUS_INVALID_SRC_ADDR) > 0
                && count(RTE_DMA_STATUS_INVALID_DST_ADDR) > 0,
            "{ctx}: the batch mixes good and bad operations"
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
            round(seed, self_peer(), Endpoint::Local, true);
            round(seed, Endpoint::Local, self_peer(), true);
            round(seed, Endpoint::Local, Endpoint::Local, true);
            round(seed, self_peer(), self_peer(), true);
        }
    }

    /// Good copies around one `rte_dma_op` of `NS` source segments (more than
    /// `IOV_MAX`), the op's segment `bad` (if any) at an inaccessible address.
    fn big_op(src: Endpoint, dst: Endpoint, bad: Option<usize>) {
        const NS: usize = 3000;
        let ctx = format!("{src:?} -> {dst:?}, bad segment {bad:?}");
        let mut rng = Rng(7);
        let mut from = vec![0u8; NS * 64];
        rng.fill(&mut from);
        let mut to = vec![0u8; NS * 64 + 4096];
        let dead = Map::new(1 << 16, libc::PROT_NONE);
        let mut segs: Vec<rte_dma_sge> = (0..NS)
            .map(|i| rte_dma_sge {
                addr: from.as_ptr() as u64 + 64 * i as u64,
                length: 1 + rng.below(64) as u32,
            })
            .collect();
        if let Some(b) = bad {
            segs[b].addr = dead.addr();
        }
        let len = total(&segs);
        let half = (len / 2) as u32;
        // Two destinations with a gap between them.
        let gap = half as usize + 4096;
        let (a, b) = (to.as_mut_ptr() as u64, to.as_mut_ptr() as u64 + gap as u64);
        segs.push(rte_dma_sge {
            addr: a,
            length: half,
        });
        segs.push(rte_dma_sge {
            addr: b,
            length: len as u32 - half,
        });
        // The op, its segments right after it (u64 words keep it aligned).
        let words = (size_of::<rte_dma_op>() + segs.len() * size_of::<rte_dma_sge>()) / 8;
        let mut op_mem = vec![0u64; words];
        let op = op_mem.as_mut_ptr().cast::<rte_dma_op>();
        // SAFETY: `op_mem` holds the op and its segments.
        unsafe {
            (*op).nb_src = NS as u16;
            (*op).nb_dst = 2;
            core::ptr::copy_nonoverlapping(
                segs.as_ptr(),
                op.add(1).cast::<rte_dma_sge>(),
                segs.len(),
            );
        }
        let mut small = vec![0u8; 2 * 100];
        let mut ring = Ring::with_access(64, Access { src, dst }).unwrap();
        let copy = |s: u64, d: u64, kind, len| Desc {
            src: s,
            dst: d,
            len,
            kind,
            nb_src: 0,
            nb_dst: 0,
            auto_free: false,
        };
        let s0 = from.as_ptr() as u64;
        let d0 = small.as_mut_ptr() as u64;
        ring.push(copy(s0, d0, OpKind::Copy, 100), None, false)
            .unwrap();
        ring.push(copy(op as u64, 0, OpKind::Op, 0), None, false)
            .unwrap();
        ring.push(copy(s0 + 100, d0 + 100, OpKind::Copy, 100), None, false)
            .unwrap();
        ring.publish();
        let Access { src, dst } = &ring.access.clone();
        ring.run(src, dst, &mut Scratch::default());
        let mut st = [RTE_DMA_STATUS_SUCCESSFUL; 3];
        ring.reap_status(&mut st);
        let want = match bad {
            Some(_) => RTE_DMA_STATUS_INVALID_SRC_ADDR,
            None => RTE_DMA_STATUS_SUCCESSFUL,
        };
        assert_eq!(
            st,
            [RTE_DMA_STATUS_SUCCESSFUL, want, RTE_DMA_STATUS_SUCCESSFUL],
            "{ctx}"
        );
        assert_eq!(small, from[..200], "{ctx}");
        if bad.is_none() {
            let mut want = Vec::new();
            for s in &segs[..NS] {
                want.extend_from_slice(&from[(s.addr - s0) as usize..][..s.length as usize]);
            }
            assert_eq!(&to[..half as usize], &want[..half as usize], "{ctx}");
            assert_eq!(
                &to[gap..gap + len - half as usize],
                &want[half as usize..],
                "{ctx}"
            );
            assert!(to[half as usize..gap].iter().all(|&b| b == 0), "{ctx}");
        }
    }

    #[test]
    fn an_op_with_more_segments_than_iov_max() {
        for bad in [None, Some(2500)] {
            big_op(self_peer(), Endpoint::Local, bad);
            big_op(Endpoint::Local, self_peer(), bad);
            big_op(Endpoint::Local, Endpoint::Local, bad);
            big_op(self_peer(), self_peer(), bad);
        }
    }

    #[test]
    fn a_dead_or_gone_peer_fails_everything_without_touching_memory() {
        let src = [0x5au8; 64];
        let mut dst = [0u8; 64];
        let dead = Endpoint::Peer {
            pid: std::process::id() as i32,
            alive: Arc::new(AtomicBool::new(false)),
            window: None,
        };
        let gone = Endpoint::Peer {
            pid: i32::MAX,
            alive: Arc::new(AtomicBool::new(true)),
            window: None,
        };
        for (s, d) in [
            (dead.clone(), Endpoint::Local),
            (Endpoint::Local, dead.clone()),
            (gone.clone(), Endpoint::Local),
            (Endpoint::Local, gone.clone()),
            (gone.clone(), self_peer()),
        ] {
            let mut ring = Ring::with_access(8, Access { src: s, dst: d }).unwrap();
            for kind in [OpKind::Copy, OpKind::Fill] {
                let d = Desc {
                    src: src.as_ptr() as u64,
                    dst: dst.as_mut_ptr() as u64,
                    len: 64,
                    kind,
                    nb_src: 0,
                    nb_dst: 0,
                    auto_free: false,
                };
                ring.push(d, None, false).unwrap();
            }
            ring.publish();
            let Access { src: s, dst: d } = &ring.access.clone();
            ring.run(s, d, &mut Scratch::default());
            let mut st = [RTE_DMA_STATUS_SUCCESSFUL; 2];
            ring.reap_status(&mut st);
            // A fill involves the destination only.
            let fill = match d {
                Endpoint::Peer { pid, alive, .. } if *pid == i32::MAX || !alive.load(Relaxed) => {
                    RTE_DMA_STATUS_DEV_LINK_ERROR
                }
                _ => RTE_DMA_STATUS_SUCCESSFUL,
            };
            assert_eq!(st, [RTE_DMA_STATUS_DEV_LINK_ERROR, fill], "{s:?} -> {d:?}");
            dst = [0; 64];
        }
    }

    #[test]
    fn peer_to_peer_moves_more_than_the_bounce_buffer_in_chunks() {
        const LEN: usize = 4 * BOUNCE + 3;
        let mut rng = Rng(11);
        let src = Map::new(LEN + PAGE, libc::PROT_READ | libc::PROT_WRITE);
        // SAFETY: the whole mapping is writable here.
        rng.fill(unsafe { core::slice::from_raw_parts_mut(src.base, LEN + PAGE) });
        let dst = Map::new(LEN + PAGE, libc::PROT_READ | libc::PROT_WRITE);
        for bad_page in [None, Some(2 * BOUNCE / PAGE + 7)] {
            let mut ring = Ring::with_access(
                8,
                Access {
                    src: self_peer(),
                    dst: self_peer(),
                },
            )
            .unwrap();
            if let Some(p) = bad_page {
                src.protect(p, libc::PROT_NONE);
            }
            let d = Desc {
                src: src.addr(),
                dst: dst.addr(),
                len: LEN as u32,
                kind: OpKind::Copy,
                nb_src: 0,
                nb_dst: 0,
                auto_free: false,
            };
            ring.push(d, None, true).unwrap();
            let Access { src: s, dst: t } = &ring.access.clone();
            let mut sc = Scratch::default();
            ring.run(s, t, &mut sc);
            assert_eq!(sc.bounce.len(), BOUNCE, "the bounce buffer stays bounded");
            let mut st = [RTE_DMA_STATUS_SUCCESSFUL; 1];
            ring.reap_status(&mut st);
            // The chunks before the bad page arrived; nothing after the op's range.
            let good = bad_page.map_or(LEN, |p| p * PAGE / BOUNCE * BOUNCE);
            assert_eq!(dst.read(0, good), src.read(0, good));
            assert!(dst.read(LEN, PAGE).iter().all(|&b| b == 0));
            let want = match bad_page {
                None => RTE_DMA_STATUS_SUCCESSFUL,
                Some(_) => RTE_DMA_STATUS_INVALID_SRC_ADDR,
            };
            assert_eq!(st[0], want);
        }
    }

    /// A window is mapped only from a file whose size is sealed and covers it: a
    /// peer could otherwise shrink the file under our plain copies (SIGBUS).
    #[test]
    fn only_size_sealed_windows_are_mapped() {
        use crate::domain::group::{Listener, Window};
        use crate::domain::handlers::Handlers;
        use crate::domain::wire::WindowInfo;
        use std::os::fd::{FromRawFd, OwnedFd};
        const LEN: u64 = 1 << 20;
        let window = |seals: i32, size: u64| {
            // SAFETY: plain calls making and sizing a new memfd we own.
            let fd = unsafe {
                let fd = libc::memfd_create(c"t".as_ptr(), libc::MFD_ALLOW_SEALING);
                assert!(fd >= 0);
                assert_eq!(libc::ftruncate(fd, size as libc::off_t), 0);
                if seals != 0 {
                    assert_eq!(libc::fcntl(fd, libc::F_ADD_SEALS, seals), 0);
                }
                OwnedFd::from_raw_fd(fd)
            };
            Window {
                info: WindowInfo {
                    base: 0x1000_0000,
                    len: LEN,
                },
                fd: Arc::new(fd),
            }
        };
        let h = Handlers::default();
        let cases = [
            (window(libc::F_SEAL_SHRINK, LEN), true),
            (
                window(libc::F_SEAL_SHRINK | libc::F_SEAL_GROW, 2 * LEN),
                true,
            ),
            (window(0, LEN), false),
            (window(libc::F_SEAL_GROW, LEN), false),
            (window(libc::F_SEAL_SHRINK, LEN / 2), false),
        ];
        for (i, (w, mapped)) in cases.iter().enumerate() {
            let domain = [i as u8 + 1; 16];
            h.member_added(9, domain, i32::MAX, Some(w));
            let e = h.endpoint(h.handler_of(9, &domain).unwrap()).unwrap();
            let has_window = matches!(
                &e,
                Endpoint::Peer {
                    window: Some(_),
                    ..
                }
            );
            assert_eq!(has_window, *mapped, "case {i}");
        }
    }
}
