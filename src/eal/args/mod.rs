//! The EAL command line: options in, [`EalConfig`] and the argv layout out.
//!
//! Rules (DPDK 26.11's): `argv[0]` is the program name. Options may be written
//! `--opt=value`, `--opt value`, `-o value`, `-ovalue` or `-o=value`; options whose
//! value is optional only take the `=` form. Scanning ends at `--` (consumed) or at
//! the end; other non-option words met on the way are skipped and handed to the
//! application after the options (see [`ArgvLayout`]). An option given twice is an
//! error unless it is a list option (`--vdev`, `-a`, `-b`, `-d`, `--log-level`,
//! `--trace`, `--pagesz-mem`). `-h`/`--help` asks for the usage text.
//!
//! Parsing is pure: nothing is printed and nothing global changes; the EAL's `init`
//! applies the result.
//!
//! `table` describes every option once (the scanner and the usage text both read it)
//! and lists the conflicts; `scan` splits argv; each group module checks its own
//! options: `cores`, `memory`, `devices`, `logging`, `tracing`, `process`, `misc`.
//! Options dmadev-rs does not act on (hugepages, PCI, VFIO, ...) are still checked as
//! DPDK checks them and then kept in [`EalConfig::accepted`], so a program's usual
//! command line works.

mod cores;
mod devices;
mod logging;
mod memory;
mod misc;
mod process;
mod scan;
mod table;
mod tracing;

use std::fmt;

pub use memory::IovaMode;
pub use process::ProcType;
pub use scan::ArgvLayout;
pub use table::usage;
pub use tracing::TraceMode;

use super::loglevel::LogTarget;
use table::{Action, Occurrence, Spec};

/// Every option, by group (each group module lists its own).
const GROUPS: &[&[Spec]] = &[
    cores::OPTIONS,
    memory::OPTIONS,
    devices::OPTIONS,
    logging::OPTIONS,
    tracing::OPTIONS,
    process::OPTIONS,
    misc::OPTIONS,
];

/// What the command line said that the library acts on, plus the options it only
/// accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EalConfig {
    /// `--vdev name[,args]`: (name, args after the first comma or "").
    pub vdevs: Vec<(String, String)>,
    /// `-d` driver paths (logged and ignored: drivers are built in).
    pub plugins: Vec<String>,
    /// `(lcore, cpu)` pairs in lcore-index order; empty = from the process affinity.
    pub lcores: Vec<(u32, usize)>,
    /// `--main-lcore`.
    pub main_lcore: Option<u32>,
    /// `-R`/`--remap-lcore-ids[=base]`: the first lcore id when remapping.
    pub remap_lcore_ids: Option<u32>,
    /// `--log-level` values in order, each with its level (1..=8).
    pub log_levels: Vec<(LogTarget, u32)>,
    /// `--trace` regular expressions, in order.
    pub trace: Vec<String>,
    /// `--trace-dir`.
    pub trace_dir: Option<String>,
    /// `--trace-bufsz` in bytes.
    pub trace_bufsz: Option<u64>,
    /// `--trace-mode`.
    pub trace_mode: Option<TraceMode>,
    /// `--file-prefix` (names the trace directory).
    pub file_prefix: Option<String>,
    /// `--proc-type` (secondary is refused by `init`).
    pub proc_type: Option<ProcType>,
    /// `--iova-mode` (pa gets a warning: IOVA is always VA here).
    pub iova_mode: Option<IovaMode>,
    /// `-v`: print the version.
    pub version: bool,
    /// `--no-telemetry`: no telemetry socket.
    pub no_telemetry: bool,
    /// Notes for the user that are not errors (a clamped log level, ...).
    pub warnings: Vec<String>,
    /// The options that were checked and are not acted on, in command-line order.
    pub accepted: Vec<AcceptedOption>,
}

/// An option that was checked and has no effect here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedOption {
    /// Its long name (`--numa-mem`), whatever name was typed (`--socket-mem`).
    pub name: &'static str,
    /// The checked value with defaults filled in (`--syslog` gives `daemon`); `None`
    /// for a flag or an optional value without a default.
    pub value: Option<String>,
}

impl EalConfig {
    /// The values of the accepted option with long name `name`, in order (empty if
    /// it was not given).
    pub fn accepted(&self, name: &str) -> Vec<Option<&str>> {
        self.accepted
            .iter()
            .filter(|a| a.name == name)
            .map(|a| a.value.as_deref())
            .collect()
    }
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub config: EalConfig,
    pub layout: ArgvLayout,
}

/// Why the command line was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgsError {
    /// `-h`/`--help`: show [`usage`].
    Help,
    /// `--log-level=help`: show the log level names.
    LogLevelHelp,
    /// A bad option or value; the message names it.
    Invalid(String),
}

impl fmt::Display for ArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgsError::Help => f.write_str("help requested"),
            ArgsError::LogLevelHelp => f.write_str("log level help requested"),
            ArgsError::Invalid(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for ArgsError {}

/// The configuration being built, plus what a group resolves only once every option
/// is known.
#[derive(Default)]
struct Interp {
    cfg: EalConfig,
    cores: cores::Pending,
}

/// Parses `argv` (program name first).
pub fn parse(argv: &[String]) -> Result<Parsed, ArgsError> {
    let scanned = scan::scan(argv)?;
    let config = interpret(&scanned.occurrences)?;
    if scanned.help {
        return Err(ArgsError::Help);
    }
    Ok(Parsed {
        config,
        layout: scanned.layout,
    })
}

/// Turns the occurrences into a checked configuration: conflicts first, then each
/// option in command-line order, then what needs all of them (the lcores).
fn interpret(occurrences: &[Occurrence<'_>]) -> Result<EalConfig, ArgsError> {
    for &(a, b) in table::CONFLICTS {
        let has = |long: &str| occurrences.iter().any(|o| o.spec.long == long);
        if has(a) && has(b) {
            return Err(ArgsError::Invalid(format!(
                "options '{a}' and '{b}' cannot be used together"
            )));
        }
    }
    let mut st = Interp::default();
    for occ in occurrences {
        match occ.spec.action {
            Action::Use(apply) => apply(&mut st, occ)?,
            Action::Accept(check) => {
                let value = check(occ)?;
                st.cfg.accepted.push(AcceptedOption {
                    name: occ.spec.long,
                    value,
                });
            }
        }
    }
    cores::finish(&mut st)?;
    Ok(st.cfg)
}

#[cfg(test)]
mod testing {
    //! Helpers for the group modules' tests.
    use super::*;

    pub fn argv(words: &[&str]) -> Vec<String> {
        std::iter::once("app")
            .chain(words.iter().copied())
            .map(String::from)
            .collect()
    }

    pub fn ok(words: &[&str]) -> Parsed {
        parse(&argv(words)).unwrap_or_else(|e| panic!("{words:?}: {e}"))
    }

    pub fn cfg(words: &[&str]) -> EalConfig {
        ok(words).config
    }

    pub fn err(words: &[&str]) -> String {
        match parse(&argv(words)) {
            Err(ArgsError::Invalid(msg)) => msg,
            other => panic!("{words:?} gave {other:?}"),
        }
    }

    /// Checks that each command line is refused with a message containing `needle`.
    pub fn refused(cases: &[(&[&str], &str)]) {
        for (words, needle) in cases {
            let msg = err(words);
            assert!(msg.contains(needle), "{words:?}: {msg}");
        }
    }

    /// A command line, an accepted option's long name and the values it should have.
    pub type AcceptedCase<'a> = (&'a [&'a str], &'a str, &'a [Option<&'a str>]);

    /// Checks the values each command line leaves for accepted option `name`.
    pub fn accepted(cases: &[AcceptedCase<'_>]) {
        for (words, name, values) in cases {
            assert_eq!(cfg(words).accepted(name), *values, "{words:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn empty_command_line() {
        let p = ok(&[]);
        assert_eq!(p.config, EalConfig::default());
        assert_eq!(
            p.layout,
            ArgvLayout {
                consumed: 0,
                order: vec![0]
            }
        );
        assert!(matches!(parse(&[]), Err(ArgsError::Invalid(_))));
    }

    #[test]
    fn consumed_counts_like_dpdk() {
        assert_eq!(ok(&["-l", "0"]).layout.consumed, 2);
        assert_eq!(ok(&["-l0"]).layout.consumed, 1);
        assert_eq!(ok(&["--no-huge", "--"]).layout.consumed, 2);
        assert_eq!(
            ok(&["--no-huge", "--", "-x", "--no-pci"]).layout.consumed,
            2
        );
        assert_eq!(ok(&["--"]).layout.consumed, 1);
        // Everything after "--" is the application's, even EAL-looking words.
        assert!(cfg(&["--", "--no-pci"]).accepted.is_empty());
    }

    #[test]
    fn layout_moves_non_options_after_the_options() {
        // app foo -l 0 -- bar  =>  app -l 0 app foo bar, consumed 3
        let words = argv(&["foo", "-l", "0", "--", "bar"]);
        let p = parse(&words).unwrap();
        assert_eq!(p.layout.consumed, 3);
        let mut v: Vec<&str> = words.iter().map(String::as_str).collect();
        p.layout.apply(&mut v);
        assert_eq!(v, ["app", "-l", "0", "app", "foo", "bar"]);
        assert_eq!(&v[p.layout.consumed..], ["app", "foo", "bar"]);

        // No "--": app -l 0 foo  =>  app -l app foo, consumed 2
        let words = argv(&["-l", "0", "foo"]);
        let p = parse(&words).unwrap();
        let mut v: Vec<&str> = words.iter().map(String::as_str).collect();
        p.layout.apply(&mut v);
        assert_eq!(p.layout.consumed, 2);
        assert_eq!(&v[2..], ["app", "foo"]);

        // Only application words.
        let words = argv(&["x", "y"]);
        let p = parse(&words).unwrap();
        assert_eq!(p.layout.consumed, 0);
        let mut v: Vec<&str> = words.iter().map(String::as_str).collect();
        p.layout.apply(&mut v);
        assert_eq!(v, ["app", "x", "y"]);

        // A wrong-length slice is left alone.
        let mut short = ["a"];
        p.layout.apply(&mut short);
        assert_eq!(short, ["a"]);
    }

    #[test]
    fn a_usual_command_line_is_kept_in_order() {
        let c = cfg(&[
            "-l",
            "0",
            "-n",
            "4",
            "--no-pci",
            "--in-memory",
            "--file-prefix",
            "pfx",
            "--socket-mem=1024,0",
            "--vdev=dma_skeleton0",
            "--syslog",
            "-a",
            "0000:00:04.0",
        ]);
        let accepted: Vec<(&str, Option<&str>)> = c
            .accepted
            .iter()
            .map(|a| (a.name, a.value.as_deref()))
            .collect();
        assert_eq!(
            accepted,
            [
                ("--memory-channels", Some("4")),
                ("--no-pci", None),
                ("--in-memory", None),
                ("--numa-mem", Some("1024,0")),
                ("--syslog", Some("daemon")),
                ("--allow", Some("0000:00:04.0")),
            ]
        );
        assert_eq!(c.lcores, [(0, 0)]);
        assert_eq!(c.file_prefix.as_deref(), Some("pfx"));
        assert_eq!(c.vdevs.len(), 1);
    }

    #[test]
    fn errors_come_in_command_line_order() {
        assert!(err(&["-m", "lots", "--trace-mode=x"]).contains("'-m'"));
        assert!(err(&["--trace-mode=x", "-m", "lots"]).contains("trace mode"));
        // The lcores are resolved after every other option is checked.
        assert!(err(&["-l", "x", "-m", "lots"]).contains("'-m'"));
        // Conflicts are checked before any value.
        assert!(err(&["-m", "lots", "-l", "0", "-c", "1"]).contains("cannot be used together"));
    }

    #[test]
    fn option_syntax_errors() {
        assert!(err(&["--bogus"]).contains("unknown option '--bogus'"));
        assert!(err(&["-x"]).contains("unknown option '-x'"));
        assert!(err(&["-"]).contains("unknown option '-'"));
        assert!(err(&["--lcore=1"]).contains("unknown option"));
        assert!(err(&["--no-huge=1"]).contains("takes no value"));
        assert!(err(&["-v1"]).contains("takes no value"));
        assert!(err(&["-m", "1", "-m", "2"]).contains("'-m' given more than once"));
        assert!(err(&["--no-pci", "--no-pci"]).contains("more than once"));
        assert!(err(&["--file-prefix", "a\u{FFFD}"]).contains("UTF-8"));
        assert!(err(&["--\u{FFFD}"]).contains("UTF-8"));
        // Optional values only take the '=' form: the next word is not theirs.
        let p = ok(&["--huge-worker-stack", "64"]);
        assert_eq!(p.config.accepted("--huge-worker-stack"), [None]);
        assert_eq!(p.layout.consumed, 1);
        // A required value is taken even if it looks like an option, as DPDK does.
        assert_eq!(
            cfg(&["--file-prefix", "--no-pci"]).file_prefix.as_deref(),
            Some("--no-pci")
        );
        // Not UTF-8 outside the options is fine: the application owns it.
        assert_eq!(ok(&["\u{FFFD}", "-l", "0"]).layout.consumed, 2);
    }

    #[test]
    fn help() {
        assert_eq!(parse(&argv(&["-h"])), Err(ArgsError::Help));
        assert_eq!(parse(&argv(&["-l", "0", "--help"])), Err(ArgsError::Help));
        // A bad option wins over help.
        assert!(matches!(
            parse(&argv(&["--help", "--bogus"])),
            Err(ArgsError::Invalid(_))
        ));
        let text = usage("app");
        for s in table::all() {
            assert!(text.contains(s.long), "{} missing from usage", s.long);
        }
        assert!(text.contains("--help"));
    }
}
