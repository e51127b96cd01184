//! The one description of the EAL options: each group module lists its options
//! ([`Spec`]: names, value, what is done with it, help line; the parent module joins
//! the lists); the scanner looks names up here and the usage text is printed from here. Also DPDK's list of options that
//! cannot be combined.

use super::{ArgsError, Interp};

/// What an option takes after its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arity {
    /// Nothing (a flag).
    None,
    /// A value, inline or as the next word.
    Required,
    /// Optionally a value, only as `--opt=value`.
    Optional,
}

/// What the EAL does with an option.
#[derive(Clone, Copy)]
pub(super) enum Action {
    /// Checks it and sets what the library reads in the configuration.
    Use(fn(&mut Interp, &Occurrence<'_>) -> Result<(), ArgsError>),
    /// Checks it and keeps it in `EalConfig::accepted` with the value returned
    /// (defaults filled in); nothing acts on it.
    Accept(fn(&Occurrence<'_>) -> Result<Option<String>, ArgsError>),
}

/// A flag that is accepted and has no effect.
pub(super) const ACCEPT_FLAG: Action = Action::Accept(|_| Ok(None));
/// A value that is accepted as it is if it is not empty.
pub(super) const ACCEPT_NON_EMPTY: Action =
    Action::Accept(|occ| Ok(Some(occ.non_empty()?.to_string())));

/// One option.
pub(super) struct Spec {
    pub long: &'static str,
    pub short: Option<&'static str>,
    /// Other long names with the same meaning (`--socket-mem` for `--numa-mem`).
    pub aliases: &'static [&'static str],
    pub arity: Arity,
    /// May be given more than once.
    pub multi: bool,
    pub action: Action,
    pub help: &'static str,
}

impl Spec {
    const fn new(long: &'static str, arity: Arity, action: Action, help: &'static str) -> Spec {
        Spec {
            long,
            short: None,
            aliases: &[],
            arity,
            multi: false,
            action,
            help,
        }
    }
    /// An option without a value.
    pub const fn flag(long: &'static str, action: Action, help: &'static str) -> Spec {
        Spec::new(long, Arity::None, action, help)
    }
    /// An option with a value.
    pub const fn value(long: &'static str, action: Action, help: &'static str) -> Spec {
        Spec::new(long, Arity::Required, action, help)
    }
    /// An option with an optional `=value`.
    pub const fn optional(long: &'static str, action: Action, help: &'static str) -> Spec {
        Spec::new(long, Arity::Optional, action, help)
    }
    pub const fn short(self, short: &'static str) -> Spec {
        Spec {
            short: Some(short),
            ..self
        }
    }
    pub const fn aliases(self, aliases: &'static [&'static str]) -> Spec {
        Spec { aliases, ..self }
    }
    pub const fn multi(self) -> Spec {
        Spec {
            multi: true,
            ..self
        }
    }
}

/// Options that cannot be combined (DPDK's list, by long name).
pub(super) const CONFLICTS: &[(&str, &str)] = &[
    ("--allow", "--block"),
    ("--no-auto-probing", "--block"),
    ("--pagesz-mem", "--no-huge"),
    ("--pagesz-mem", "--legacy-mem"),
    ("--coremask", "--lcores"),
    ("--service-coremask", "--service-corelist"),
    ("--no-auto-probing", "--auto-probing"),
    ("--no-telemetry", "--telemetry"),
    ("--memory-size", "--numa-mem"),
    ("--no-huge", "--numa-mem"),
    ("--no-huge", "--huge-worker-stack"),
    ("--numa-limit", "--legacy-mem"),
    ("--legacy-mem", "--in-memory"),
    ("--legacy-mem", "--match-allocations"),
    ("--no-huge", "--match-allocations"),
    ("--no-huge", "--huge-unlink"),
    ("--single-file-segments", "--huge-unlink"),
    ("--no-huge", "--single-file-segments"),
    ("--in-memory", "--huge-unlink"),
];

pub(super) fn all() -> impl Iterator<Item = &'static Spec> {
    super::GROUPS.iter().flat_map(|group| group.iter())
}

/// The option called `name` (long, short or alias) and that name as the table
/// spells it.
pub(super) fn find(name: &str) -> Option<(&'static Spec, &'static str)> {
    all().find_map(|s| {
        let typed = core::iter::once(s.long)
            .chain(s.short)
            .chain(s.aliases.iter().copied())
            .find(|&n| n == name)?;
        Some((s, typed))
    })
}

/// The usage text for `-h`/`--help`: one line per name, sorted by long name.
pub fn usage(prog: &str) -> String {
    let mut out = format!("usage: {prog} <EAL options> -- <application options>\n\nEAL options:\n");
    // (long name, label, help)
    let mut lines: Vec<(&str, String, String)> = Vec::new();
    for s in all() {
        let value = match s.arity {
            Arity::None => "",
            Arity::Required => " <value>",
            Arity::Optional => "[=<value>]",
        };
        let label = match s.short {
            Some(short) => format!("{short}, {}{value}", s.long),
            None => format!("    {}{value}", s.long),
        };
        lines.push((s.long, label, s.help.to_string()));
        for alias in s.aliases {
            let label = format!("    {alias}{value}");
            lines.push((alias, label, format!("same as {}", s.long)));
        }
    }
    lines.sort_by_key(|&(long, _, _)| long);
    let width = lines
        .iter()
        .map(|(_, label, _)| label.len())
        .max()
        .unwrap_or(0);
    out.push_str(&format!("  {:width$}  show this help\n", "-h, --help"));
    for (_, label, help) in lines {
        out.push_str(&format!("  {label:width$}  {help}\n"));
    }
    out
}

/// One option as written on the command line.
pub(super) struct Occurrence<'a> {
    pub spec: &'static Spec,
    /// The name the user typed (`-l` or `--lcores`), for messages.
    pub name: &'static str,
    pub value: Option<&'a str>,
}

impl Occurrence<'_> {
    /// The value, or "" when none was given.
    pub fn value(&self) -> &str {
        self.value.unwrap_or("")
    }

    /// "invalid {what} '{value}' for option '{name}'".
    pub fn bad(&self, what: &str) -> ArgsError {
        ArgsError::Invalid(format!(
            "invalid {what} '{}' for option '{}'",
            self.value(),
            self.name
        ))
    }

    /// "option '{name}': {why}".
    pub fn error(&self, why: impl core::fmt::Display) -> ArgsError {
        ArgsError::Invalid(format!("option '{}': {why}", self.name))
    }

    /// The value, refused when empty.
    pub fn non_empty(&self) -> Result<&str, ArgsError> {
        match self.value() {
            "" => Err(ArgsError::Invalid(format!(
                "option '{}' requires a non-empty value",
                self.name
            ))),
            v => Ok(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_well_formed() {
        let mut names: Vec<&str> = all()
            .flat_map(|s| {
                core::iter::once(s.long)
                    .chain(s.short)
                    .chain(s.aliases.iter().copied())
            })
            .collect();
        for n in &names {
            let long = n.starts_with("--") && n.len() > 3;
            let short = n.len() == 2 && n.starts_with('-') && n != &"--";
            assert!(long || short, "{n}");
            assert!(!n.contains('='), "{n}");
            assert!(!["-h", "--help"].contains(n), "{n} is taken by help");
        }
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a name is used twice");
    }

    #[test]
    fn conflicts_name_options_by_their_long_name() {
        for (a, b) in CONFLICTS {
            for n in [a, b] {
                assert!(
                    all().any(|s| s.long == *n),
                    "{n} is not an option's long name"
                );
            }
        }
    }

    #[test]
    fn usage_lists_every_name_once() {
        let text = usage("app");
        assert!(text.starts_with("usage: app <EAL options>"));
        assert!(text.contains("-h, --help"));
        for s in all() {
            for n in core::iter::once(s.long).chain(s.aliases.iter().copied()) {
                // The label's long name is the first word starting with "--".
                let lines = text
                    .lines()
                    .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("--")))
                    .filter(|w| w.split('[').next() == Some(n))
                    .count();
                assert_eq!(lines, 1, "{n}");
            }
            if let Some(short) = s.short {
                assert!(text.contains(&format!("{short}, {}", s.long)), "{short}");
            }
        }
    }
}
