//! The device arguments of the software devices (`--vdev=dma_skeleton,lcore=1,...`):
//! `lcore=N` pins the worker; `fault_every=N`, `fault_rate=P`, `fault_seed=X` and
//! `fault_status=S` make the worker fail operations on purpose (`crate::engines::fault`);
//! `copybreak=B`: operations of at most B bytes run in the caller's thread
//! (`engines::ring`'s copy-break; 256 by default, 0 off; on `dma_interdomain` where
//! the memory is mapped here, `domain::inline`); `dma_skeleton` also takes
//! `silent=1` (it reports `RTE_DMA_CAPA_SILENT`; off by default, as DPDK's skeleton);
//! `dma_interdomain` takes `os_region=` (a host file, `pci` or `pci:<addr>`) and
//! `os_window=` (its window's size in the region, 64M by default).
use crate::abi::RTE_MAX_LCORE;
use crate::domain::region::layout;
use crate::domain::region::map::Source;
use crate::engines::fault::FaultPlan;
use crate::{Error, Result, dma_log};

/// The copy-break when none is given: 64 B..256 B copies measured fastest run in the
/// caller up to here on the project's machine (README, "Benchmark figures").
pub const DEFAULT_COPYBREAK: u32 = 256;
/// Largest copy-break accepted: beyond it a caller would stall for microseconds.
pub const MAX_COPYBREAK: u32 = 64 * 1024;
/// `os_window=` when not given.
pub const DEFAULT_WINDOW: u64 = 64 << 20;
/// Largest `os_window=`.
const MAX_WINDOW: u64 = 1 << 40;

/// What a software device's argument string asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VdevArgs {
    pub lcore: Option<u32>,
    /// Set when any `fault_*` argument is given (then the device reports
    /// `RTE_DMA_CAPA_HANDLES_ERRORS`, even if nothing is injected).
    pub fault: Option<FaultPlan>,
    /// The shared region of an inter-OS device.
    pub region: Option<Source>,
    /// Its window size (`DEFAULT_WINDOW` unless given).
    pub window: u64,
    /// The copy-break (0 for devices without one).
    pub copybreak: u32,
    /// `silent=1`: the device offers silent mode (`dma_skeleton`).
    pub silent: bool,
}

/// Which keys beyond the common ones (`lcore`, `fault_*`) a device takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// `silent` (`dma_skeleton`).
    Skeleton,
    /// `os_region`, `os_window` (`dma_interdomain`).
    InterDomain,
}

/// An unsigned integer in decimal or `0x` hexadecimal.
fn parse_u64(v: &str) -> Option<u64> {
    let v = v.trim();
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// Parses `k=v,k=v` for driver `driver`. A bad `lcore` is ignored with a warning
/// (as DPDK's skeleton does), unknown keys too; a bad `fault_*` value refuses the
/// device (`InvalidArgument`): asking for faults and silently getting none would
/// defeat the test that asked.
/// `os_region`/`os_window` are refused the same way: a device meant for another OS
/// domain that silently came up without one would move nothing between them.
pub fn parse(driver: &str, args: &str, keys: Keys) -> Result<VdevArgs> {
    let mut out = VdevArgs {
        window: DEFAULT_WINDOW,
        copybreak: DEFAULT_COPYBREAK,
        ..VdevArgs::default()
    };
    let mut plan = FaultPlan {
        every: None,
        rate: None,
        seed: 0,
        status: FaultPlan::DEFAULT_STATUS,
    };
    let mut faults = false;
    for kv in args.split(',').filter(|s| !s.is_empty()) {
        let (key, v) = kv.split_once('=').unwrap_or((kv, ""));
        let bad = |rule: &str| {
            dma_log!(ERR, "{}: invalid {}={} ({})", driver, key, v, rule);
            Error::InvalidArgument
        };
        match key {
            "lcore" => match v.trim().parse::<u32>() {
                Ok(n) if n < RTE_MAX_LCORE => out.lcore = Some(n),
                _ => dma_log!(
                    WARNING,
                    "{}: ignoring lcore={} (must be below {})",
                    driver,
                    v,
                    RTE_MAX_LCORE
                ),
            },
            "fault_every" => {
                let n = parse_u64(v).filter(|n| (1..=u32::MAX as u64).contains(n));
                plan.every = Some(n.ok_or_else(|| bad("an integer from 1"))? as u32);
                faults = true;
            }
            "fault_rate" => {
                let p = v.trim().parse::<f64>().ok();
                let p = p.filter(|p| (0.0..=1.0).contains(p));
                plan.rate = Some(p.ok_or_else(|| bad("a probability from 0 to 1"))?);
                faults = true;
            }
            "fault_seed" => {
                plan.seed = parse_u64(v).ok_or_else(|| bad("an unsigned 64-bit integer"))?;
                faults = true;
            }
            "fault_status" => {
                let code = parse_u64(v)
                    .and_then(|s| u32::try_from(s).ok())
                    .and_then(FaultPlan::status_code);
                plan.status = code.ok_or_else(|| bad("an error status: 1..14 or 0x100"))?;
                faults = true;
            }
            "copybreak" => match v.trim().parse::<u32>() {
                Ok(n) if n <= MAX_COPYBREAK => out.copybreak = n,
                _ => dma_log!(
                    WARNING,
                    "{}: ignoring copybreak={} (must be 0..{})",
                    driver,
                    v,
                    MAX_COPYBREAK
                ),
            },
            "silent" if keys == Keys::Skeleton => match v.trim() {
                "1" => out.silent = true,
                "0" => out.silent = false,
                _ => return Err(bad("0 or 1")),
            },
            "os_region" if keys == Keys::InterDomain => {
                out.region =
                    Some(Source::parse(v).ok_or_else(|| bad("a file, pci or pci:<addr>"))?);
            }
            "os_window" if keys == Keys::InterDomain => {
                let n = crate::eal::num::parse_size(v)
                    .filter(|n| (layout::WINDOW_ALIGN..=MAX_WINDOW).contains(n));
                out.window = n.ok_or_else(|| bad("a size from the window alignment to 1T"))?;
            }
            _ => dma_log!(
                WARNING,
                "{}: ignoring unknown device argument '{}'",
                driver,
                kv
            ),
        }
    }
    out.fault = faults.then_some(plan);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(driver: &str, args: &str) -> Result<VdevArgs> {
        super::parse(driver, args, Keys::Skeleton)
    }

    #[test]
    fn no_fault_argument_means_no_plan() {
        let none = VdevArgs {
            window: DEFAULT_WINDOW,
            copybreak: DEFAULT_COPYBREAK,
            ..VdevArgs::default()
        };
        assert_eq!(parse("d", "").unwrap(), none);
        let a = parse("d", "lcore=3,other=1").unwrap();
        assert_eq!((a.lcore, a.fault), (Some(3), None));
        assert_eq!(parse("d", "lcore=99999").unwrap().lcore, None);
    }

    #[test]
    fn fault_arguments_fill_the_plan() {
        let a = parse("d", "fault_every=5,fault_status=9").unwrap();
        let p = a.fault.unwrap();
        assert_eq!((p.every, p.rate, p.status), (Some(5), None, 9));
        let p = parse("d", "fault_rate=0.5,fault_seed=0x10")
            .unwrap()
            .fault
            .unwrap();
        assert_eq!(
            (p.rate, p.seed, p.status),
            (Some(0.5), 16, FaultPlan::DEFAULT_STATUS)
        );
        let p = parse("d", "fault_status=0x100").unwrap().fault.unwrap();
        assert_eq!((p.every, p.rate), (None, None), "reporting only");
    }

    #[test]
    fn silent_is_a_skeleton_switch() {
        assert!(parse("d", "silent=1").unwrap().silent);
        assert!(!parse("d", "silent=0").unwrap().silent);
        assert!(!parse("d", "").unwrap().silent);
        assert_eq!(parse("d", "silent=yes"), Err(Error::InvalidArgument));
        let inter = super::parse("d", "silent=1", Keys::InterDomain).unwrap();
        assert!(!inter.silent, "only dma_skeleton takes it");
    }

    #[test]
    fn bad_fault_values_refuse_the_device() {
        for args in [
            "fault_every=0",
            "fault_every=x",
            "fault_every=4294967296",
            "fault_rate=1.5",
            "fault_rate=-0.1",
            "fault_rate=NaN",
            "fault_seed=-1",
            "fault_status=0",
            "fault_status=15",
            "fault_status=",
            "fault_every",
        ] {
            assert_eq!(parse("d", args), Err(Error::InvalidArgument), "{args}");
        }
    }

    #[test]
    fn region_arguments_only_where_taken() {
        let with = |args| super::parse("d", args, Keys::InterDomain);
        let a = with("lcore=1,os_region=/dev/shm/r,os_window=4M").unwrap();
        assert_eq!(
            (a.lcore, a.region, a.window),
            (Some(1), Some(Source::File("/dev/shm/r".into())), 4 << 20)
        );
        assert_eq!(
            with("os_region=pci").unwrap().region,
            Some(Source::Pci(None))
        );
        assert_eq!(with("").unwrap().window, DEFAULT_WINDOW);
        for bad in [
            "os_region=",
            "os_window=1K",
            "os_window=x",
            "os_region=/r,os_window=2T",
        ] {
            assert_eq!(with(bad), Err(Error::InvalidArgument), "{bad}");
        }
        // A device without regions ignores the keys (with a warning).
        assert_eq!(parse("d", "os_region=/dev/shm/r").unwrap().region, None);
    }

    #[test]
    fn copybreak_values_up_to_the_limit() {
        let cb = |args| parse("d", args).unwrap().copybreak;
        assert_eq!(cb("copybreak=0"), 0);
        assert_eq!(cb("copybreak=1024"), 1024);
        assert_eq!(cb("copybreak=65536"), 65536);
        for bad in [
            "copybreak=65537",
            "copybreak=-1",
            "copybreak=",
            "copybreak=1K",
        ] {
            assert_eq!(cb(bad), DEFAULT_COPYBREAK, "{bad}");
        }
        let idom = |args| {
            super::parse("d", args, Keys::InterDomain)
                .unwrap()
                .copybreak
        };
        assert_eq!(idom("copybreak=64"), 64, "dma_interdomain has one too");
        assert_eq!(idom(""), DEFAULT_COPYBREAK);
    }
}
