//! Logical cores: which lcores exist, the CPU each runs on, and the calling thread's
//! lcore id.
//!
//! [`LcoreMap::build`] turns the command line's lcore list (or, without one, the
//! process's CPU affinity) into the map; `init` installs it. Before `init` there are
//! no lcores. A thread's lcore id is [`LCORE_ID_ANY`] unless it was given one: the
//! thread that ran `init` is the main lcore.

use std::sync::RwLock;

use super::corelist::CPU_SETSIZE;
use crate::abi::RTE_MAX_LCORE;
use crate::{Error, Result};

/// The lcore id of a thread that is not an EAL thread (`LCORE_ID_ANY`).
pub const LCORE_ID_ANY: u32 = u32::MAX;

/// The lcores of a running EAL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LcoreMap {
    /// `(lcore, cpu)` in lcore-index order.
    lcores: Vec<(u32, usize)>,
    main: u32,
}

impl LcoreMap {
    /// Builds the map.
    ///
    /// - `explicit`: the command line's `(lcore, cpu)` pairs; empty means "use
    ///   `affinity`", where lcore N runs on CPU N. CPUs at or above `RTE_MAX_LCORE`
    ///   are left out, and if that leaves none the lcores are numbered from 0.
    /// - `remap`: with an empty `explicit`, number the lcores from this id instead.
    /// - `main`: the main lcore; default the lowest lcore id.
    /// - `cpu_count`: CPUs of the machine; explicit CPUs must be below it.
    pub fn build(
        explicit: &[(u32, usize)],
        remap: Option<u32>,
        main: Option<u32>,
        affinity: &[usize],
        cpu_count: usize,
    ) -> core::result::Result<LcoreMap, String> {
        let lcores: Vec<(u32, usize)> = if explicit.is_empty() {
            default_lcores(remap, affinity)?
        } else {
            if let Some(&(lcore, cpu)) = explicit.iter().find(|&&(_, c)| c >= cpu_count) {
                return Err(format!(
                    "lcore {lcore}: CPU {cpu} does not exist (this machine has {cpu_count} CPUs)"
                ));
            }
            explicit.to_vec()
        };
        if let Some(&(lcore, _)) = lcores.iter().find(|&&(l, _)| l >= RTE_MAX_LCORE) {
            return Err(format!(
                "lcore {lcore} is not below RTE_MAX_LCORE ({RTE_MAX_LCORE})"
            ));
        }
        let main = match main {
            Some(m) if lcores.iter().any(|&(l, _)| l == m) => m,
            Some(m) => return Err(format!("main lcore {m} is not an enabled lcore")),
            None => lcores
                .iter()
                .map(|&(l, _)| l)
                .min()
                .ok_or_else(|| "no lcores".to_string())?,
        };
        Ok(LcoreMap { lcores, main })
    }

    /// Number of lcores.
    pub fn count(&self) -> u32 {
        self.lcores.len() as u32
    }

    /// The main lcore.
    pub fn main_lcore(&self) -> u32 {
        self.main
    }

    /// `(lcore, cpu)` pairs in index order.
    pub fn entries(&self) -> &[(u32, usize)] {
        &self.lcores
    }

    /// The CPU an lcore runs on.
    pub fn cpu_of(&self, lcore: u32) -> Option<usize> {
        self.lcores
            .iter()
            .find(|&&(l, _)| l == lcore)
            .map(|&(_, c)| c)
    }

    /// The lcore's position among the enabled lcores (`rte_lcore_index`).
    pub fn index_of(&self, lcore: u32) -> Option<usize> {
        self.lcores.iter().position(|&(l, _)| l == lcore)
    }

    /// Whether `lcore` is enabled.
    pub fn is_enabled(&self, lcore: u32) -> bool {
        self.index_of(lcore).is_some()
    }

    /// `rte_get_next_lcore`: the next enabled lcore id after `i` (`u32::MAX` starts
    /// from 0), optionally skipping the main lcore and wrapping around;
    /// `RTE_MAX_LCORE` when there is none.
    pub fn next(&self, i: u32, skip_main: bool, wrap: bool) -> u32 {
        let usable = |l: u32| self.is_enabled(l) && !(skip_main && l == self.main);
        let mut candidate = i.wrapping_add(1);
        // At most one full turn, so an empty selection cannot loop forever.
        for _ in 0..=RTE_MAX_LCORE {
            if wrap {
                candidate %= RTE_MAX_LCORE;
            }
            if candidate >= RTE_MAX_LCORE {
                return RTE_MAX_LCORE;
            }
            if usable(candidate) {
                return candidate;
            }
            candidate += 1;
        }
        RTE_MAX_LCORE
    }
}

fn default_lcores(
    remap: Option<u32>,
    affinity: &[usize],
) -> core::result::Result<Vec<(u32, usize)>, String> {
    let mut cpus: Vec<usize> = affinity.to_vec();
    cpus.sort_unstable();
    cpus.dedup();
    if cpus.is_empty() {
        return Err("the process may run on no CPU".to_string());
    }
    let numbered_from = |base: u32| -> Vec<(u32, usize)> {
        let room = RTE_MAX_LCORE.saturating_sub(base) as usize;
        cpus.iter()
            .take(room)
            .enumerate()
            .map(|(i, &c)| (base + i as u32, c))
            .collect()
    };
    let lcores = match remap {
        Some(base) => numbered_from(base),
        None => {
            let same: Vec<(u32, usize)> = cpus
                .iter()
                .filter(|&&c| c < RTE_MAX_LCORE as usize)
                .map(|&c| (c as u32, c))
                .collect();
            if same.is_empty() {
                numbered_from(0)
            } else {
                same
            }
        }
    };
    if lcores.is_empty() {
        return Err(format!(
            "no lcore id left below RTE_MAX_LCORE ({RTE_MAX_LCORE})"
        ));
    }
    Ok(lcores)
}

static MAP: RwLock<Option<LcoreMap>> = RwLock::new(None);

fn with_map<T>(f: impl FnOnce(Option<&LcoreMap>) -> T) -> T {
    // A poisoned lock still holds a consistent map (writers only swap the Option).
    let guard = MAP.read().unwrap_or_else(|p| p.into_inner());
    f(guard.as_ref())
}

/// Installs the map of a starting EAL (`None` when it stops).
pub(crate) fn install(map: Option<LcoreMap>) {
    *MAP.write().unwrap_or_else(|p| p.into_inner()) = map;
}

/// A copy of the current map, if the EAL is running.
pub fn map() -> Option<LcoreMap> {
    with_map(|m| m.cloned())
}

/// `rte_lcore_count`: enabled lcores (0 before `init`).
pub fn count() -> u32 {
    with_map(|m| m.map_or(0, LcoreMap::count))
}

/// `rte_get_main_lcore`.
pub fn main_lcore() -> Option<u32> {
    with_map(|m| m.map(LcoreMap::main_lcore))
}

/// The CPU an lcore runs on.
pub fn cpu_of_lcore(lcore: u32) -> Option<usize> {
    with_map(|m| m.and_then(|m| m.cpu_of(lcore)))
}

/// `rte_lcore_is_enabled`.
pub fn is_enabled(lcore: u32) -> bool {
    with_map(|m| m.is_some_and(|m| m.is_enabled(lcore)))
}

/// `rte_lcore_index` for an explicit lcore id.
pub fn index_of(lcore: u32) -> Option<usize> {
    with_map(|m| m.and_then(|m| m.index_of(lcore)))
}

/// `rte_get_next_lcore`.
pub fn next_lcore(i: u32, skip_main: bool, wrap: bool) -> u32 {
    with_map(|m| m.map_or(RTE_MAX_LCORE, |m| m.next(i, skip_main, wrap)))
}

/// `rte_lcore_id`: the calling thread's lcore, or [`LCORE_ID_ANY`].
pub fn current_id() -> u32 {
    super::per_lcore::lcore_id::get()
}

/// Gives the calling thread an lcore id (for threads the EAL starts).
pub fn set_current_id(lcore: u32) {
    super::per_lcore::lcore_id::set(lcore);
}

/// CPUs of the machine (configured, online or not).
pub fn cpu_count() -> usize {
    // SAFETY: sysconf has no memory effects.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) };
    usize::try_from(n).unwrap_or(1).clamp(1, CPU_SETSIZE)
}

/// The CPU the calling thread is on now.
pub fn current_cpu() -> Option<usize> {
    // SAFETY: sched_getcpu has no memory effects.
    let cpu = unsafe { libc::sched_getcpu() };
    usize::try_from(cpu).ok()
}

/// CPUs the calling thread may run on.
pub fn thread_affinity() -> Result<Vec<usize>> {
    // SAFETY: an all-zero cpu_set_t is a valid empty set.
    let mut set: libc::cpu_set_t = unsafe { core::mem::zeroed() };
    // SAFETY: `set` is a writable cpu_set_t of the size we pass.
    let rc =
        unsafe { libc::sched_getaffinity(0, core::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if rc != 0 {
        return Err(last_os_error());
    }
    // SAFETY: CPU_ISSET only reads `set`, and every index is below CPU_SETSIZE.
    Ok((0..CPU_SETSIZE)
        .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
        .collect())
}

/// Pins the calling thread to one CPU.
pub fn pin_current_thread(cpu: usize) -> Result<()> {
    set_current_affinity(&[cpu])
}

/// Lets the calling thread run on exactly `cpus` (none may reach `CPU_SETSIZE`).
pub fn set_current_affinity(cpus: &[usize]) -> Result<()> {
    if cpus.is_empty() || cpus.iter().any(|&c| c >= CPU_SETSIZE) {
        return Err(Error::InvalidArgument);
    }
    // SAFETY: an all-zero cpu_set_t is a valid empty set.
    let mut set: libc::cpu_set_t = unsafe { core::mem::zeroed() };
    for &cpu in cpus {
        // SAFETY: `cpu` is below CPU_SETSIZE, so CPU_SET stays inside `set`.
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    // SAFETY: `set` is a valid cpu_set_t of the size we pass.
    let rc = unsafe { libc::sched_setaffinity(0, core::mem::size_of::<libc::cpu_set_t>(), &set) };
    if rc != 0 {
        return Err(last_os_error());
    }
    Ok(())
}

fn last_os_error() -> Error {
    match std::io::Error::last_os_error().raw_os_error() {
        Some(e) => Error::from_errno(-e),
        None => Error::InvalidArgument,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_map() {
        let m = LcoreMap::build(&[(2, 5), (0, 1)], None, None, &[], 8).unwrap();
        assert_eq!(m.count(), 2);
        assert_eq!(m.main_lcore(), 0);
        assert_eq!(m.cpu_of(2), Some(5));
        assert_eq!(m.cpu_of(1), None);
        assert_eq!(m.index_of(2), Some(0));
        assert_eq!(m.index_of(0), Some(1));
        assert!(m.is_enabled(0) && !m.is_enabled(1));
        let m = LcoreMap::build(&[(2, 5), (0, 1)], None, Some(2), &[], 8).unwrap();
        assert_eq!(m.main_lcore(), 2);
        assert!(
            LcoreMap::build(&[(0, 8)], None, None, &[], 8)
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(
            LcoreMap::build(&[(0, 0)], None, Some(1), &[], 8)
                .unwrap_err()
                .contains("main lcore")
        );
        assert!(LcoreMap::build(&[(RTE_MAX_LCORE, 0)], None, None, &[], 8).is_err());
    }

    #[test]
    fn default_from_affinity() {
        let m = LcoreMap::build(&[], None, None, &[3, 1, 2], 4).unwrap();
        assert_eq!(m.entries(), &[(1, 1), (2, 2), (3, 3)]);
        assert_eq!(m.main_lcore(), 1);
        // CPUs beyond RTE_MAX_LCORE are left out...
        let m = LcoreMap::build(&[], None, None, &[1, 140], 256).unwrap();
        assert_eq!(m.entries(), &[(1, 1)]);
        // ...unless nothing else is left: then lcores are numbered from 0.
        let m = LcoreMap::build(&[], None, None, &[140, 141], 256).unwrap();
        assert_eq!(m.entries(), &[(0, 140), (1, 141)]);
        // Remapping numbers from the base and stops at RTE_MAX_LCORE.
        let cpus: Vec<usize> = (0..200).collect();
        let m = LcoreMap::build(&[], Some(10), None, &cpus, 256).unwrap();
        assert_eq!(m.count(), RTE_MAX_LCORE - 10);
        assert_eq!(m.entries()[0], (10, 0));
        assert!(LcoreMap::build(&[], None, None, &[], 4).is_err());
        assert!(LcoreMap::build(&[], Some(RTE_MAX_LCORE), None, &[0], 4).is_err());
    }

    #[test]
    fn next_lcore_walks_like_dpdk() {
        let m = LcoreMap::build(&[(1, 0), (3, 0), (5, 0)], None, Some(3), &[], 1).unwrap();
        assert_eq!(m.next(u32::MAX, false, false), 1);
        assert_eq!(m.next(1, false, false), 3);
        assert_eq!(m.next(1, true, false), 5);
        assert_eq!(m.next(5, false, false), RTE_MAX_LCORE);
        assert_eq!(m.next(5, false, true), 1);
        assert_eq!(m.next(RTE_MAX_LCORE + 7, false, false), RTE_MAX_LCORE);
        let only_main = LcoreMap::build(&[(2, 0)], None, None, &[], 1).unwrap();
        assert_eq!(only_main.next(u32::MAX, true, true), RTE_MAX_LCORE);
    }

    #[test]
    fn thread_lcore_id() {
        assert_eq!(current_id(), LCORE_ID_ANY);
        set_current_id(3);
        assert_eq!(current_id(), 3);
        std::thread::spawn(|| assert_eq!(current_id(), LCORE_ID_ANY))
            .join()
            .unwrap();
        set_current_id(LCORE_ID_ANY);
    }

    #[test]
    fn affinity_and_pinning() {
        let cpus = thread_affinity().unwrap();
        assert!(!cpus.is_empty());
        assert!(cpu_count() >= 1);
        let target = *cpus.last().unwrap();
        std::thread::spawn(move || {
            pin_current_thread(target).unwrap();
            assert_eq!(thread_affinity().unwrap(), vec![target]);
            assert_eq!(current_cpu(), Some(target));
        })
        .join()
        .unwrap();
        assert_eq!(pin_current_thread(CPU_SETSIZE), Err(Error::InvalidArgument));
        assert_eq!(set_current_affinity(&[]), Err(Error::InvalidArgument));
        let all = cpus.clone();
        std::thread::spawn(move || {
            set_current_affinity(&all[..1]).unwrap();
            set_current_affinity(&all).unwrap();
            assert_eq!(thread_affinity().unwrap(), all);
        })
        .join()
        .unwrap();
    }
}
