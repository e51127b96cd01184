//! Logging: `--log-level` (applied by `init`; the value's syntax is in
//! `eal::loglevel`) and the output options `--log-color`, `--log-timestamp` and
//! `--syslog`, which are checked and accepted (lines always go to stderr).

use super::table::Occurrence;
use super::table::{Action::*, Spec};
use super::{ArgsError, Interp};
use crate::eal::loglevel;

pub(super) const OPTIONS: &[Spec] = &[
    Spec::value(
        "--log-level",
        Use(log_level),
        "[pattern:]level or regex,level; 'help' lists levels",
    )
    .multi(),
    Spec::optional("--log-color", Accept(log_color), "[=always|never|auto]"),
    Spec::optional(
        "--log-timestamp",
        Accept(log_timestamp),
        "[=notime|reltime|delta|ctime|iso]",
    ),
    Spec::optional("--syslog", Accept(syslog), "[=facility], accepted"),
];

fn log_level(st: &mut Interp, occ: &Occurrence<'_>) -> Result<(), ArgsError> {
    if occ.value() == "help" {
        return Err(ArgsError::LogLevelHelp);
    }
    let parsed = loglevel::parse_log_level(occ.value()).map_err(|e| occ.error(e))?;
    if let Some(given) = parsed.clamped_from {
        st.cfg.warnings.push(format!(
            "log level {given} higher than maximum ({}), using {}",
            loglevel::LOG_MAX,
            loglevel::LOG_MAX
        ));
    }
    st.cfg.log_levels.push((parsed.target, parsed.level));
    Ok(())
}

/// The value if it is one of `allowed`, `default` when none is given.
fn one_of(
    occ: &Occurrence<'_>,
    default: &str,
    allowed: &[&str],
    what: &str,
) -> Result<Option<String>, ArgsError> {
    match occ.value {
        None => Ok(Some(default.to_string())),
        Some(v) if allowed.contains(&v) => Ok(Some(v.to_string())),
        Some(_) => Err(occ.bad(what)),
    }
}

fn log_color(occ: &Occurrence<'_>) -> Result<Option<String>, ArgsError> {
    one_of(occ, "always", &["always", "never", "auto"], "color mode")
}

fn log_timestamp(occ: &Occurrence<'_>) -> Result<Option<String>, ArgsError> {
    const FORMATS: &[&str] = &["notime", "reltime", "delta", "ctime", "iso"];
    one_of(occ, "time", FORMATS, "timestamp format")
}

fn syslog(occ: &Occurrence<'_>) -> Result<Option<String>, ArgsError> {
    const FACILITIES: &[&str] = &[
        "auth", "cron", "daemon", "ftp", "kern", "lpr", "mail", "news", "syslog", "user", "uucp",
        "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];
    one_of(occ, "daemon", FACILITIES, "syslog facility")
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{ArgsError, parse};
    use crate::eal::loglevel::LogTarget::*;

    #[test]
    fn log_levels_in_order() {
        let c = cfg(&[
            "--log-level=debug",
            "--log-level",
            "lib.dmadev:info",
            "--log-level=dma,5",
            "--log-level=pmd.*:12",
            "--log-level=lib.\\(eal\\|dmadev\\),debug",
        ]);
        assert_eq!(
            c.log_levels,
            vec![
                (Global, 8),
                (Glob("lib.dmadev".to_string()), 7),
                (Regex("dma".to_string()), 5),
                (Glob("pmd.*".to_string()), 8),
                (Regex("lib.\\(eal\\|dmadev\\)".to_string()), 8),
            ]
        );
        assert_eq!(
            c.warnings,
            ["log level 12 higher than maximum (8), using 8"]
        );
        assert_eq!(
            parse(&argv(&["--log-level=help"])),
            Err(ArgsError::LogLevelHelp)
        );
    }

    #[test]
    fn accepted_values() {
        accepted(&[
            (&["--log-color"], "--log-color", &[Some("always")]),
            (&["--log-color=never"], "--log-color", &[Some("never")]),
            (&["--log-color=auto"], "--log-color", &[Some("auto")]),
            (&["--log-timestamp"], "--log-timestamp", &[Some("time")]),
            (&["--log-timestamp=iso"], "--log-timestamp", &[Some("iso")]),
            (&["--syslog"], "--syslog", &[Some("daemon")]),
            (&["--syslog=local3"], "--syslog", &[Some("local3")]),
        ]);
    }

    #[test]
    fn refusals() {
        refused(&[
            (
                &["--log-level=lib:loud"],
                "option '--log-level': invalid log level 'loud'",
            ),
            (&["--log-level=0"], "--log-level"),
            (&["--log-level=:7"], "empty log type pattern"),
            (
                &["--log-level=lib.\\(eal,debug"],
                "option '--log-level': cannot set log level lib.\\(eal,8",
            ),
            (&["--log-level"], "requires a value"),
            (&["--log-color=pink"], "color"),
            (&["--log-color="], "color"),
            (&["--log-timestamp=now"], "timestamp"),
            (&["--syslog=local9"], "facility"),
        ]);
    }
}
