//! The software devices' arguments (`rte_vdev_init(name, "lcore=N,copybreak=B")`):
//! `lcore` as DPDK's skeleton has it, and `copybreak`, the size at or under which a
//! local operation runs in the caller's thread (`engines::ring`'s copy-break).
//! Bad values and unknown keys are reported and ignored, as DPDK's skeleton does.
use crate::abi::RTE_MAX_LCORE;
use crate::dma_log;

/// The copy-break when none is given: 64 B..1 KiB copies measured fastest run in the
/// caller up to here on the project's machine (README, "Benchmark figures").
pub const DEFAULT_COPYBREAK: u32 = 256;
/// Largest copy-break accepted: beyond it a caller would stall for microseconds.
pub const MAX_COPYBREAK: u32 = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DevArgs {
    pub lcore: Option<u32>,
    pub copybreak: u32,
}

/// Parses `args` for `driver` (named in the log lines).
pub fn parse(driver: &str, args: &str) -> DevArgs {
    let mut parsed = DevArgs {
        lcore: None,
        copybreak: DEFAULT_COPYBREAK,
    };
    for kv in args.split(',').filter(|s| !s.is_empty()) {
        match kv.split_once('=') {
            Some(("lcore", v)) => match v.trim().parse::<u32>() {
                Ok(n) if n < RTE_MAX_LCORE => parsed.lcore = Some(n),
                _ => dma_log!(
                    WARNING,
                    "{}: ignoring lcore={} (must be below {})",
                    driver,
                    v,
                    RTE_MAX_LCORE
                ),
            },
            Some(("copybreak", v)) => match v.trim().parse::<u32>() {
                Ok(n) if n <= MAX_COPYBREAK => parsed.copybreak = n,
                _ => dma_log!(
                    WARNING,
                    "{}: ignoring copybreak={} (must be 0..{})",
                    driver,
                    v,
                    MAX_COPYBREAK
                ),
            },
            _ => dma_log!(
                WARNING,
                "{}: ignoring unknown device argument '{}'",
                driver,
                kv
            ),
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_values_and_defaults() {
        let d = |lcore, copybreak| DevArgs { lcore, copybreak };
        assert_eq!(parse("t", ""), d(None, DEFAULT_COPYBREAK));
        assert_eq!(parse("t", "lcore=3,copybreak=0"), d(Some(3), 0));
        assert_eq!(parse("t", "copybreak=1024"), d(None, 1024));
        // Bad values keep the default; unknown keys are ignored.
        assert_eq!(
            parse("t", "copybreak=-1,lcore=99999,x=1"),
            d(None, DEFAULT_COPYBREAK)
        );
        assert_eq!(parse("t", "copybreak=65537"), d(None, DEFAULT_COPYBREAK));
        assert_eq!(parse("t", "copybreak=65536"), d(None, 65536));
    }
}
