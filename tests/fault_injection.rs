//! Fault injection on both software devices (`fault_*` device arguments): the chosen
//! operations complete with the chosen status, the statistics count them, no faulted
//! operation writes a byte, and the device reports `RTE_DMA_CAPA_HANDLES_ERRORS`.
mod common;

use common::chan::{self, Chan};
use dmadev::abi::*;
use dmadev::drivers::{interdomain, skeleton};
use dmadev::{Error, api};
use std::mem::MaybeUninit;
use std::sync::Mutex;
use std::time::Instant;

/// The registry is process-wide; the tests of this file take turns.
static SERIAL: Mutex<()> = Mutex::new(());

const OPS: usize = 200;
const LEN: usize = 64;
const UNTOUCHED: u8 = 0xAA;

type Probe = fn(&str, &str) -> dmadev::Result<()>;

struct Device {
    name: String,
    dev: i16,
    fp: &'static rte_dma_fp_object,
    remove: fn(&str) -> dmadev::Result<()>,
}

impl Device {
    fn start(probe: Probe, remove: fn(&str) -> dmadev::Result<()>, name: &str, args: &str) -> Self {
        let dev = common::probe(probe, name, args);
        let [Chan { fp, .. }] = chan::start(dev, [chan::local(1024)]);
        Device {
            name: name.into(),
            dev,
            fp,
            remove,
        }
    }

    /// Copies `src[i]` to `dst[i]` for every slot (fills for odd slots when `fills`),
    /// submits, and returns every operation's status, in order.
    fn run(&self, src: &[[u8; LEN]], dst: &mut [[u8; LEN]], fills: bool) -> Vec<u32> {
        for (i, (s, d)) in src.iter().zip(dst.iter_mut()).enumerate() {
            let (s, d) = (s.as_ptr() as u64, d.as_mut_ptr() as u64);
            // SAFETY: the device's own entry; the buffers outlive the operations.
            let idx = unsafe {
                if fills && i % 2 == 1 {
                    self.fp.fill.unwrap()(
                        self.fp.dev_private,
                        0,
                        0x0101_0101_0101_0101 * i as u64,
                        d,
                        LEN as u32,
                        0,
                    )
                } else {
                    self.fp.copy.unwrap()(self.fp.dev_private, 0, s, d, LEN as u32, 0)
                }
            };
            assert_eq!(idx, i as i32);
        }
        // SAFETY: the device's own entry.
        unsafe { self.fp.submit.unwrap()(self.fp.dev_private, 0) };
        let mut status = vec![MaybeUninit::<u32>::uninit(); src.len()];
        let mut got = 0;
        let deadline = Instant::now() + common::DEADLINE;
        while got < src.len() {
            assert!(
                Instant::now() < deadline,
                "{}: {got} completions",
                self.name
            );
            let mut last = 0u16;
            // SAFETY: the device's own entry; the outputs are locals.
            got += unsafe {
                self.fp.completed_status.unwrap()(
                    self.fp.dev_private,
                    0,
                    (src.len() - got) as u16,
                    &mut last,
                    status[got..].as_mut_ptr().cast(),
                )
            } as usize;
        }
        // SAFETY: all entries were written by completed_status.
        status
            .into_iter()
            .map(|s| unsafe { s.assume_init() })
            .collect()
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        api::stop(self.dev).unwrap();
        (self.remove)(&self.name).unwrap();
    }
}

fn buffers() -> (Vec<[u8; LEN]>, Vec<[u8; LEN]>) {
    let src = (0..OPS).map(|i| [i as u8 ^ 0x5C; LEN]).collect();
    (src, vec![[UNTOUCHED; LEN]; OPS])
}

/// Faulted slots are untouched, the others hold their copy or fill.
fn check_bytes(src: &[[u8; LEN]], dst: &[[u8; LEN]], status: &[u32], fills: bool) {
    for (i, st) in status.iter().enumerate() {
        let want = if *st != 0 {
            [UNTOUCHED; LEN]
        } else if fills && i % 2 == 1 {
            [i as u8; LEN]
        } else {
            src[i]
        };
        assert_eq!(dst[i], want, "op {i} status {st}");
    }
}

fn every_nth(probe: Probe, remove: fn(&str) -> dmadev::Result<()>, name: &str) {
    let d = Device::start(probe, remove, name, "fault_every=7,fault_status=9");
    let info = api::info_get(d.dev).unwrap();
    assert_ne!(info.dev_capa & RTE_DMA_CAPA_HANDLES_ERRORS, 0);
    let (src, mut dst) = buffers();
    let status = d.run(&src, &mut dst, true);
    for (i, st) in status.iter().enumerate() {
        let want = if (i + 1) % 7 == 0 {
            rte_dma_status_code::RTE_DMA_STATUS_BUS_WRITE_ERROR as u32
        } else {
            0
        };
        assert_eq!(*st, want, "{name}: op {i}");
    }
    check_bytes(&src, &dst, &status, true);
    let stats = api::stats_get(d.dev, 0).unwrap();
    assert_eq!(
        (stats.submitted, stats.completed, stats.errors),
        (OPS as u64, OPS as u64, (OPS / 7) as u64)
    );
}

#[test]
fn every_nth_operation_fails_on_the_skeleton() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    every_nth(
        skeleton::probe,
        skeleton::remove,
        "dma_skeleton_fault_every",
    );
}

#[test]
fn every_nth_operation_fails_on_interdomain() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    every_nth(
        interdomain::probe,
        interdomain::remove,
        "dma_interdomain_fault_every",
    );
}

fn failing_set(name: &str, seed: u64) -> Vec<u32> {
    let args = format!("fault_rate=0.3,fault_seed={seed}");
    let d = Device::start(skeleton::probe, skeleton::remove, name, &args);
    let (src, mut dst) = buffers();
    let status = d.run(&src, &mut dst, false);
    check_bytes(&src, &dst, &status, false);
    let failed = status.iter().filter(|&&s| s != 0).count() as u64;
    assert_eq!(api::stats_get(d.dev, 0).unwrap().errors, failed);
    status
}

#[test]
fn random_faults_are_reproducible_from_the_seed() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let a = failing_set("dma_skeleton_fault_rate", 11);
    let b = failing_set("dma_skeleton_fault_rate", 11);
    let c = failing_set("dma_skeleton_fault_rate", 12);
    assert_eq!(a, b);
    assert_ne!(a, c);
    let failed = a.iter().filter(|&&s| s != 0).count();
    assert!((30..100).contains(&failed), "{failed} of {OPS} at rate 0.3");
    assert!(
        a.iter()
            .all(|&s| s == 0 || s == rte_dma_status_code::RTE_DMA_STATUS_ERROR_UNKNOWN as u32),
        "the default status is ERROR_UNKNOWN"
    );
}

#[test]
fn a_skeleton_with_faults_reports_the_null_page_instead_of_crashing() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let d = Device::start(
        skeleton::probe,
        skeleton::remove,
        "dma_skeleton_fault_null",
        "fault_status=5",
    );
    let mut dst = [UNTOUCHED; LEN];
    let c = Chan { fp: d.fp, vchan: 0 };
    // A source in the null page is refused by the worker (that is what is tested).
    assert_eq!(c.enqueue_copy(0, dst.as_mut_ptr() as u64, LEN as u32), 0);
    assert_eq!(
        c.wait(),
        rte_dma_status_code::RTE_DMA_STATUS_INVALID_SRC_ADDR
    );
    assert_eq!(dst, [UNTOUCHED; LEN]);
}

#[test]
fn without_fault_arguments_nothing_changes_and_bad_ones_refuse_the_device() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let d = Device::start(
        skeleton::probe,
        skeleton::remove,
        "dma_skeleton_no_fault",
        "",
    );
    let info = api::info_get(d.dev).unwrap();
    assert_eq!(info.dev_capa & RTE_DMA_CAPA_HANDLES_ERRORS, 0);
    let (src, mut dst) = buffers();
    assert!(d.run(&src, &mut dst, true).iter().all(|&s| s == 0));
    drop(d);
    assert_eq!(
        skeleton::probe("dma_skeleton_bad_fault", "fault_every=0"),
        Err(Error::InvalidArgument)
    );
    assert!(api::get_dev_id_by_name(c"dma_skeleton_bad_fault").is_err());
}
