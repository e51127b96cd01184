//! Memory: sizes, NUMA lists, hugepage options and the IOVA mode. All are checked as
//! DPDK checks them and accepted (dmadev-rs uses no hugepages and plain virtual
//! addresses), except `--iova-mode`, whose `pa` gets a warning from `init`.

use super::table::Occurrence;
use super::table::{ACCEPT_FLAG, ACCEPT_NON_EMPTY, Action::*, Spec};
use super::{ArgsError, Interp};
use crate::eal::num;

/// Most NUMA nodes `--numa-mem`/`--numa-limit` may list (`RTE_MAX_NUMA_NODES`).
const MAX_NUMA_NODES: usize = 32;

/// `--iova-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IovaMode {
    Pa,
    Va,
}

pub(super) const OPTIONS: &[Spec] = &[
    Spec::value(
        "--memory-size",
        Accept(memory_size),
        "memory in MiB, accepted",
    )
    .short("-m"),
    Spec::value(
        "--memory-channels",
        Accept(memory_channels),
        "memory channels, accepted",
    )
    .short("-n"),
    Spec::value(
        "--memory-ranks",
        Accept(memory_ranks),
        "memory ranks (1..16), accepted",
    )
    .short("-r"),
    Spec::value(
        "--numa-mem",
        Accept(numa_mem),
        "MiB per NUMA node, accepted",
    )
    .aliases(&["--socket-mem"]),
    Spec::value(
        "--numa-limit",
        Accept(numa_limit),
        "MiB limit per NUMA node, accepted",
    )
    .aliases(&["--socket-limit"]),
    Spec::value("--pagesz-mem", Accept(pagesz_mem), "pagesz:limit, accepted").multi(),
    Spec::flag(
        "--no-huge",
        ACCEPT_FLAG,
        "use no hugepages (always the case here)",
    ),
    Spec::value(
        "--huge-dir",
        ACCEPT_NON_EMPTY,
        "hugepage directory, accepted",
    ),
    Spec::optional(
        "--huge-unlink",
        Accept(huge_unlink),
        "[=existing|always|never], accepted",
    ),
    Spec::optional(
        "--huge-worker-stack",
        Accept(huge_worker_stack),
        "[=kB], accepted",
    ),
    Spec::flag("--legacy-mem", ACCEPT_FLAG, "accepted, no effect"),
    Spec::flag("--in-memory", ACCEPT_FLAG, "keep no shared files"),
    Spec::flag("--single-file-segments", ACCEPT_FLAG, "accepted, no effect"),
    Spec::flag("--match-allocations", ACCEPT_FLAG, "accepted, no effect"),
    Spec::value(
        "--base-virtaddr",
        Accept(base_virtaddr),
        "base virtual address (hex), accepted",
    ),
    Spec::value(
        "--iova-mode",
        Use(iova_mode),
        "pa|va (IOVA is always VA here)",
    ),
];

type Checked = Result<Option<String>, ArgsError>;

fn memory_size(occ: &Occurrence<'_>) -> Checked {
    match num::parse_decimal(occ.value()) {
        Some(mb) if mb.checked_mul(1 << 20).is_some() => Ok(Some(mb.to_string())),
        _ => Err(occ.bad("memory size (MiB)")),
    }
}

fn memory_channels(occ: &Occurrence<'_>) -> Checked {
    match num::parse_decimal(occ.value()) {
        Some(n) if n > 0 && n <= u64::from(u32::MAX) => Ok(Some(n.to_string())),
        _ => Err(occ.bad("number of memory channels")),
    }
}

fn memory_ranks(occ: &Occurrence<'_>) -> Checked {
    match num::parse_decimal(occ.value()) {
        Some(n @ 1..=16) => Ok(Some(n.to_string())),
        _ => Err(occ.bad("number of memory ranks")),
    }
}

/// `1024,0,512`: MiB per NUMA node, decimal; given back as decimals.
fn numa_list(value: &str) -> Option<String> {
    let list: Vec<String> = value
        .split(',')
        .map(|v| num::parse_decimal(v).filter(|mb| mb.checked_mul(1 << 20).is_some()))
        .map(|mb| mb.map(|mb| mb.to_string()))
        .collect::<Option<_>>()?;
    (list.len() <= MAX_NUMA_NODES).then(|| list.join(","))
}

fn numa_mem(occ: &Occurrence<'_>) -> Checked {
    numa_list(occ.value())
        .map(Some)
        .ok_or_else(|| occ.bad("per-node memory list"))
}

fn numa_limit(occ: &Occurrence<'_>) -> Checked {
    numa_list(occ.value())
        .map(Some)
        .ok_or_else(|| occ.bad("per-node limit list"))
}

fn pagesz_mem(occ: &Occurrence<'_>) -> Checked {
    let ok = occ.value().split_once(':').is_some_and(|(page, limit)| {
        num::parse_size(page).is_some_and(|p| p.is_power_of_two())
            && num::parse_size(limit).is_some()
    });
    if !ok {
        return Err(occ.bad("pagesz:limit pair"));
    }
    Ok(Some(occ.value().to_string()))
}

fn huge_unlink(occ: &Occurrence<'_>) -> Checked {
    match occ.value {
        None | Some("always") => Ok(Some("always".to_string())),
        Some(v @ ("existing" | "never")) => Ok(Some(v.to_string())),
        Some(_) => Err(occ.bad("mode")),
    }
}

/// `None`: the default stack size.
fn huge_worker_stack(occ: &Occurrence<'_>) -> Checked {
    match occ.value {
        None | Some("") => Ok(None),
        Some(v) => match num::parse_decimal(v) {
            Some(kb) if kb > 0 && kb < u64::MAX / 1024 => Ok(Some(kb.to_string())),
            _ => Err(occ.bad("stack size")),
        },
    }
}

fn base_virtaddr(occ: &Occurrence<'_>) -> Checked {
    match num::parse_hex(occ.value()) {
        Some(addr) => Ok(Some(format!("{addr:#x}"))),
        None => Err(occ.bad("address")),
    }
}

fn iova_mode(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    st.cfg.iova_mode = Some(match occ.value() {
        "pa" => IovaMode::Pa,
        "va" => IovaMode::Va,
        _ => return Err(occ.bad("IOVA mode")),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn accepted_values() {
        accepted(&[
            (&["-m", "512"], "--memory-size", &[Some("512")]),
            (&["-n", "4"], "--memory-channels", &[Some("4")]),
            (&["-r", "2"], "--memory-ranks", &[Some("2")]),
            (&["--socket-mem=1024,0"], "--numa-mem", &[Some("1024,0")]),
            (&["--numa-mem", "7"], "--numa-mem", &[Some("7")]),
            (&["--numa-limit", "64"], "--numa-limit", &[Some("64")]),
            (&["--socket-limit=1,2"], "--numa-limit", &[Some("1,2")]),
            (
                &["--pagesz-mem=2M:1G", "--pagesz-mem", "1G:4G"],
                "--pagesz-mem",
                &[Some("2M:1G"), Some("1G:4G")],
            ),
            (
                &["--huge-dir=/mnt/huge"],
                "--huge-dir",
                &[Some("/mnt/huge")],
            ),
            (&["--huge-unlink"], "--huge-unlink", &[Some("always")]),
            (&["--huge-unlink=never"], "--huge-unlink", &[Some("never")]),
            (
                &["--huge-unlink=existing"],
                "--huge-unlink",
                &[Some("existing")],
            ),
            (
                &["--huge-worker-stack=128"],
                "--huge-worker-stack",
                &[Some("128")],
            ),
            (&["--huge-worker-stack"], "--huge-worker-stack", &[None]),
            (
                &["--base-virtaddr", "0x100000000"],
                "--base-virtaddr",
                &[Some("0x100000000")],
            ),
            (&["--no-huge", "--legacy-mem"], "--no-huge", &[None]),
            (&["--no-huge", "--legacy-mem"], "--legacy-mem", &[None]),
            (&["--in-memory"], "--in-memory", &[None]),
            (
                &["--single-file-segments"],
                "--single-file-segments",
                &[None],
            ),
            (&["--match-allocations"], "--match-allocations", &[None]),
            (&[], "--no-huge", &[]),
        ]);
    }

    #[test]
    fn iova_mode_is_used() {
        assert_eq!(cfg(&["--iova-mode", "va"]).iova_mode, Some(IovaMode::Va));
        assert_eq!(cfg(&["--iova-mode=pa"]).iova_mode, Some(IovaMode::Pa));
        assert!(cfg(&["--iova-mode=pa"]).accepted.is_empty());
    }

    #[test]
    fn refusals() {
        refused(&[
            (&["-m", "lots"], "'-m'"),
            (&["-m"], "requires a value"),
            (&["-n", "0"], "'-n'"),
            (&["-r", "17"], "'-r'"),
            (&["--iova-mode=dc"], "IOVA mode"),
            (&["--base-virtaddr=zz"], "address"),
            (&["--socket-mem=1,x"], "per-node"),
            (&["--socket-limit=1,x"], "per-node limit"),
            (
                &["--numa-mem=1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1"],
                "per-node",
            ),
            (&["--socket-mem=1", "--numa-mem=2"], "more than once"),
            (&["--pagesz-mem=3M:1G"], "pagesz"),
            (&["--pagesz-mem=2M"], "pagesz"),
            (&["--huge-dir="], "non-empty"),
            (&["--huge-unlink=sometimes"], "mode"),
            (&["--huge-worker-stack=0"], "stack size"),
            (&["--no-huge", "--socket-mem=1"], "cannot be used together"),
            (&["--no-huge", "--huge-unlink"], "cannot be used together"),
            (&["--legacy-mem", "--in-memory"], "cannot be used together"),
            (&["-m", "1", "--socket-mem", "1"], "cannot be used together"),
            (
                &["--pagesz-mem=2M:1G", "--no-huge"],
                "cannot be used together",
            ),
            (
                &["--numa-limit=1", "--legacy-mem"],
                "cannot be used together",
            ),
        ]);
    }
}
