//! Devices: `--vdev` (created by `init`), `-d` driver paths (logged and ignored:
//! drivers are built in), and the PCI/VFIO options, which are checked and accepted
//! (dmadev-rs has no PCI bus).

use super::table::Occurrence;
use super::table::{ACCEPT_FLAG, ACCEPT_NON_EMPTY, Action::*, Spec};
use super::{ArgsError, Interp};

pub(super) const OPTIONS: &[Spec] = &[
    Spec::value(
        "--vdev",
        Use(vdev),
        "create a virtual device: name[,key=value...]",
    )
    .multi(),
    Spec::value(
        "--allow",
        ACCEPT_NON_EMPTY,
        "use only this device (repeatable)",
    )
    .short("-a")
    .multi(),
    Spec::value(
        "--block",
        ACCEPT_NON_EMPTY,
        "do not use this device (repeatable)",
    )
    .short("-b")
    .multi(),
    Spec::value(
        "--driver-path",
        Use(driver_path),
        "driver plugin path; accepted, drivers are built in",
    )
    .short("-d")
    .multi(),
    Spec::flag(
        "--auto-probing",
        ACCEPT_FLAG,
        "probe all devices unless -a/-b is given",
    ),
    Spec::flag("--no-auto-probing", ACCEPT_FLAG, "probe only -a devices").short("-A"),
    Spec::flag(
        "--no-pci",
        ACCEPT_FLAG,
        "no PCI devices (always the case here)",
    ),
    Spec::value(
        "--vfio-intr",
        Accept(vfio_intr),
        "legacy|msi|msix, accepted",
    ),
    Spec::value("--vfio-vf-token", Accept(vfio_vf_token), "UUID, accepted"),
    Spec::flag("--create-uio-dev", ACCEPT_FLAG, "accepted, no effect"),
];

fn vdev(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    let value = occ.value();
    let (dev, args) = value.split_once(',').unwrap_or((value, ""));
    if dev.is_empty() {
        return Err(ArgsError::Invalid(format!(
            "option '{}' needs a device name in '{value}'",
            occ.name
        )));
    }
    st.cfg.vdevs.push((dev.to_string(), args.to_string()));
    Ok(())
}

fn driver_path(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    st.cfg.plugins.push(occ.non_empty()?.to_string());
    Ok(())
}

fn vfio_intr(occ: &Occurrence<'_>) -> Result<Option<String>, ArgsError> {
    match occ.value() {
        v @ ("legacy" | "msi" | "msix") => Ok(Some(v.to_string())),
        _ => Err(occ.bad("VFIO interrupt mode")),
    }
}

fn vfio_vf_token(occ: &Occurrence<'_>) -> Result<Option<String>, ArgsError> {
    if !is_uuid(occ.value()) {
        return Err(occ.bad("UUID"));
    }
    Ok(Some(occ.value().to_string()))
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hexadecimal.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn vdevs() {
        let c = cfg(&[
            "--vdev=dma_skeleton0,lcore=1,x=2",
            "--vdev",
            "dma_skeleton1",
        ]);
        assert_eq!(
            c.vdevs,
            vec![
                ("dma_skeleton0".to_string(), "lcore=1,x=2".to_string()),
                ("dma_skeleton1".to_string(), String::new()),
            ]
        );
        assert!(c.accepted.is_empty());
    }

    #[test]
    fn driver_paths() {
        let c = cfg(&["-d", "/usr/lib/x.so", "--driver-path=/y.so"]);
        assert_eq!(c.plugins, vec!["/usr/lib/x.so", "/y.so"]);
    }

    #[test]
    fn accepted_values() {
        const TOKEN: &str = "bc1b2f4e-0e1e-4a1b-9d2f-0123456789ab";
        accepted(&[
            (
                &["-a", "0000:00:04.0", "--allow=0000:00:04.1"],
                "--allow",
                &[Some("0000:00:04.0"), Some("0000:00:04.1")],
            ),
            (
                &["-b", "x", "--block", "y"],
                "--block",
                &[Some("x"), Some("y")],
            ),
            (&["-A"], "--no-auto-probing", &[None]),
            (&["--auto-probing"], "--auto-probing", &[None]),
            (&["--no-pci"], "--no-pci", &[None]),
            (&["--vfio-intr", "msix"], "--vfio-intr", &[Some("msix")]),
            (&["--vfio-intr=legacy"], "--vfio-intr", &[Some("legacy")]),
            (
                &["--vfio-vf-token", TOKEN],
                "--vfio-vf-token",
                &[Some(TOKEN)],
            ),
            (&["--create-uio-dev"], "--create-uio-dev", &[None]),
        ]);
    }

    #[test]
    fn refusals() {
        refused(&[
            (&["--vdev="], "--vdev"),
            (&["--vdev", ",a=1"], "device name"),
            (&["--vdev"], "requires a value"),
            (&["-d="], "non-empty"),
            (&["-a="], "non-empty"),
            (&["--block="], "non-empty"),
            (&["--vfio-intr=msi-x"], "VFIO"),
            (&["--vfio-vf-token=1234"], "UUID"),
            (
                &["--vfio-vf-token=bc1b2f4e-0e1e-4a1b-9d2f-0123456789ag"],
                "UUID",
            ),
            (
                &["-a", "0000:00:04.0", "-b", "0000:00:04.1"],
                "cannot be used together",
            ),
            (&["-A", "-b", "x"], "cannot be used together"),
            (&["--auto-probing", "-A"], "cannot be used together"),
        ]);
    }
}
