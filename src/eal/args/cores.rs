//! Cores: `-l`/`--lcores`, `-c`/`--coremask`, `--main-lcore`, `-R` (which lcores
//! exist and where they run) and the service cores `-s`/`-S` (accepted; no service
//! cores run). `-l`, `-c` and `--main-lcore` are resolved together once every option
//! is known ([`finish`]).

use super::table::Occurrence;
use super::table::{Action::*, Spec};
use super::{ArgsError, Interp};
use crate::abi::RTE_MAX_LCORE;
use crate::eal::{corelist, num};

pub(super) const OPTIONS: &[Spec] = &[
    Spec::value("--lcores", Use(lcores), "lcore list, e.g. 0-3,5 or 0@2,1@4").short("-l"),
    Spec::value(
        "--coremask",
        Use(coremask),
        "hexadecimal mask of CPUs (deprecated, use -l)",
    )
    .short("-c"),
    Spec::value("--main-lcore", Use(main_lcore), "lcore of the main thread"),
    Spec::optional(
        "--remap-lcore-ids",
        Use(remap_lcore_ids),
        "[=base] number lcores from base",
    )
    .short("-R"),
    Spec::value(
        "--service-corelist",
        Accept(service_corelist),
        "service cores, accepted",
    )
    .short("-S"),
    Spec::value(
        "--service-coremask",
        Accept(service_coremask),
        "service core mask, accepted",
    )
    .short("-s"),
];

/// `(name typed, value)` of the options resolved in [`finish`].
#[derive(Default)]
pub(super) struct Pending {
    lcores: Option<(&'static str, String)>,
    coremask: Option<(&'static str, String)>,
    main_lcore: Option<(&'static str, String)>,
}

fn pending(occ: &Occurrence<'_>) -> Option<(&'static str, String)> {
    Some((occ.name, occ.value().to_string()))
}

fn lcores(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    st.cores.lcores = pending(occ);
    Ok(())
}

fn coremask(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    st.cores.coremask = pending(occ);
    Ok(())
}

fn main_lcore(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    st.cores.main_lcore = pending(occ);
    Ok(())
}

fn remap_lcore_ids(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    let base = match occ.value {
        None => 0,
        Some(v) => match num::parse_uint_auto(v) {
            Some(b) if b < u64::from(RTE_MAX_LCORE) => b as u32,
            _ => return Err(occ.bad("lcore base id")),
        },
    };
    st.cfg.remap_lcore_ids = Some(base);
    Ok(())
}

/// CPUs as a comma-separated list.
fn cpu_list(cpus: Vec<usize>) -> Option<String> {
    let cpus: Vec<String> = cpus.iter().map(usize::to_string).collect();
    Some(cpus.join(","))
}

fn service_corelist(occ: &Occurrence<'_>) -> Result<Option<String>, ArgsError> {
    corelist::parse_cpu_list(occ.value())
        .map(cpu_list)
        .map_err(|e| occ.error(e))
}

fn service_coremask(occ: &Occurrence<'_>) -> Result<Option<String>, ArgsError> {
    corelist::parse_coremask(occ.value())
        .map(cpu_list)
        .map_err(|e| occ.error(e))
}

/// Builds the lcore list from `-l` or `-c` (remapped when asked) and checks
/// `--main-lcore` against it.
pub(super) fn finish(st: &mut Interp) -> Result<(), ArgsError> {
    let p = &st.cores;
    st.cfg.lcores = resolve_lcores(
        p.lcores.as_ref(),
        p.coremask.as_ref(),
        st.cfg.remap_lcore_ids,
    )?;
    if let Some((name, value)) = &p.main_lcore {
        let id = match num::parse_uint_auto(value) {
            Some(id) if id < u64::from(RTE_MAX_LCORE) => id as u32,
            _ => {
                return Err(ArgsError::Invalid(format!(
                    "invalid main lcore '{value}' for option '{name}' (must be below {RTE_MAX_LCORE})"
                )));
            }
        };
        if !st.cfg.lcores.is_empty() && !st.cfg.lcores.iter().any(|&(l, _)| l == id) {
            return Err(ArgsError::Invalid(format!(
                "main lcore {id} is not in the lcore list"
            )));
        }
        st.cfg.main_lcore = Some(id);
    }
    Ok(())
}

/// The `(lcore, cpu)` list from `-l` or `-c`, remapped from `remap` when set.
fn resolve_lcores(
    lcores: Option<&(&'static str, String)>,
    coremask: Option<&(&'static str, String)>,
    remap: Option<u32>,
) -> Result<Vec<(u32, usize)>, ArgsError> {
    let failed = |name: &str, e: String| ArgsError::Invalid(format!("option '{name}': {e}"));
    let (name, map) = match (lcores, coremask) {
        (Some((name, value)), _) => {
            if remap.is_some() && value.contains(['@', '(']) {
                return Err(ArgsError::Invalid(format!(
                    "'@' and '()' in option '{name}' cannot be combined with lcore remapping"
                )));
            }
            let map = corelist::parse_lcore_map(value).map_err(|e| failed(name, e))?;
            (name, map)
        }
        (None, Some((name, value))) => {
            let cpus = corelist::parse_coremask(value).map_err(|e| failed(name, e))?;
            (name, cpus.into_iter().map(|c| (c as u32, c)).collect())
        }
        (None, None) => return Ok(Vec::new()),
    };
    let map: Vec<(u32, usize)> = match remap {
        Some(base) => map
            .into_iter()
            .enumerate()
            .map(|(i, (_, cpu))| (base.saturating_add(i as u32), cpu))
            .collect(),
        None => map,
    };
    if map.len() > RTE_MAX_LCORE as usize {
        return Err(ArgsError::Invalid(format!(
            "option '{name}' names {} lcores; at most {RTE_MAX_LCORE} are supported",
            map.len()
        )));
    }
    if let Some(&(lcore, cpu)) = map.iter().find(|&&(l, _)| l >= RTE_MAX_LCORE) {
        return Err(ArgsError::Invalid(format!(
            "option '{name}': lcore {lcore} (CPU {cpu}) is not below RTE_MAX_LCORE ({RTE_MAX_LCORE}); \
             map it to a lower lcore id, e.g. --lcores 0@{cpu}, or remap with -R"
        )));
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn lcore_lists() {
        for (words, lcores) in [
            (&["-l", "0-2,5"][..], &[(0, 0), (1, 1), (2, 2), (5, 5)][..]),
            (&["--lcores=1"], &[(1, 1)]),
            (&["-l=3"], &[(3, 3)]),
            (&["-l3"], &[(3, 3)]),
            (&["--lcores", "0@7,1@(9)"], &[(0, 7), (1, 9)]),
            (&["-c", "0x5"], &[(0, 0), (2, 2)]),
            (&["-c", "6", "-R"], &[(0, 1), (1, 2)]),
            (&["-l", "20-21", "--remap-lcore-ids=4"], &[(4, 20), (5, 21)]),
            (&[], &[]),
        ] {
            assert_eq!(cfg(words).lcores, lcores, "{words:?}");
        }
    }

    #[test]
    fn main_lcore_and_remapping() {
        assert_eq!(cfg(&["-R"]).remap_lcore_ids, Some(0));
        assert_eq!(cfg(&["-R=3"]).remap_lcore_ids, Some(3));
        let c = cfg(&["-l", "1-3", "--main-lcore", "2"]);
        assert_eq!(c.main_lcore, Some(2));
        assert_eq!(cfg(&["--main-lcore=0x1"]).main_lcore, Some(1));
        // Without -l/-c the main lcore is checked against the affinity later.
        assert_eq!(cfg(&["--main-lcore=9"]).main_lcore, Some(9));
    }

    #[test]
    fn service_cores_are_accepted() {
        accepted(&[
            (&["-S", "1-2"], "--service-corelist", &[Some("1,2")]),
            (&["-s", "0x6"], "--service-coremask", &[Some("1,2")]),
        ]);
    }

    #[test]
    fn refusals() {
        refused(&[
            (&["-l", "0", "-c", "1"], "cannot be used together"),
            (&["-l", "x"], "'-l'"),
            (&["-l", "200"], "RTE_MAX_LCORE"),
            (&["-l", "0-128"], "at most"),
            (&["-l", "0@(1,2)"], "several CPUs"),
            (&["-l", "0@1", "-R"], "remapping"),
            (&["-c", "0"], "'-c'"),
            (&["-l", "0-1", "--main-lcore", "3"], "not in the lcore list"),
            (&["--main-lcore", "128"], "main lcore"),
            (&["--main-lcore", "one"], "main lcore"),
            (&["-R=199"], "lcore base"),
            (&["-s", "1", "-S", "1"], "cannot be used together"),
            (&["-s", "zz"], "'-s'"),
            (&["-S", "1-x"], "'-S'"),
        ]);
    }
}
