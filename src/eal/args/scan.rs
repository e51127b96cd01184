//! Splitting argv into options: names looked up in the table, values taken inline or
//! from the next word, repeats refused, and the argv layout the application sees.
//! Values are not checked here (the group modules do that).

use super::ArgsError;
use super::table::{self, Arity, Occurrence};

/// Where the application's arguments end up once the EAL options are taken out.
///
/// The caller rewrites its argv as `new[k] = old[order[k]]` (see [`ArgvLayout::apply`])
/// and then skips `consumed` entries, exactly as after DPDK's `rte_eal_init`:
/// `new[consumed]` is the program name again, followed by the non-option words that
/// were among the options, then everything after `--`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgvLayout {
    /// The value `rte_eal_init` returns: how many entries the application skips.
    pub consumed: usize,
    /// For each new position, the old index it takes its entry from.
    pub order: Vec<usize>,
}

impl ArgvLayout {
    /// Rearranges `argv` (which must be the array that was parsed) in place.
    pub fn apply<T: Copy>(&self, argv: &mut [T]) {
        if argv.len() != self.order.len() {
            return;
        }
        let old = argv.to_vec();
        for (slot, &from) in argv.iter_mut().zip(&self.order) {
            *slot = old[from];
        }
    }
}

/// What [`scan`] found.
pub(super) struct Scanned<'a> {
    pub occurrences: Vec<Occurrence<'a>>,
    pub layout: ArgvLayout,
    /// `-h`/`--help` was among the options.
    pub help: bool,
}

/// Marks a word that was not valid UTF-8 (the C entry point substitutes lossily).
fn not_utf8(s: &str) -> bool {
    s.contains('\u{FFFD}')
}

fn invalid<T>(msg: String) -> Result<T, ArgsError> {
    Err(ArgsError::Invalid(msg))
}

/// Splits argv into option occurrences and computes the layout.
pub(super) fn scan(argv: &[String]) -> Result<Scanned<'_>, ArgsError> {
    if argv.is_empty() {
        return invalid("empty argument vector (argv[0] must be the program name)".into());
    }
    let mut occurrences: Vec<Occurrence<'_>> = Vec::new();
    let mut kept = Vec::new(); // option words, in order
    let mut moved = Vec::new(); // non-option words before the end of the options
    let mut help = false;
    let mut i = 1;
    while i < argv.len() {
        let word = argv[i].as_str();
        if word == "--" {
            kept.push(i);
            i += 1;
            break;
        }
        if !word.starts_with('-') {
            moved.push(i);
            i += 1;
            continue;
        }
        kept.push(i);
        if not_utf8(word) {
            return invalid(format!("argument {i} is not valid UTF-8"));
        }
        if word == "-h" || word == "--help" {
            help = true;
            i += 1;
            continue;
        }
        let (name, inline) = split_option(word);
        let Some((spec, typed)) = table::find(name) else {
            return invalid(format!("unknown option '{word}'"));
        };
        if !spec.multi && occurrences.iter().any(|o| core::ptr::eq(o.spec, spec)) {
            return invalid(format!("option '{typed}' given more than once"));
        }
        let value = match spec.arity {
            Arity::None => {
                if inline.is_some() {
                    return invalid(format!("option '{typed}' takes no value"));
                }
                None
            }
            Arity::Optional => inline,
            Arity::Required => match inline {
                Some(v) => Some(v),
                None => {
                    if i + 1 >= argv.len() {
                        return invalid(format!("option '{typed}' requires a value"));
                    }
                    i += 1;
                    kept.push(i);
                    Some(argv[i].as_str())
                }
            },
        };
        if value.is_some_and(not_utf8) {
            return invalid(format!("the value of option '{typed}' is not valid UTF-8"));
        }
        occurrences.push(Occurrence {
            spec,
            name: typed,
            value,
        });
        i += 1;
    }
    // New order: program name, option words, the skipped words, the rest. The slot
    // just before the application's words gets the program name again.
    let mut order = Vec::with_capacity(argv.len());
    order.push(0);
    order.extend(&kept);
    order.extend(&moved);
    order.extend(i..argv.len());
    let consumed = kept.len();
    order[consumed] = 0;
    Ok(Scanned {
        occurrences,
        layout: ArgvLayout { consumed, order },
        help,
    })
}

/// Splits an option word into its name and inline value.
fn split_option(word: &str) -> (&str, Option<&str>) {
    if let Some((name, value)) = word.split_once('=') {
        return (name, Some(value));
    }
    if !word.starts_with("--") {
        // "-l0": the name is the dash and one character.
        if let Some((at, _)) = word.char_indices().nth(2) {
            return (&word[..at], Some(&word[at..]));
        }
    }
    (word, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_words_split_into_name_and_value() {
        for (word, name, value) in [
            ("--lcores=0-3", "--lcores", Some("0-3")),
            ("--lcores", "--lcores", None),
            ("-l0", "-l", Some("0")),
            ("-l=0", "-l", Some("0")),
            ("-l", "-l", None),
            ("-", "-", None),
            ("--log-level=a=b", "--log-level", Some("a=b")),
            ("-ä1", "-ä", Some("1")),
        ] {
            assert_eq!(split_option(word), (name, value), "{word}");
        }
    }
}
