//! The EAL command-line parser behind `rte_eal_init`: argv-like word lists (the input
//! split at NUL bytes, non-UTF-8 bytes substituted as the C entry point does) never
//! make it panic, and an accepted command line gives a layout `rte_eal_init` can
//! apply: a permutation-like order of the words with the program name at `consumed`.
#![no_main]

use dmadev::eal::args::{self, ArgsError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    dmadev::log::set_global_level(dmadev::log::RTE_LOG_EMERG);
    let mut argv = vec!["app".to_string()];
    if !data.is_empty() {
        argv.extend(
            data.split(|&b| b == 0)
                .take(64)
                .map(|w| String::from_utf8_lossy(w).into_owned()),
        );
    }
    let first = args::parse(&argv);
    // Deterministic: the same words give the same answer.
    assert_eq!(first, args::parse(&argv));
    match first {
        Ok(p) => {
            let l = &p.layout;
            assert_eq!(l.order.len(), argv.len(), "{argv:?}");
            assert!(l.consumed < argv.len(), "{argv:?}: consumed {}", l.consumed);
            assert_eq!(l.order[0], 0, "{argv:?}");
            assert_eq!(l.order[l.consumed], 0, "{argv:?}: program name at consumed");
            assert!(l.order.iter().all(|&i| i < argv.len()), "{argv:?}");
            // The application's words keep their order, each once.
            let app = &l.order[l.consumed + 1..];
            assert!(app.windows(2).all(|w| w[0] < w[1]), "{argv:?}: {app:?}");
            // No option word before the end of the options reaches the application.
            let end = argv.iter().position(|w| w == "--").unwrap_or(argv.len());
            for &i in app {
                assert!(
                    i > end || !argv[i].starts_with('-'),
                    "{argv:?}: option {i} left to the application"
                );
            }
            // The layout applies to an array of the same length.
            let mut words: Vec<&str> = argv.iter().map(String::as_str).collect();
            l.apply(&mut words);
            assert_eq!(words[l.consumed], "app");
        }
        Err(ArgsError::Invalid(msg)) => assert!(!msg.is_empty(), "{argv:?}"),
        Err(e @ (ArgsError::Help | ArgsError::LogLevelHelp)) => {
            let _ = e.to_string();
            let _ = args::usage("app");
        }
    }
});
