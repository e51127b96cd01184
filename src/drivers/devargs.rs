//! The software devices' `copybreak=B` argument: the size at or under which a local
//! operation runs in the caller's thread (`engines::ring`'s copy-break). `lcore=` and
//! the parsing of the argument string are `skeleton::parse_args`'s.
use crate::dma_log;

/// The copy-break when none is given: 64 B..1 KiB copies measured fastest run in the
/// caller up to here on the project's machine (README, "Benchmark figures").
pub const DEFAULT_COPYBREAK: u32 = 256;
/// Largest copy-break accepted: beyond it a caller would stall for microseconds.
pub const MAX_COPYBREAK: u32 = 64 * 1024;

/// The value of `copybreak=`, or `None` (reported, as DPDK's skeleton reports a bad
/// `lcore=`) when it is not a number of bytes up to `MAX_COPYBREAK`.
pub fn copybreak(driver: &str, value: &str) -> Option<u32> {
    match value.trim().parse::<u32>() {
        Ok(n) if n <= MAX_COPYBREAK => Some(n),
        _ => {
            dma_log!(
                WARNING,
                "{}: ignoring copybreak={} (must be 0..{})",
                driver,
                value,
                MAX_COPYBREAK
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_up_to_the_limit() {
        assert_eq!(copybreak("t", "0"), Some(0));
        assert_eq!(copybreak("t", "1024"), Some(1024));
        assert_eq!(copybreak("t", "65536"), Some(65536));
        for bad in ["65537", "-1", "", "x", "1K"] {
            assert_eq!(copybreak("t", bad), None, "{bad}");
        }
    }
}
