//! device_modes.rs - the safe Rust API's vchan kinds beyond memory-to-memory, on
//! `dma_skeleton` (`silent=1` lets it offer silent mode):
//! (a) a silent vchan: 256 copies that report no completion, their buffers handed
//!     back together once the vchan is idle;
//! (b) operation lists: 64 `rte_dma_op`s, each back with its status and user data;
//! (c) a memory-to-device vchan whose sources the device frees to their pool.
//! Each step prints "[ OK ]" or "[FAIL]"; the exit status is non-zero if one failed.
//!
//! Run: `cargo run --example device_modes`.
use dmadev::safe::*;
use std::process::ExitCode;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(5);

/// One step of the tour: true if every check passed.
type Step = fn(&Eal, &mut Device<'_>) -> dmadev::Result<bool>;

fn report(step: &str, ok: bool) -> bool {
    println!("[{}] {step}", if ok { " OK " } else { "FAIL" });
    ok
}

fn filled(len: usize, byte: u8) -> dmadev::Result<DmaBuf> {
    let mut b = DmaBuf::new(len)?;
    b.fill(byte);
    Ok(b)
}

/// Sets the device up with one vchan of `setup` in mode `flags`.
fn one_vchan(
    dev: &mut Device<'_>,
    flags: ConfigFlags,
    setup: &VchanSetup<'_>,
) -> dmadev::Result<()> {
    if dev.is_started() {
        dev.stop()?;
    }
    dev.configure(&DeviceConfig {
        nb_vchans: 1,
        flags,
        ..Default::default()
    })?;
    dev.vchan_setup(0, setup)?;
    dev.start()
}

fn silent(dev: &mut Device<'_>) -> dmadev::Result<bool> {
    one_vchan(dev, ConfigFlags::SILENT, &VchanSetup::mem_to_mem(64))?;
    let mut vchan = dev.silent_vchan(0)?;
    let deadline = std::time::Instant::now() + TIMEOUT;
    for i in 0..256u32 {
        let (mut src, mut dst) = (filled(1024, i as u8)?, DmaBuf::new(1024)?);
        // A full ring frees itself as the device works: retry until it has room.
        while let Err(r) = vchan.copy(src, dst, OpFlags::SUBMIT) {
            let Op::Copy { src: s, dst: d } = r.op else {
                return Ok(false);
            };
            (src, dst) = (s.into_local().unwrap(), d.into_local().unwrap());
            if std::time::Instant::now() > deadline {
                return Ok(false);
            }
            std::thread::yield_now();
        }
    }
    let ops = vchan.drain(TIMEOUT)?;
    Ok(ops.len() == 256
        && ops.iter().enumerate().all(|(i, op)| {
            matches!(op, Op::Copy { dst, .. } if dst.as_local().unwrap().iter().all(|&b| b == i as u8))
        }))
}

fn op_lists(dev: &mut Device<'_>) -> dmadev::Result<bool> {
    one_vchan(dev, ConfigFlags::ENQ_DEQ, &VchanSetup::mem_to_mem(128))?;
    let mut vchan = dev.op_vchan(0)?;
    let mut list = Vec::new();
    for i in 0..64u64 {
        let src = vec![filled(100, i as u8)?, filled(28, !(i as u8))?];
        list.push(DmaOp::copy(src, vec![DmaBuf::new(128)?]).with_user_meta(i));
    }
    while !list.is_empty() {
        vchan.enqueue(&mut list)?;
    }
    let done = vchan.wait(64, TIMEOUT)?;
    Ok(done.iter().enumerate().all(|(i, op)| {
        let want: Vec<u8> = op.src().iter().flat_map(|b| b.iter().copied()).collect();
        op.is_ok() && op.user_meta() == i as u64 && op.dst()[0][..] == want[..]
    }))
}

fn mem_to_dev(eal: &Eal, dev: &mut Device<'_>) -> dmadev::Result<bool> {
    let pool = DmaPool::new(eal, 4, 4096)?;
    let setup = VchanSetup::mem_to_dev(64, PciePort::default())?.auto_free(&pool);
    one_vchan(dev, ConfigFlags::empty(), &setup)?;
    let mut vchan = dev.dev_vchan(0)?;
    let mut done = Vec::new();
    for i in 0..32u64 {
        // Four buffers for 32 copies: the device gives each back to the pool.
        let deadline = std::time::Instant::now() + TIMEOUT;
        let buf = loop {
            match pool.get() {
                Ok(b) => break b,
                Err(_) if std::time::Instant::now() > deadline => return Ok(false),
                Err(_) => {
                    vchan.completed(32, &mut done);
                }
            }
        };
        let at = DevAddr {
            addr: i * 4096,
            len: 4096,
        };
        vchan
            .copy_to_dev_auto_free(buf, at, OpFlags::SUBMIT)
            .map_err(|(e, _)| e)?;
        vchan.completed(32, &mut done);
    }
    done.extend(vchan.wait(32, TIMEOUT)?);
    let outside = DevAddr {
        addr: 1 << 20,
        len: 64,
    };
    vchan
        .copy_to_dev(filled(64, 1)?, outside, OpFlags::SUBMIT)
        .map_err(|r| r.error)?;
    let refused = vchan.wait(1, TIMEOUT)?;
    Ok(done.len() == 32
        && done.iter().all(DevCompletion::is_ok)
        && pool.available() == 4
        && refused[0].status == StatusCode::RTE_DMA_STATUS_INVALID_DST_ADDR)
}

fn main() -> ExitCode {
    let eal = match Eal::builder().vdev("dma_skeleton,silent=1").init() {
        Ok(e) => e,
        Err(e) => {
            println!("[FAIL] EAL: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(mut dev) = eal.device("dma_skeleton") else {
        println!("[FAIL] no dma_skeleton");
        return ExitCode::FAILURE;
    };
    let steps: [(&str, Step); 3] = [
        (
            "silent vchan: 256 copies, buffers back once idle",
            |_, d| silent(d),
        ),
        (
            "operation lists: 64 ops back with status and user data",
            |_, d| op_lists(d),
        ),
        (
            "mem-to-dev with auto-free: 32 copies from a pool of 4",
            mem_to_dev,
        ),
    ];
    let mut all = true;
    for (name, step) in steps {
        let ok = step(&eal, &mut dev).unwrap_or_else(|e| {
            println!("       error: {e}");
            false
        });
        all &= report(name, ok);
    }
    if all {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
