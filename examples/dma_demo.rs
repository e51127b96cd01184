//! dma_demo.rs - the safe Rust API's tour, the twin of examples/dma_demo.c.
//!
//! Sets up the software device `dma_skeleton` with one vchan and runs three
//! operations on it: (a) a 4 KiB copy, (b) a fill of 1000 bytes of a 1024-byte
//! buffer with a 64-bit pattern, (c) a scatter-gather copy of 3 source segments
//! into 2 destination segments; checks every result, prints the statistics and a
//! dump of the device. Each step prints "[ OK ]" or "[FAIL]"; the exit status is
//! non-zero if any step failed.
//!
//! Run: `cargo run --example dma_demo` (extra arguments go to the EAL).
use dmadev::safe::*;
use std::process::ExitCode;
use std::time::Duration;

const RING_SIZE: u16 = 1024;
const COPY_LEN: usize = 4096;
const FILL_LEN: usize = 1000;
const FILL_BUF_LEN: usize = 1024;
const GUARD_BYTE: u8 = 0xEE;
const FILL_PATTERN: u64 = 0x1122334455667788;
const TIMEOUT: Duration = Duration::from_secs(5);

fn report(step: &str, ok: bool) -> bool {
    println!("[{}] {step}", if ok { " OK " } else { "FAIL" });
    ok
}

/// Runs one operation to completion and hands back its buffers.
fn run(vchan: &mut Vchan<'_>) -> dmadev::Result<Op> {
    let c = vchan
        .wait(1, TIMEOUT)?
        .pop()
        .ok_or(dmadev::Error::NotFound)?;
    if !c.is_ok() {
        println!("       status {:?}", c.status);
        return Err(dmadev::Error::Errno(libc::EIO));
    }
    Ok(c.op)
}

fn bytes(len: usize, f: impl Fn(usize) -> u8) -> dmadev::Result<DmaBuf> {
    let mut b = DmaBuf::new(len)?;
    b.iter_mut().enumerate().for_each(|(i, x)| *x = f(i));
    Ok(b)
}

/// (a) 4 KiB copy: the destination equals the source.
fn copy_step(vchan: &mut Vchan<'_>) -> dmadev::Result<bool> {
    let src = bytes(COPY_LEN, |i| (i * 7) as u8)?;
    let dst = DmaBuf::new(COPY_LEN)?;
    vchan.copy(src, dst, OpFlags::SUBMIT).map_err(|r| r.error)?;
    let Op::Copy { src, dst } = run(vchan)? else {
        return Ok(false);
    };
    Ok(src.as_local().map(|b| &b[..]) == dst.as_local().map(|b| &b[..]))
}

/// (b) fill: the first FILL_LEN bytes of a FILL_BUF_LEN buffer hold the pattern
/// (in memory order), the rest is untouched. The fill owns only the first part
/// (`split_off`), so it cannot reach the rest.
fn fill_step(vchan: &mut Vchan<'_>) -> dmadev::Result<bool> {
    let mut head = bytes(FILL_BUF_LEN, |_| GUARD_BYTE)?;
    let guard = head.split_off(FILL_LEN);
    vchan
        .fill(FILL_PATTERN, head, OpFlags::SUBMIT)
        .map_err(|r| r.error)?;
    let Op::Fill { dst, .. } = run(vchan)? else {
        return Ok(false);
    };
    let mut whole = dst.into_local().ok_or(dmadev::Error::InvalidArgument)?;
    whole
        .unsplit(guard)
        .map_err(|_| dmadev::Error::InvalidArgument)?;
    let want = FILL_PATTERN.to_ne_bytes();
    let filled = whole[..FILL_LEN]
        .iter()
        .enumerate()
        .all(|(i, &b)| b == want[i % 8]);
    Ok(filled && whole[FILL_LEN..].iter().all(|&b| b == GUARD_BYTE))
}

/// (c) scatter-gather: 3 source segments (100, 200, 300 bytes) into 2 destination
/// segments (250, 350): the destinations hold the sources' bytes in order.
fn sg_step(vchan: &mut Vchan<'_>) -> dmadev::Result<bool> {
    let mut src = Vec::new();
    let mut want = Vec::new();
    for (k, len) in [100usize, 200, 300].into_iter().enumerate() {
        let b = bytes(len, |i| (i as u8) ^ (0x40 * k as u8))?;
        want.extend_from_slice(&b);
        src.push(Region::from(b));
    }
    let dst = vec![
        Region::from(DmaBuf::new(250)?),
        Region::from(DmaBuf::new(350)?),
    ];
    vchan
        .copy_sg(src, dst, OpFlags::SUBMIT)
        .map_err(|r| r.error)?;
    let Op::CopySg { dst, .. } = run(vchan)? else {
        return Ok(false);
    };
    let got: Vec<u8> = dst
        .iter()
        .filter_map(Region::as_local)
        .flat_map(|b| b.iter().copied())
        .collect();
    Ok(got == want)
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a.starts_with("--vdev")) {
        args.insert(1, "--vdev=dma_skeleton".into());
    }
    let eal = match Eal::init(args) {
        Ok(eal) => eal,
        Err(e) => {
            eprintln!("EAL init failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    match demo(&eal) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            println!("[FAIL] {e}");
            ExitCode::FAILURE
        }
    }
}

fn demo(eal: &Eal) -> dmadev::Result<bool> {
    let mut dev = eal.device("dma_skeleton")?;
    let info = dev.info()?;
    println!(
        "device {} '{}': max {} vchans, {}..{} descriptors, {} segments per side",
        dev.id(),
        info.name,
        info.max_vchans,
        info.min_desc,
        info.max_desc,
        info.max_sges
    );
    dev.configure(&DeviceConfig {
        nb_vchans: 1,
        ..Default::default()
    })?;
    dev.vchan_setup(0, &VchanSetup::mem_to_mem(RING_SIZE))?;
    dev.start()?;
    let mut ok = true;
    {
        let mut vchan = dev.vchan(0)?;
        ok &= report("(a) copy 4096 bytes", copy_step(&mut vchan)?);
        ok &= report("(b) fill 1000 bytes with a pattern", fill_step(&mut vchan)?);
        ok &= report("(c) scatter-gather 3 -> 2 segments", sg_step(&mut vchan)?);
    }
    let s = dev.stats(Some(0))?;
    println!(
        "stats: submitted {} completed {} errors {}",
        s.submitted, s.completed, s.errors
    );
    ok &= report(
        "statistics count 3 operations, no errors",
        (s.submitted, s.completed, s.errors) == (3, 3, 0),
    );
    print!("{}", dev.dump()?);
    dev.stop()?;
    Ok(ok)
}
