//! The EAL's commands: `/eal/params` (the EAL part of the command line, program name
//! first), `/eal/app_params` (what followed `--`) and `/eal/lcore/list`.
use super::commands::RustHandler;
use super::data::{ArrayType, TelData};
use std::sync::Mutex;

pub const COMMANDS: &[(&str, &str, RustHandler)] = &[
    (
        "/eal/params",
        "Returns EAL commandline parameters used. Takes no parameters",
        params,
    ),
    (
        "/eal/app_params",
        "Returns app commandline parameters used. Takes no parameters",
        params,
    ),
    (
        "/eal/lcore/list",
        "List of lcore ids. Takes no parameters",
        lcore_list,
    ),
];

/// The command line given to `rte_eal_init`: (up to `--`, after `--`).
static ARGS: Mutex<(Vec<String>, Vec<String>)> = Mutex::new((Vec::new(), Vec::new()));

/// Keeps `argv` for the two parameter commands (DPDK's `eal_save_args`).
pub fn save_args(argv: &[String]) {
    let (eal, app) = match argv.iter().position(|a| a == "--") {
        Some(i) => (argv[..i].to_vec(), argv[i + 1..].to_vec()),
        None => (argv.to_vec(), Vec::new()),
    };
    *ARGS.lock().unwrap_or_else(|p| p.into_inner()) = (eal, app);
}

fn params(cmd: &str, _: Option<&str>, d: &mut TelData) -> i32 {
    let args = ARGS.lock().unwrap_or_else(|p| p.into_inner());
    let list = if cmd == "/eal/params" {
        &args.0
    } else {
        &args.1
    };
    d.start_array(ArrayType::Str);
    // DPDK answers with the last add's code (E2BIG if that word was cut).
    list.iter().fold(0, |_, a| d.add_array_string(a.as_bytes()))
}

fn lcore_list(_: &str, _: Option<&str>, d: &mut TelData) -> i32 {
    d.start_array(ArrayType::Int);
    let mut ids: Vec<u32> = crate::eal::lcore::map()
        .map(|m| m.entries().iter().map(|&(id, _)| id).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    for id in ids {
        d.add_array_int(id as i64);
    }
    0
}
