//! The copy-break of inter-domain vchans: the caller's thread runs a small operation
//! itself when every byte it touches is in memory mapped here (our heap, a peer's
//! heap mapped from the group, a window of the shared region) and every member it
//! touches is alive. Then the worker's data path (`remote`, `region::datapath`)
//! would have done the same loads and stores and reported success. Anything else,
//! a range outside those or a member gone, is left untouched for the worker, which
//! gives it its status.
use crate::abi::rte_dma_sge;
use crate::domain::handlers::{Endpoint, OsEndpoint};
use crate::domain::remote::{self, in_heap};
use crate::engines::memops;
use crate::engines::ring::{InlinePath, MAX_SGES, OpKind};

/// One side of a vchan, as the caller's copy-break sees it.
pub trait Side: Send + Sync + 'static {
    /// Whether the member (if any) is still there.
    fn is_alive(&self) -> bool;
    /// Where `g` is here, if plain loads and stores reach all of it: a peer's range
    /// through its window, ours inside `ours` (our memory known to be mapped).
    fn here(&self, ours: Option<(u64, u64)>, g: &rte_dma_sge) -> Option<u64>;
}

impl Side for Endpoint {
    fn is_alive(&self) -> bool {
        Endpoint::is_alive(self)
    }
    fn here(&self, ours: Option<(u64, u64)>, g: &rte_dma_sge) -> Option<u64> {
        remote::reach(self, ours, g)
    }
}

impl Side for OsEndpoint {
    fn is_alive(&self) -> bool {
        OsEndpoint::is_alive(self)
    }
    fn here(&self, ours: Option<(u64, u64)>, g: &rte_dma_sge) -> Option<u64> {
        match self {
            OsEndpoint::Local => in_heap(ours, g).then_some(g.addr),
            OsEndpoint::Peer { window, .. } => window.as_ref()?.translate(g.addr, g.length.into()),
        }
    }
}

/// The caller's side of a vchan's data path: its two sides and our own memory
/// that is mapped (`None`: our heap, looked up at each call, since it is made at
/// the first allocation, which may come after the vchan's setup).
pub struct Inline<S: Side> {
    src: S,
    dst: S,
    ours: Option<(u64, u64)>,
}

/// For an inter-process (or local) vchan of `remote::ProcessDataPath`: our memory
/// is our heap, if it is mapped (not with `DMADEV_MALLOC=libc`).
pub type ProcessInline = Inline<Endpoint>;
/// For an inter-OS vchan of `region::datapath::OsDataPath`: our memory is our
/// mapping of the region (our heap is our window in it).
pub type OsInline = Inline<OsEndpoint>;

impl<S: Side> Inline<S> {
    pub fn new(src: S, dst: S, ours: Option<(u64, u64)>) -> Inline<S> {
        Inline { src, dst, ours }
    }
}

impl<S: Side> InlinePath for Inline<S> {
    fn try_run(
        &self,
        kind: OpKind,
        src: u64,
        dst: u64,
        len: u32,
        sg: (&[rte_dma_sge], &[rte_dma_sge]),
    ) -> bool {
        let ours = self.ours.or_else(crate::eal::heap::mapped_range);
        self.src.is_alive()
            && self.dst.is_alive()
            && run(
                kind,
                src,
                dst,
                len,
                sg,
                |g| self.src.here(ours, g),
                |g| self.dst.here(ours, g),
            )
    }
}

/// Most segments one side of an operation has (the ring holds both sides' in
/// `2 * MAX_SGES`).
const SIDE_MAX: usize = 2 * MAX_SGES;

/// Runs the operation if `src_here`/`dst_here` place every one of its ranges in
/// memory mapped here; false, with nothing done, if one of them does not.
fn run(
    kind: OpKind,
    src: u64,
    dst: u64,
    len: u32,
    sg: (&[rte_dma_sge], &[rte_dma_sge]),
    src_here: impl Fn(&rte_dma_sge) -> Option<u64>,
    dst_here: impl Fn(&rte_dma_sge) -> Option<u64>,
) -> bool {
    let seg = |addr| rte_dma_sge { addr, length: len };
    match kind {
        // The common case: one range each side, no lists to build.
        OpKind::Copy => {
            let (Some(s), Some(d)) = (src_here(&seg(src)), dst_here(&seg(dst))) else {
                return false;
            };
            // SAFETY: both ranges are mapped here (the `here`s vouch for them).
            unsafe { memops::copy(s, d, len as usize) };
            true
        }
        OpKind::Fill => {
            let Some(d) = dst_here(&seg(dst)) else {
                return false;
            };
            // SAFETY: as above; `src` is the pattern.
            unsafe { memops::fill(src, d, len as usize) };
            true
        }
        OpKind::CopySg => {
            let mut ls = [rte_dma_sge::default(); SIDE_MAX];
            let mut lt = [rte_dma_sge::default(); SIDE_MAX];
            if !place(sg.0, &src_here, &mut ls) || !place(sg.1, &dst_here, &mut lt) {
                return false;
            }
            // SAFETY: every range is mapped here (`place`), as the worker's direct
            // path requires before the same copy.
            unsafe { memops::copy_sg(&ls[..sg.0.len()], &lt[..sg.1.len()]) };
            true
        }
        // An `rte_dma_op`: never the caller's to run.
        OpKind::Op => false,
    }
}

/// Writes `segs` as addresses here into `out`; false if one is not reachable (or
/// there are more than a side can have).
fn place(
    segs: &[rte_dma_sge],
    here: &impl Fn(&rte_dma_sge) -> Option<u64>,
    out: &mut [rte_dma_sge; SIDE_MAX],
) -> bool {
    if segs.len() > SIDE_MAX {
        return false;
    }
    for (o, g) in out.iter_mut().zip(segs) {
        let Some(addr) = here(g) else {
            return false;
        };
        *o = rte_dma_sge {
            addr,
            length: g.length,
        };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::handlers::OsWindow;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A peer whose window (at its address 0x10_0000) is `mem`, mapped here.
    fn peer(mem: &mut [u8], alive: &Arc<AtomicBool>) -> OsEndpoint {
        OsEndpoint::Peer {
            alive: Arc::clone(alive),
            window: Some(OsWindow {
                peer_base: 0x10_0000,
                len: mem.len() as u64,
                local: mem.as_mut_ptr() as u64,
            }),
        }
    }

    fn sge(addr: u64, length: u32) -> rte_dma_sge {
        rte_dma_sge { addr, length }
    }

    const NO_SG: (&[rte_dma_sge], &[rte_dma_sge]) = (&[], &[]);

    #[test]
    fn runs_only_what_is_mapped_here_and_alive() {
        let mut ours = vec![7u8; 4096];
        let mut theirs = vec![0u8; 4096];
        let alive = Arc::new(AtomicBool::new(true));
        let base = ours.as_mut_ptr() as u64;
        let region = (base, ours.len() as u64);
        let path = OsInline::new(OsEndpoint::Local, peer(&mut theirs, &alive), Some(region));

        // Inside our region and the peer's window: done here.
        assert!(path.try_run(OpKind::Copy, base, 0x10_0000 + 100, 64, NO_SG));
        assert!(theirs[100..164].iter().all(|&b| b == 7));
        assert!(path.try_run(OpKind::Fill, 0x0101_0101_0101_0101, 0x10_0000, 16, NO_SG));
        assert!(theirs[..16].iter().all(|&b| b == 1));

        // Each of these is the worker's, untouched here.
        let before = theirs.clone();
        let outside = [
            // One byte past the peer's window, and before it.
            (OpKind::Copy, base, 0x10_0000 + 4096 - 63, 64),
            (OpKind::Copy, base, 0x10_0000 - 1, 64),
            // Our side outside the region.
            (OpKind::Copy, base + 4096 - 32, 0x10_0000, 64),
            (OpKind::Fill, 0, 0x10_0000 + 4090, 8),
            // Never the caller's.
            (OpKind::Op, base, 0x10_0000, 64),
        ];
        for (kind, src, dst, len) in outside {
            assert!(
                !path.try_run(kind, src, dst, len, NO_SG),
                "{kind:?} {dst:#x}"
            );
        }
        // A list with one segment outside the window moves nothing at all.
        let s = [sge(base, 32), sge(base + 32, 32)];
        let t = [sge(0x10_0000 + 200, 32), sge(0x10_0000 + 4090, 32)];
        assert!(!path.try_run(OpKind::CopySg, 0, 0, 0, (&s, &t)));
        assert_eq!(theirs, before);
        // The same list inside it runs.
        let t = [sge(0x10_0000 + 200, 40), sge(0x10_0000 + 300, 24)];
        assert!(path.try_run(OpKind::CopySg, 0, 0, 0, (&s, &t)));
        assert!(
            theirs[200..240]
                .iter()
                .chain(&theirs[300..324])
                .all(|&b| b == 7)
        );

        // A member gone: the worker reports it (DEV_LINK_ERROR), nothing moves here.
        alive.store(false, Ordering::Release);
        let before = theirs.clone();
        assert!(!path.try_run(OpKind::Copy, base, 0x10_0000 + 1000, 64, NO_SG));
        assert_eq!(theirs, before);
    }

    /// The worker's data paths complete the slots the caller already ran (the
    /// copy-break's no-ops) as successful, even once a member is gone: their bytes
    /// moved. The operation after them fails as it should.
    #[test]
    fn data_paths_complete_the_callers_no_ops_even_with_a_member_gone() {
        use crate::domain::region::datapath::OsDataPath;
        use crate::domain::remote::ProcessDataPath;
        use crate::engines::ring::{DataPath, Desc, Ring};
        let gone = Arc::new(AtomicBool::new(false));
        let mut theirs = vec![0u8; 64];
        let paths: [Box<dyn DataPath>; 2] = [
            Box::new(OsDataPath::new(
                OsEndpoint::Local,
                peer(&mut theirs, &gone),
                (0, 0),
            )),
            Box::new(ProcessDataPath::new(
                Endpoint::Local,
                Endpoint::Peer {
                    pid: i32::MAX,
                    alive: Arc::clone(&gone),
                    window: None,
                },
            )),
        ];
        let src = [1u8; 8];
        for path in paths {
            let (ring, mut worker) = Ring::with_datapath(8, Some(path), 0).unwrap();
            // SAFETY: the one producer of this ring, on this thread.
            let mut p = unsafe { ring.producer() };
            let desc = |len| Desc {
                src: src.as_ptr() as u64,
                dst: 0x10_0000,
                len,
                kind: OpKind::Copy,
                nb_src: 0,
                nb_dst: 0,
                auto_free: false,
            };
            assert_eq!(p.push(desc(0), None, false), Ok(0));
            assert_eq!(p.push(desc(8), None, true), Ok(1));
            let (mut batch, dp) = worker.pending_with_datapath();
            let failed = dp.unwrap().execute(&batch);
            batch.finish(2, failed);
            let mut st = [core::mem::MaybeUninit::uninit(); 2];
            assert_eq!(p.reap_status(&mut st), (2, 1));
            // SAFETY: both were written.
            let st = st.map(|c| unsafe { c.assume_init() });
            let link = crate::abi::rte_dma_status_code::RTE_DMA_STATUS_DEV_LINK_ERROR;
            assert_eq!(st, [0, link as crate::abi::rte_dma_status_code_raw]);
        }
        assert_eq!(theirs, [0; 64]);
    }

    #[test]
    fn a_process_vchan_reaches_our_heap_only() {
        let heap = crate::eal::malloc::zmalloc(8192, 64) as u64;
        assert_ne!(heap, 0);
        let plain = [5u8; 64];
        let path = ProcessInline::new(Endpoint::Local, Endpoint::Local, None);
        if crate::eal::heap::mapped_range().is_none() {
            // DMADEV_MALLOC=libc (the sanitizer gates): no mapped heap to vouch for,
            // so every operation is the worker's.
            assert!(!path.try_run(OpKind::Fill, 0, heap, 64, NO_SG));
            // SAFETY: the block `zmalloc` gave, freed once.
            unsafe { crate::eal::malloc::free(heap as *mut core::ffi::c_void) };
            return;
        }
        assert!(path.try_run(OpKind::Fill, 0x0909_0909_0909_0909, heap, 64, NO_SG));
        assert!(path.try_run(OpKind::Copy, heap, heap + 4096, 64, NO_SG));
        // SAFETY: our own block, 8192 bytes.
        let moved = unsafe { std::slice::from_raw_parts((heap + 4096) as *const u8, 64) };
        assert!(moved.iter().all(|&b| b == 9));
        // Memory outside the heap is the worker's (it moves it by system call).
        assert!(!path.try_run(OpKind::Copy, plain.as_ptr() as u64, heap, 64, NO_SG));
        // SAFETY: the block `zmalloc` gave, freed once.
        unsafe { crate::eal::malloc::free(heap as *mut core::ffi::c_void) };
    }
}
