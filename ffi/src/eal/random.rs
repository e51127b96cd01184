//! `rte_random.h`: DPDK's pseudo-random numbers (LFSR258, per thread).
use crate::guard::guard;
use dmadev::eal::random;

/// 64 pseudo-random bits (not for cryptography).
#[unsafe(no_mangle)]
pub extern "C" fn rte_rand() -> u64 {
    guard(0, random::rand)
}

/// A pseudo-random number in `[0, upper_bound)`, without bias; 0 if the bound is
/// below 2.
#[unsafe(no_mangle)]
pub extern "C" fn rte_rand_max(upper_bound: u64) -> u64 {
    guard(0, || random::rand_max(upper_bound))
}

/// Seeds the generator: lcore `i` then draws the sequence of `seed + i`.
#[unsafe(no_mangle)]
pub extern "C" fn rte_srand(seed: u64) {
    guard((), || random::srand(seed))
}
