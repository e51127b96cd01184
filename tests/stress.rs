//! Stress and fault tests of the software engine, through the fast-path table as an
//! application's inline code would use it. Sizes scale with DMADEV_STRESS_OPS
//! (operations per device; CI runs the default, a soak run sets tens of millions).
use dmadev::abi::*;
use dmadev::eal::malloc;
use dmadev::{
    api,
    drivers::{interdomain, skeleton},
    registry,
};
use std::ffi::CString;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The registry is process-wide; the tests of this file take turns.
static SERIAL: Mutex<()> = Mutex::new(());

fn ops_per_device() -> u64 {
    std::env::var("DMADEV_STRESS_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300_000)
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic, good enough to vary sizes and bytes.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A started skeleton device with one vchan of `nb_desc` descriptors.
fn start_device(name: &str, nb_desc: u16) -> (i16, &'static rte_dma_fp_object) {
    start_device_with(name, "", nb_desc)
}

/// As `start_device`, with device arguments (`copybreak=N`); a name starting with
/// `dma_interdomain` makes an inter-domain device (its local vchans go through its
/// data path, and its copy-break through `domain::inline`).
fn start_device_with(name: &str, args: &str, nb_desc: u16) -> (i16, &'static rte_dma_fp_object) {
    if name.starts_with("dma_interdomain") {
        interdomain::probe(name, args).unwrap();
    } else {
        skeleton::probe(name, args).unwrap();
    }
    let dev = api::get_dev_id_by_name(&CString::new(name).unwrap()).unwrap();
    api::configure(
        dev,
        &rte_dma_conf {
            nb_vchans: 1,
            ..Default::default()
        },
    )
    .unwrap();
    api::vchan_setup(
        dev,
        0,
        &rte_dma_vchan_conf {
            nb_desc,
            ..Default::default()
        },
    )
    .unwrap();
    api::start(dev).unwrap();
    // SAFETY: the table has an entry for every valid id and is never freed.
    (dev, unsafe {
        &*registry::rte_dma_fp_objs.add(dev as usize)
    })
}

fn remove_device(name: &str, dev: i16) {
    api::stop(dev).unwrap();
    if name.starts_with("dma_interdomain") {
        interdomain::remove(name).unwrap();
    } else {
        skeleton::remove(name).unwrap();
    }
}

/// Bytes of the library's heap (`rte_malloc`), the memory an inter-domain device's
/// copy-break may reach with plain loads and stores; freed on drop.
struct HeapBuf {
    ptr: *mut u8,
    len: usize,
}

impl HeapBuf {
    fn new(len: usize) -> HeapBuf {
        let ptr = malloc::zmalloc(len, 64).cast::<u8>();
        assert!(!ptr.is_null(), "rte_zmalloc of {len} bytes");
        HeapBuf { ptr, len }
    }
}

impl std::ops::Deref for HeapBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: `len` zeroed bytes of our own block.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl std::ops::DerefMut for HeapBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`, exclusively borrowed.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for HeapBuf {
    fn drop(&mut self) {
        // SAFETY: the block `zmalloc` gave, freed once.
        unsafe { malloc::free(self.ptr.cast()) };
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Copy,
    Fill(u64),
    Sg,
}

#[derive(Clone, Copy)]
struct InFlight {
    kind: Kind,
    src_off: usize,
    dst_off: usize,
    len: usize,
}

const SLOT: usize = 16 * 1024;

/// Runs `total` random operations on one device with every byte checked.
fn random_ops(name: &str, args: &str, seed: u64, total: u64) {
    const RING: u16 = 1024;
    let mut rng = Rng(seed | 1);
    let mut src = HeapBuf::new(SLOT * 4);
    src.iter_mut().for_each(|b| *b = rng.next() as u8);
    let slots = RING as usize;
    let mut dst = HeapBuf::new(SLOT * slots);
    let (dev, fp) = start_device_with(name, args, RING);
    let dst_base = dst.as_mut_ptr() as u64;
    let src_base = src.as_ptr() as u64;
    let mut flight: Vec<Option<InFlight>> = vec![None; slots];
    let (mut issued, mut checked) = (0u64, 0u64);
    let mut next_check: u16 = 0;
    let deadline = Instant::now() + Duration::from_secs(600);
    while checked < total {
        assert!(
            Instant::now() < deadline,
            "{name}: stuck at {checked} of {total}"
        );
        let burst = 1 + rng.below(32);
        for _ in 0..burst {
            if issued == total {
                break;
            }
            // Small sizes dominate, with a tail up to the slot size.
            let len = match rng.below(8) {
                0 => 1 + rng.below(SLOT as u64),
                1..=2 => 1 + rng.below(4096),
                _ => 1 + rng.below(256),
            } as usize;
            let src_off = rng.below((src.len() - len) as u64) as usize;
            let slot = (issued % slots as u64) as usize;
            let dst_off = slot * SLOT;
            let kind = match rng.below(4) {
                0 => Kind::Fill(rng.next()),
                1 if len >= 8 => Kind::Sg,
                _ => Kind::Copy,
            };
            let (s, d) = (src_base + src_off as u64, dst_base + dst_off as u64);
            // SAFETY: addresses are inside `src`/`dst`, which outlive the device use.
            let r = unsafe {
                match kind {
                    Kind::Copy => fp.copy.unwrap()(fp.dev_private, 0, s, d, len as u32, 0),
                    Kind::Fill(p) => fp.fill.unwrap()(fp.dev_private, 0, p, d, len as u32, 0),
                    Kind::Sg => {
                        // Split both sides at different points: 3 sources, 2 destinations.
                        let (a, b) = (len / 3, len / 2);
                        let srcs = [
                            rte_dma_sge {
                                addr: s,
                                length: a as u32,
                            },
                            rte_dma_sge {
                                addr: s + a as u64,
                                length: (len / 3) as u32,
                            },
                            rte_dma_sge {
                                addr: s + 2 * a as u64,
                                length: (len - 2 * a) as u32,
                            },
                        ];
                        let dsts = [
                            rte_dma_sge {
                                addr: d,
                                length: b as u32,
                            },
                            rte_dma_sge {
                                addr: d + b as u64,
                                length: (len - b) as u32,
                            },
                        ];
                        let srcs: Vec<_> = srcs.into_iter().filter(|g| g.length > 0).collect();
                        fp.copy_sg.unwrap()(
                            fp.dev_private,
                            0,
                            srcs.as_ptr(),
                            dsts.as_ptr(),
                            srcs.len() as u16,
                            2,
                            0,
                        )
                    }
                }
            };
            if r == -libc::ENOSPC {
                break;
            }
            assert_eq!(
                r,
                (issued & 0xFFFF) as i32,
                "{name}: ring index of operation {issued}"
            );
            flight[slot] = Some(InFlight {
                kind,
                src_off,
                dst_off,
                len,
            });
            issued += 1;
        }
        // SAFETY: the device's own entry.
        unsafe { fp.submit.unwrap()(fp.dev_private, 0) };
        let (mut last, mut err) = (0u16, false);
        // SAFETY: the device's own entry; outputs are locals.
        let n = unsafe { fp.completed.unwrap()(fp.dev_private, 0, 64, &mut last, &mut err) };
        assert!(!err, "{name}: unexpected error");
        for _ in 0..n {
            assert_eq!(next_check, (checked & 0xFFFF) as u16);
            let slot = (checked % slots as u64) as usize;
            let op = flight[slot]
                .take()
                .expect("completion of an operation not in flight");
            let got = &dst[op.dst_off..op.dst_off + op.len];
            match op.kind {
                Kind::Copy | Kind::Sg => assert!(
                    got == &src[op.src_off..op.src_off + op.len],
                    "{name}: op {checked} data"
                ),
                Kind::Fill(p) => {
                    let bytes = p.to_le_bytes();
                    assert!(
                        got.iter().enumerate().all(|(i, &b)| b == bytes[i % 8]),
                        "{name}: op {checked} fill"
                    );
                }
            }
            checked += 1;
            next_check = next_check.wrapping_add(1);
        }
        if n > 0 {
            assert_eq!(last, ((checked - 1) & 0xFFFF) as u16);
        }
    }
    let stats = api::stats_get(dev, 0).unwrap();
    assert_eq!(
        stats,
        rte_dma_stats {
            submitted: total,
            completed: total,
            errors: 0
        }
    );
    remove_device(name, dev);
}

#[test]
fn random_operations_on_several_devices_at_once() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let total = ops_per_device();
    // Copy-break off, at its default and large: operations run by the worker, by
    // the caller, and both in one burst; on the skeleton and on an inter-domain
    // device's local vchan (its data path, and the caller's through
    // `domain::inline`).
    let workers: Vec<_> = [
        (0, "dma_skeleton", "copybreak=0"),
        (1, "dma_skeleton", ""),
        (2, "dma_skeleton", "copybreak=4096"),
        (3, "dma_interdomain", ""),
        (4, "dma_interdomain", "copybreak=4096"),
    ]
    .into_iter()
    .map(|(i, driver, args)| {
        std::thread::spawn(move || {
            random_ops(&format!("{driver}_stress{i}"), args, 0x9E37_79B9 + i, total)
        })
    })
    .collect();
    for w in workers {
        w.join().expect("a device's stress run failed");
    }
}

/// Each operation copies the previous one's destination (fenced, as DPDK asks of
/// dependent operations), with sizes on both sides of the copy-break, so an
/// operation run by the caller before an earlier one of the worker finished would
/// copy stale bytes; the memory is compared with a model run in order.
fn chained_ops(name: &str, args: &str, seed: u64, total: u64) {
    const SLOTS: usize = 64;
    const LEN: usize = 4096;
    let mut rng = Rng(seed | 1);
    let (dev, fp) = start_device_with(name, args, 256);
    let mut mem = HeapBuf::new(SLOTS * LEN);
    mem.iter_mut().for_each(|b| *b = rng.next() as u8);
    let mut model = mem.to_vec();
    let base = mem.as_mut_ptr() as u64;
    let flags = RTE_DMA_OP_FLAG_FENCE;
    let (mut issued, mut done) = (0u64, 0u64);
    let deadline = Instant::now() + Duration::from_secs(600);
    while done < total {
        assert!(
            Instant::now() < deadline,
            "{name}: stuck at {done} of {total}"
        );
        for _ in 0..1 + rng.below(16) {
            if issued == total {
                break;
            }
            let len = if rng.below(3) == 0 {
                1 + rng.below(LEN as u64)
            } else {
                1 + rng.below(256)
            } as usize;
            let (from, to) = (
                (issued as usize + SLOTS - 1) % SLOTS,
                issued as usize % SLOTS,
            );
            let fill = rng.below(5) == 0;
            let pattern = rng.next();
            let (s, d) = (base + (from * LEN) as u64, base + (to * LEN) as u64);
            // SAFETY: both ranges lie in `mem`, which outlives the device's use.
            let r = unsafe {
                if fill {
                    fp.fill.unwrap()(fp.dev_private, 0, pattern, d, len as u32, flags)
                } else {
                    fp.copy.unwrap()(fp.dev_private, 0, s, d, len as u32, flags)
                }
            };
            if r == -libc::ENOSPC {
                break;
            }
            assert_eq!(r, (issued & 0xFFFF) as i32, "{name}: ring index");
            let (f, t) = (from * LEN, to * LEN);
            if fill {
                let bytes = pattern.to_le_bytes();
                for (i, b) in model[t..t + len].iter_mut().enumerate() {
                    *b = bytes[i % 8];
                }
            } else {
                model.copy_within(f..f + len, t);
            }
            issued += 1;
        }
        // SAFETY: the device's own entry; outputs are locals.
        unsafe { fp.submit.unwrap()(fp.dev_private, 0) };
        let (mut last, mut err) = (0u16, false);
        // SAFETY: as above.
        let n = unsafe { fp.completed.unwrap()(fp.dev_private, 0, 64, &mut last, &mut err) };
        assert!(!err, "{name}: unexpected error");
        done += n as u64;
        if n > 0 {
            assert_eq!(
                last,
                ((done - 1) & 0xFFFF) as u16,
                "{name}: completion order"
            );
        }
    }
    // The device's writes are complete (all reported); compare through the pointer
    // the device wrote with.
    // SAFETY: `mem` is live and no operation is in flight.
    let got = unsafe { std::slice::from_raw_parts(base as *const u8, mem.len()) };
    let first_bad = got.iter().zip(&model).position(|(a, b)| a != b);
    assert_eq!(
        first_bad, None,
        "{name}: memory differs from the in-order model"
    );
    remove_device(name, dev);
}

#[test]
fn dependent_operations_run_in_order_with_and_without_copybreak() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let total = (ops_per_device() / 10).max(10_000);
    for (i, (driver, args)) in [
        ("dma_skeleton", "copybreak=0"),
        ("dma_skeleton", ""),
        ("dma_skeleton", "copybreak=4096"),
        ("dma_interdomain", ""),
        ("dma_interdomain", "copybreak=4096"),
    ]
    .into_iter()
    .enumerate()
    {
        chained_ops(
            &format!("{driver}_chain{i}"),
            args,
            0xC0FFEE + i as u64,
            total,
        );
    }
}

#[test]
fn stop_with_operations_in_flight_then_restart() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let (dev, fp) = start_device("dma_skeleton_stop", 4096);
    let src = vec![7u8; 1 << 20];
    let mut dst = vec![0u8; 1 << 20];
    for round in 0..20 {
        for _ in 0..4000 {
            // SAFETY: both buffers outlive the device's use of them (stop joins the worker).
            let r = unsafe {
                fp.copy.unwrap()(
                    fp.dev_private,
                    0,
                    src.as_ptr() as u64,
                    dst.as_mut_ptr() as u64,
                    1 << 20,
                    0,
                )
            };
            if r < 0 {
                break;
            }
        }
        // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
        unsafe { fp.submit.unwrap()(fp.dev_private, 0) };
        let t = Instant::now();
        api::stop(dev).unwrap();
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "round {round}: stop took {:?}",
            t.elapsed()
        );
        api::start(dev).unwrap();
        // Indexes restart at 0 and the device works.
        // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
        let r = unsafe {
            fp.copy.unwrap()(
                fp.dev_private,
                0,
                src.as_ptr() as u64,
                dst.as_mut_ptr() as u64,
                64,
                RTE_DMA_OP_FLAG_SUBMIT,
            )
        };
        assert_eq!(r, 0, "round {round}");
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut last = 0u16;
        // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
        while unsafe {
            fp.completed.unwrap()(fp.dev_private, 0, 1, &mut last, core::ptr::null_mut())
        } == 0
        {
            assert!(
                Instant::now() < deadline,
                "round {round}: no completion after restart"
            );
        }
        assert_eq!(last, 0);
    }
    remove_device("dma_skeleton_stop", dev);
}

#[test]
fn close_and_recreate_repeatedly() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let before = registry::count_avail();
    let src = [1u8; 256];
    let mut dst = [0u8; 256];
    for i in 0..200 {
        let (dev, fp) = start_device("dma_skeleton_cycle", 32);
        // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
        let r = unsafe {
            fp.copy.unwrap()(
                fp.dev_private,
                0,
                src.as_ptr() as u64,
                dst.as_mut_ptr() as u64,
                256,
                RTE_DMA_OP_FLAG_SUBMIT,
            )
        };
        assert_eq!(r, 0, "cycle {i}");
        if i % 2 == 0 {
            // Half the time close with the copy possibly still in flight.
            let deadline = Instant::now() + Duration::from_secs(5);
            // SAFETY: the device's own fp entry, used by this thread only; buffers outlive it.
            while unsafe {
                fp.completed.unwrap()(
                    fp.dev_private,
                    0,
                    1,
                    core::ptr::null_mut(),
                    core::ptr::null_mut(),
                )
            } == 0
            {
                assert!(Instant::now() < deadline);
            }
            assert_eq!(dst, src);
        }
        remove_device("dma_skeleton_cycle", dev);
        assert_eq!(registry::count_avail(), before, "cycle {i} leaked a slot");
    }
}

#[test]
fn bad_fast_path_arguments_are_refused() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let (dev, fp) = start_device("dma_skeleton_bad", 64);
    let mut buf = [0u8; 64];
    let b = buf.as_mut_ptr() as u64;
    let seg = rte_dma_sge { addr: b, length: 8 };
    let five = [seg; 5];
    let p = fp.dev_private;
    // SAFETY: every call either refuses its arguments or uses `buf`.
    unsafe {
        assert_eq!(
            fp.copy.unwrap()(p, 0, b, b, 0, 0),
            -libc::EINVAL,
            "zero length copy"
        );
        assert_eq!(
            fp.fill.unwrap()(p, 0, 0, b, 0, 0),
            -libc::EINVAL,
            "zero length fill"
        );
        assert_eq!(
            fp.copy.unwrap()(p, 3, b, b, 8, 0),
            -libc::EINVAL,
            "unconfigured vchan"
        );
        assert_eq!(
            fp.copy.unwrap()(p, 200, b, b, 8, 0),
            -libc::EINVAL,
            "vchan out of range"
        );
        assert_eq!(
            fp.copy_sg.unwrap()(p, 0, core::ptr::null(), &seg, 1, 1, 0),
            -libc::EINVAL,
            "NULL sources"
        );
        assert_eq!(
            fp.copy_sg.unwrap()(p, 0, &seg, core::ptr::null(), 1, 1, 0),
            -libc::EINVAL,
            "NULL destinations"
        );
        assert_eq!(
            fp.copy_sg.unwrap()(p, 0, &seg, &seg, 0, 1, 0),
            -libc::EINVAL,
            "no sources"
        );
        assert_eq!(
            fp.copy_sg.unwrap()(p, 0, five.as_ptr(), &seg, 5, 1, 0),
            -libc::EINVAL,
            "more than max_sges"
        );
        assert_eq!(fp.submit.unwrap()(p, 9), -libc::EINVAL);
        assert_eq!(
            fp.completed.unwrap()(p, 9, 4, core::ptr::null_mut(), core::ptr::null_mut()),
            0
        );
        assert_eq!(
            fp.completed_status.unwrap()(p, 0, 4, core::ptr::null_mut(), core::ptr::null_mut()),
            0,
            "NULL status array"
        );
        assert_eq!(fp.burst_capacity.unwrap()(p, 9), 0);
        assert_eq!(
            fp.enqueue.unwrap()(p, 0, core::ptr::null_mut(), 4),
            0,
            "NULL op list"
        );
        assert_eq!(fp.dequeue.unwrap()(p, 0, core::ptr::null_mut(), 4), 0);
        // Ops calls outside ops mode take nothing.
        let mut op_ptr: *mut rte_dma_op = core::ptr::null_mut();
        assert_eq!(fp.dequeue.unwrap()(p, 0, &mut op_ptr, 1), 0);
        // The device still works after all that.
        assert_eq!(
            fp.copy.unwrap()(p, 0, b, b + 32, 8, RTE_DMA_OP_FLAG_SUBMIT),
            0
        );
    }
    remove_device("dma_skeleton_bad", dev);
}
