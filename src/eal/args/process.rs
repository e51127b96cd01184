//! The process: `--proc-type` (secondary is refused by `init`), `--file-prefix`
//! (names the trace directory) and `--no-shconf` (accepted: there is no shared
//! configuration file).

use super::table::Occurrence;
use super::table::{ACCEPT_FLAG, Action::*, Spec};
use super::{ArgsError, Interp};

/// `--proc-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcType {
    Primary,
    Secondary,
    Auto,
}

pub(super) const OPTIONS: &[Spec] = &[
    Spec::value(
        "--proc-type",
        Use(proc_type),
        "primary|secondary|auto (primary only)",
    ),
    Spec::value(
        "--file-prefix",
        Use(file_prefix),
        "prefix of the runtime files",
    ),
    Spec::flag("--no-shconf", ACCEPT_FLAG, "no shared config file"),
];

fn proc_type(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    st.cfg.proc_type = Some(match occ.value().to_ascii_lowercase().as_str() {
        "primary" => ProcType::Primary,
        "secondary" => ProcType::Secondary,
        "auto" => ProcType::Auto,
        _ => return Err(occ.bad("process type")),
    });
    Ok(())
}

fn file_prefix(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    let value = occ.value();
    if value.is_empty() || value.contains('%') {
        return Err(occ.bad("file prefix"));
    }
    st.cfg.file_prefix = Some(value.to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn process_options() {
        for (value, expected) in [
            ("primary", ProcType::Primary),
            ("AUTO", ProcType::Auto),
            ("Secondary", ProcType::Secondary),
        ] {
            let c = cfg(&["--proc-type", value]);
            assert_eq!(c.proc_type, Some(expected), "{value}");
        }
        let c = cfg(&["--file-prefix", "pfx", "--no-shconf"]);
        assert_eq!(c.file_prefix.as_deref(), Some("pfx"));
        assert_eq!(c.accepted("--no-shconf"), [None]);
    }

    #[test]
    fn refusals() {
        refused(&[
            (&["--file-prefix="], "file prefix"),
            (&["--file-prefix", "a%d"], "file prefix"),
            (&["--proc-type=tertiary"], "process type"),
            (&["--proc-type="], "process type"),
        ]);
    }
}
