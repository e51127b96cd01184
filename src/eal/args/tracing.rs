//! Tracing: `--trace` (regular expressions enabling trace points), `--trace-dir`,
//! `--trace-bufsz`, `--trace-mode`; all applied by `trace::apply_eal_options`.

use super::table::Occurrence;
use super::table::{Action::*, Spec};
use super::{ArgsError, Interp};
use crate::eal::num;

/// `--trace-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceMode {
    Overwrite,
    Discard,
}

pub(super) const OPTIONS: &[Spec] = &[
    Spec::value(
        "--trace",
        Use(trace),
        "enable trace points matching a regex (repeatable)",
    )
    .multi(),
    Spec::value("--trace-dir", Use(trace_dir), "directory for trace files"),
    Spec::value(
        "--trace-bufsz",
        Use(trace_bufsz),
        "trace buffer size, e.g. 2M",
    ),
    Spec::value("--trace-mode", Use(trace_mode), "overwrite|discard"),
];

fn trace(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    st.cfg.trace.push(occ.non_empty()?.to_string());
    Ok(())
}

fn trace_dir(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    st.cfg.trace_dir = Some(occ.non_empty()?.to_string());
    Ok(())
}

fn trace_bufsz(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    match num::parse_size(occ.value()) {
        Some(n) if n > 0 => st.cfg.trace_bufsz = Some(n),
        _ => return Err(occ.bad("trace buffer size")),
    }
    Ok(())
}

/// Any non-empty prefix of a mode name, as DPDK accepts.
fn trace_mode(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    let value = occ.value();
    let is = |mode: &str| !value.is_empty() && mode.starts_with(value);
    st.cfg.trace_mode = Some(if is("overwrite") {
        TraceMode::Overwrite
    } else if is("discard") {
        TraceMode::Discard
    } else {
        return Err(occ.bad("trace mode"));
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn trace_options() {
        let c = cfg(&[
            "--trace=lib.dmadev.*",
            "--trace",
            "eal.*",
            "--trace-dir=/tmp/t",
            "--trace-bufsz=2M",
            "--trace-mode=o",
        ]);
        assert_eq!(c.trace, vec!["lib.dmadev.*", "eal.*"]);
        assert_eq!(c.trace_dir.as_deref(), Some("/tmp/t"));
        assert_eq!(c.trace_bufsz, Some(2 << 20));
        assert_eq!(c.trace_mode, Some(TraceMode::Overwrite));
        assert!(c.accepted.is_empty());
        for (mode, expected) in [
            ("discard", TraceMode::Discard),
            ("d", TraceMode::Discard),
            ("overwrite", TraceMode::Overwrite),
        ] {
            assert_eq!(cfg(&["--trace-mode", mode]).trace_mode, Some(expected));
        }
        assert_eq!(cfg(&["--trace-bufsz", "4096"]).trace_bufsz, Some(4096));
    }

    #[test]
    fn refusals() {
        refused(&[
            (&["--trace-mode=x"], "trace mode"),
            (&["--trace-mode="], "trace mode"),
            (&["--trace-mode=overwrites"], "trace mode"),
            (&["--trace-bufsz=0"], "buffer size"),
            (&["--trace-bufsz=1Q"], "buffer size"),
            (&["--trace="], "non-empty"),
            (&["--trace-dir="], "non-empty"),
            (&["--trace-dir", "a", "--trace-dir", "b"], "more than once"),
        ]);
    }
}
