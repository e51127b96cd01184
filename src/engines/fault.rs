//! Fault injection: which operations the worker fails on purpose, so applications
//! can test their error handling on a software device (`fault_every`, `fault_rate`,
//! `fault_seed`, `fault_status` device arguments, parsed in `crate::drivers`).
//!
//! Only the worker consults it, after the operation was published: the caller's
//! fast path is the same with faults on or off. A faulted operation touches no
//! memory and completes with the plan's status. Decisions are per vchan and
//! restart at every device start, so a run is reproducible.
use crate::abi::{rte_dma_sge, rte_dma_status_code};

/// Addresses below this are never mapped (Linux's `mmap_min_addr` is at least 4 KiB,
/// 64 KiB by default): an operation touching them fails instead of faulting, the
/// check DPDK's `error_handling` test relies on (it copies from address 0).
pub const NULL_PAGE_END: u64 = 64 * 1024;

/// The stored status meaning `RTE_DMA_STATUS_ERROR_UNKNOWN` (0x100 does not fit a
/// status byte; `ring::status_raw` reads any code past 14 as it).
pub const STATUS_ERROR_UNKNOWN: u8 = u8::MAX;

/// Which operations fail and how; at least one of `every` and `rate` is set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaultPlan {
    /// Every N-th operation of a vchan (N >= 1) fails.
    pub every: Option<u32>,
    /// Each operation fails with this probability (0.0..=1.0).
    pub rate: Option<f64>,
    /// Seed of the pseudo-random sequence behind `rate`.
    pub seed: u64,
    /// The status code faulted operations complete with (1..=14, or
    /// [`STATUS_ERROR_UNKNOWN`]).
    pub status: u8,
}

impl FaultPlan {
    /// The default status of a faulted operation.
    pub const DEFAULT_STATUS: u8 = STATUS_ERROR_UNKNOWN;

    /// The status byte for an `enum rte_dma_status_code` value a user names, if it
    /// is an error status.
    pub fn status_code(value: u32) -> Option<u8> {
        use rte_dma_status_code::*;
        match value {
            v if v == RTE_DMA_STATUS_ERROR_UNKNOWN as u32 => Some(STATUS_ERROR_UNKNOWN),
            v if (1..=RTE_DMA_STATUS_PAGE_FAULT as u32).contains(&v) => Some(v as u8),
            _ => None,
        }
    }
}

/// One vchan's fault decisions, owned by the worker.
#[derive(Clone, Debug)]
pub struct Injector {
    plan: FaultPlan,
    /// Operations decided so far.
    count: u64,
    /// xorshift64* state (never 0).
    rng: u64,
}

impl Injector {
    /// The injector of vchan `vchan` (each vchan draws its own sequence).
    pub fn new(plan: FaultPlan, vchan: usize) -> Injector {
        Injector {
            plan,
            count: 0,
            rng: splitmix64(plan.seed ^ (vchan as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1,
        }
    }

    /// Decides the next operation: `Some(status)` if it must fail.
    #[inline]
    pub fn next_fault(&mut self) -> Option<u8> {
        self.count += 1;
        let by_count = self
            .plan
            .every
            .is_some_and(|n| self.count.is_multiple_of(n as u64));
        let by_chance = self.plan.rate.is_some_and(|p| self.uniform() < p);
        (by_count || by_chance).then_some(self.plan.status)
    }

    /// A uniform draw in [0, 1).
    fn uniform(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The status of an operation whose source or destination lies in the null page
/// (`INVALID_SRC_ADDR` if a source does, else `INVALID_DST_ADDR`), or 0.
pub fn null_page_status(src: &[rte_dma_sge], dst: &[rte_dma_sge]) -> u8 {
    let low = |s: &rte_dma_sge| s.addr < NULL_PAGE_END;
    if src.iter().any(low) {
        rte_dma_status_code::RTE_DMA_STATUS_INVALID_SRC_ADDR as u8
    } else if dst.iter().any(low) {
        rte_dma_status_code::RTE_DMA_STATUS_INVALID_DST_ADDR as u8
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(every: Option<u32>, rate: Option<f64>, seed: u64) -> FaultPlan {
        FaultPlan {
            every,
            rate,
            seed,
            status: 9,
        }
    }

    #[test]
    fn every_nth_operation_fails_with_the_status() {
        let mut i = Injector::new(plan(Some(3), None, 0), 0);
        let got: Vec<_> = (0..7).map(|_| i.next_fault()).collect();
        assert_eq!(got, [None, None, Some(9), None, None, Some(9), None]);
        let mut all = Injector::new(plan(Some(1), None, 0), 0);
        assert!((0..10).all(|_| all.next_fault() == Some(9)));
    }

    #[test]
    fn rate_is_reproducible_per_seed_and_near_its_probability() {
        let draw = |seed, vchan| {
            let mut i = Injector::new(plan(None, Some(0.25), seed), vchan);
            (0..10_000)
                .map(|_| i.next_fault().is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(42, 0), draw(42, 0));
        assert_ne!(draw(42, 0), draw(43, 0));
        assert_ne!(draw(42, 0), draw(42, 1), "each vchan has its own sequence");
        let hits = draw(7, 0).iter().filter(|&&f| f).count();
        assert!((2200..2800).contains(&hits), "{hits} of 10000 at p=0.25");
        let mut never = Injector::new(plan(None, Some(0.0), 1), 0);
        assert!((0..1000).all(|_| never.next_fault().is_none()));
        let mut always = Injector::new(plan(None, Some(1.0), 1), 0);
        assert!((0..1000).all(|_| always.next_fault().is_some()));
    }

    #[test]
    fn only_error_statuses_can_be_injected() {
        assert_eq!(FaultPlan::status_code(0), None);
        assert_eq!(FaultPlan::status_code(1), Some(1));
        assert_eq!(FaultPlan::status_code(14), Some(14));
        assert_eq!(FaultPlan::status_code(15), None);
        assert_eq!(FaultPlan::status_code(0x100), Some(STATUS_ERROR_UNKNOWN));
        assert_eq!(
            crate::engines::ring::status_raw(STATUS_ERROR_UNKNOWN),
            rte_dma_status_code::RTE_DMA_STATUS_ERROR_UNKNOWN as u32
        );
    }

    #[test]
    fn null_page_addresses_name_their_side() {
        let seg = |addr| rte_dma_sge { addr, length: 8 };
        assert_eq!(null_page_status(&[seg(0)], &[seg(1 << 20)]), 3);
        assert_eq!(null_page_status(&[seg(1 << 20)], &[seg(4096)]), 4);
        assert_eq!(null_page_status(&[seg(1 << 20)], &[seg(1 << 20)]), 0);
    }
}
