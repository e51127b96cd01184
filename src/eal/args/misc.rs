//! The rest: `-v` (prints the version), `--no-telemetry` (no telemetry socket;
//! `--telemetry`, the default, is accepted) and options for features dmadev-rs does
//! not have (HPET, the VMware TSC map, SIMD width, mbuf pool ops), which are checked
//! and accepted.

use super::table::Occurrence;
use super::table::{ACCEPT_FLAG, ACCEPT_NON_EMPTY, Action::*, Spec};
use super::{ArgsError, Interp};
use crate::eal::num;

/// Largest SIMD width `--force-max-simd-bitwidth` accepts (`RTE_VECT_SIMD_MAX`).
const SIMD_MAX: u64 = 512;
/// Smallest SIMD width (`RTE_VECT_SIMD_DISABLED`).
const SIMD_DISABLED: u64 = 64;

pub(super) const OPTIONS: &[Spec] = &[
    Spec::flag("--version", Use(version), "print the version").short("-v"),
    Spec::flag("--telemetry", ACCEPT_FLAG, "enable telemetry"),
    Spec::flag("--no-telemetry", Use(no_telemetry), "disable telemetry"),
    Spec::flag("--no-hpet", ACCEPT_FLAG, "accepted, no effect"),
    Spec::flag("--vmware-tsc-map", ACCEPT_FLAG, "accepted, no effect"),
    Spec::value(
        "--force-max-simd-bitwidth",
        Accept(simd_bitwidth),
        "highest SIMD width (64..512, 0 = max)",
    ),
    Spec::value(
        "--mbuf-pool-ops-name",
        ACCEPT_NON_EMPTY,
        "accepted, no effect",
    ),
];

fn version(st: &mut Interp, _: &Occurrence<'_>) -> Result<(), ArgsError> {
    st.cfg.version = true;
    Ok(())
}

fn no_telemetry(st: &mut Interp, _: &Occurrence<'_>) -> Result<(), ArgsError> {
    st.cfg.no_telemetry = true;
    Ok(())
}

/// A power of two from 64 to 512; 0 means 512.
fn simd_bitwidth(occ: &Occurrence<'_>) -> Result<Option<String>, ArgsError> {
    match num::parse_uint_auto(occ.value()) {
        Some(0) => Ok(Some(SIMD_MAX.to_string())),
        Some(w) if (SIMD_DISABLED..=SIMD_MAX).contains(&w) && w.is_power_of_two() => {
            Ok(Some(w.to_string()))
        }
        _ => Err(occ.bad("SIMD bit width")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn version_is_used() {
        assert!(cfg(&["-v"]).version);
        assert!(cfg(&["--version"]).accepted.is_empty());
        assert!(!cfg(&[]).version);
        assert!(cfg(&["--no-telemetry"]).no_telemetry);
        assert!(!cfg(&["--telemetry"]).no_telemetry);
    }

    #[test]
    fn accepted_values() {
        accepted(&[
            (&["--telemetry"], "--telemetry", &[None]),
            (&["--no-hpet"], "--no-hpet", &[None]),
            (&["--vmware-tsc-map"], "--vmware-tsc-map", &[None]),
            (
                &["--force-max-simd-bitwidth=256"],
                "--force-max-simd-bitwidth",
                &[Some("256")],
            ),
            (
                &["--force-max-simd-bitwidth", "0"],
                "--force-max-simd-bitwidth",
                &[Some("512")],
            ),
            (
                &["--force-max-simd-bitwidth=0x40"],
                "--force-max-simd-bitwidth",
                &[Some("64")],
            ),
            (
                &["--mbuf-pool-ops-name", "ring_mp_mc"],
                "--mbuf-pool-ops-name",
                &[Some("ring_mp_mc")],
            ),
        ]);
    }

    #[test]
    fn refusals() {
        refused(&[
            (&["--force-max-simd-bitwidth=100"], "SIMD"),
            (&["--force-max-simd-bitwidth=1024"], "SIMD"),
            (&["--force-max-simd-bitwidth=32"], "SIMD"),
            (&["--mbuf-pool-ops-name="], "non-empty"),
            (
                &["--telemetry", "--no-telemetry"],
                "cannot be used together",
            ),
            (&["-v1"], "takes no value"),
        ]);
    }
}
