//! The command table (the library's commands and the application's, kept sorted as
//! DPDK keeps them) and how one request becomes one answer.
use super::data::{ArrayType, TelData};
use super::json;
use crate::abi::{rte_tel_data, telemetry_arg_cb, telemetry_cb};
use core::ffi::c_void;
use std::ffi::CString;
use std::sync::{LazyLock, Mutex, MutexGuard};

/// Longest command name, with its NUL (DPDK's `MAX_CMD_LEN`).
pub const MAX_CMD_LEN: usize = 56;

/// A command of the library: `(cmd, params, answer) -> 0 or a negative errno`.
pub type RustHandler = fn(cmd: &str, params: Option<&str>, d: &mut TelData) -> i32;

/// The `arg` an application registered with its command, passed back to it.
#[derive(Clone, Copy, Debug)]
pub struct AppArg(pub *mut c_void);
// SAFETY: the pointer is only handed back to the application's own callback, on the
// telemetry thread, as DPDK does; what it points at is the application's business.
unsafe impl Send for AppArg {}

#[derive(Clone, Copy, Debug)]
pub enum Handler {
    Rust(RustHandler),
    /// `rte_telemetry_register_cmd`'s callback (non-NULL).
    C(telemetry_cb),
    /// `rte_telemetry_register_cmd_arg`'s callback (non-NULL) and argument.
    CArg(telemetry_arg_cb, AppArg),
}

struct Command {
    name: String,
    help: String,
    handler: Handler,
}

/// The commands, sorted by name; the library's are there from the start.
static TABLE: LazyLock<Mutex<Vec<Command>>> = LazyLock::new(|| {
    let mut t = Vec::new();
    for (name, help, f) in builtins() {
        insert(&mut t, name, help, Handler::Rust(f));
    }
    Mutex::new(t)
});

fn table() -> MutexGuard<'static, Vec<Command>> {
    TABLE.lock().unwrap_or_else(|p| p.into_inner())
}

type Builtin = (&'static str, &'static str, RustHandler);

fn builtins() -> Vec<Builtin> {
    let own: [Builtin; 3] = [
        (
            "/",
            "Returns list of available commands, Takes no parameters",
            list_commands,
        ),
        (
            "/info",
            "Returns DPDK Telemetry information. Takes no parameters",
            info,
        ),
        (
            "/help",
            "Returns help text for a command. Parameters: string command",
            help,
        ),
    ];
    own.into_iter()
        .chain(super::eal::COMMANDS.iter().copied())
        .chain(super::dmadev::COMMANDS.iter().copied())
        .collect()
}

fn insert(t: &mut Vec<Command>, name: &str, help: &str, handler: Handler) {
    let c = Command {
        name: name.into(),
        help: help.into(),
        handler,
    };
    match t.binary_search_by(|x| x.name.as_str().cmp(name)) {
        // A command registered again answers with its newest handler.
        Ok(i) => t[i] = c,
        Err(i) => t.insert(i, c),
    }
}

/// Registers `name` (DPDK's rules: starts with `/`, shorter than 56 bytes, letters,
/// digits, `_` and `/` only; help shorter than 128 bytes), else `-EINVAL`.
pub fn register(name: &[u8], help: &[u8], handler: Handler) -> i32 {
    let valid_name = name.first() == Some(&b'/')
        && name.len() < MAX_CMD_LEN
        && name
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'/');
    let null_fn = matches!(handler, Handler::C(None) | Handler::CArg(None, _));
    if !valid_name || null_fn || help.len() >= crate::abi::RTE_TEL_MAX_STRING_LEN as usize {
        return -libc::EINVAL;
    }
    let (Ok(name), help) = (std::str::from_utf8(name), String::from_utf8_lossy(help)) else {
        return -libc::EINVAL;
    };
    insert(&mut table(), name, &help, handler);
    0
}

fn list_commands(_: &str, _: Option<&str>, d: &mut TelData) -> i32 {
    d.start_array(ArrayType::Str);
    for c in table().iter() {
        d.add_array_string(c.name.as_bytes());
    }
    0
}

fn info(_: &str, _: Option<&str>, d: &mut TelData) -> i32 {
    d.start_dict();
    d.add_dict_string(b"version", crate::eal::RTE_VERSION.as_bytes());
    d.add_dict_int(b"pid", std::process::id() as i64);
    d.add_dict_int(b"max_output_len", json::MAX_OUTPUT_LEN as i64);
    0
}

/// `/help,<cmd>`: `{"<cmd>": help}`; bare `/help`: its own help as a string.
fn help(cmd: &str, params: Option<&str>, d: &mut TelData) -> i32 {
    let lookup = params.unwrap_or(cmd);
    d.start_dict();
    let t = table();
    let Some(c) = t.iter().find(|c| c.name == lookup) else {
        return -1;
    };
    match params {
        None => d.string(c.help.as_bytes()),
        Some(p) => d.add_dict_string(p.as_bytes(), c.help.as_bytes()),
    };
    0
}

/// The greeting a client gets on connecting.
pub fn greeting() -> String {
    format!(
        "{{\"version\":\"{}\",\"pid\":{},\"max_output_len\":{}}}",
        crate::eal::RTE_VERSION,
        std::process::id(),
        json::MAX_OUTPUT_LEN
    )
}

/// A request split as DPDK's `strtok_r` splits it: the command is the first
/// comma-free word (leading commas skipped), the parameters whatever follows the comma
/// after it (none if empty). Text ends at the first NUL.
fn split(request: &[u8]) -> (Option<String>, Option<String>) {
    let end = request
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(request.len());
    let text = String::from_utf8_lossy(&request[..end]);
    let text = text.trim_start_matches(',');
    if text.is_empty() {
        return (None, None);
    }
    match text.split_once(',') {
        Some((cmd, params)) => (
            Some(cmd.to_string()),
            (!params.is_empty()).then(|| params.to_string()),
        ),
        None => (Some(text.to_string()), None),
    }
}

/// Runs a handler; a panic in a library command answers `null` like a failure.
fn run(handler: Handler, cmd: &str, params: Option<&str>) -> Option<TelData> {
    let mut data = Box::new(TelData::new());
    let rc = match handler {
        Handler::Rust(f) => {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(cmd, params, &mut data)))
                .unwrap_or(-1)
        }
        Handler::C(Some(f)) => {
            let (c_cmd, c_params) = c_strings(cmd, params);
            let p = Box::into_raw(data);
            // SAFETY: the application's callback, registered for this command, with
            // NUL-terminated strings that outlive the call and the answer's data,
            // which it fills through the `rte_tel_data_*` calls; we take it back
            // after the call.
            let rc = unsafe { f(c_cmd.as_ptr(), opt_ptr(&c_params), p.cast::<rte_tel_data>()) };
            // SAFETY: `p` came from `Box::into_raw` above.
            data = unsafe { Box::from_raw(p) };
            rc
        }
        Handler::CArg(Some(f), arg) => {
            let (c_cmd, c_params) = c_strings(cmd, params);
            let p = Box::into_raw(data);
            // SAFETY: as above, plus the application's own argument.
            let rc = unsafe {
                f(
                    c_cmd.as_ptr(),
                    opt_ptr(&c_params),
                    arg.0,
                    p.cast::<rte_tel_data>(),
                )
            };
            // SAFETY: `p` came from `Box::into_raw` above.
            data = unsafe { Box::from_raw(p) };
            rc
        }
        Handler::C(None) | Handler::CArg(None, _) => -1,
    };
    (rc >= 0).then_some(*data)
}

/// The command and parameters as C strings (they hold no NUL: requests end at one).
fn c_strings(cmd: &str, params: Option<&str>) -> (CString, Option<CString>) {
    (
        CString::new(cmd).unwrap_or_default(),
        params.map(|p| CString::new(p).unwrap_or_default()),
    )
}

fn opt_ptr(s: &Option<CString>) -> *const core::ffi::c_char {
    s.as_ref().map_or(core::ptr::null(), |s| s.as_ptr())
}

/// The answer to one request: the command's data, or `null` for an unknown command,
/// a name of 56 bytes or more, or a handler that failed. A request without a command
/// (empty, or only commas) is answered as `(null)`, the name DPDK prints then.
pub fn respond(request: &[u8]) -> String {
    let (cmd, params) = split(request);
    let Some(cmd) = cmd else {
        return json::null_answer("(null)");
    };
    let shown: String = cmd
        .chars()
        .scan(0, |n, c| {
            *n += c.len_utf8();
            (*n < MAX_CMD_LEN + 1).then_some(c)
        })
        .collect();
    let handler = (cmd.len() < MAX_CMD_LEN)
        .then(|| table().iter().find(|c| c.name == cmd).map(|c| c.handler))
        .flatten();
    let Some(handler) = handler else {
        return json::null_answer(&shown);
    };
    match run(handler, &cmd, params.as_deref()) {
        Some(data) => json::answer(&cmd, &data),
        None => json::null_answer(&cmd),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_split_as_strtok_does() {
        let s = |r: &[u8]| split(r);
        assert_eq!(s(b"/a"), (Some("/a".into()), None));
        assert_eq!(s(b"/a,1"), (Some("/a".into()), Some("1".into())));
        assert_eq!(s(b"/a,"), (Some("/a".into()), None));
        assert_eq!(s(b",,/a,1,2"), (Some("/a".into()), Some("1,2".into())));
        assert_eq!(s(b"/a,,1"), (Some("/a".into()), Some(",1".into())));
        assert_eq!(s(b"/a\\0,1"), (Some("/a\\0".into()), Some("1".into())));
        assert_eq!(s(b"/a\x00,1"), (Some("/a".into()), None));
        assert_eq!(s(b",,,"), (None, None));
        assert_eq!(s(b""), (None, None));
    }

    #[test]
    fn builtin_commands_answer_with_dpdks_shapes() {
        let list = respond(b"/");
        assert!(list.starts_with(r#"{"/":["/","/dmadev/dump","#), "{list}");
        assert!(list.contains(r#""/help","/info""#), "{list}");
        assert_eq!(
            respond(b"/help,/info"),
            r#"{"/help":{"/info":"Returns DPDK Telemetry information. Takes no parameters"}}"#
        );
        assert_eq!(
            respond(b"/help"),
            r#"{"/help":"Returns help text for a command. Parameters: string command"}"#
        );
        assert_eq!(respond(b"/help,/nope"), r#"{"/help":null}"#);
        assert_eq!(respond(b"/nope,1"), r#"{"/nope":null}"#);
        assert_eq!(respond(b",,"), r#"{"(null)":null}"#);
        let long = [b'/'; 100];
        assert_eq!(respond(&long), format!("{{\"{}\":null}}", "/".repeat(56)));
        let info = respond(b"/info");
        let want = format!(
            r#"{{"/info":{{"version":"DPDK 26.11.0","pid":{},"max_output_len":16384}}}}"#,
            std::process::id()
        );
        assert_eq!(info, want);
    }

    #[test]
    fn registration_follows_dpdks_rules() {
        fn answer_42(_: &str, p: Option<&str>, d: &mut TelData) -> i32 {
            d.start_dict();
            d.add_dict_int(b"answer", 42);
            d.add_dict_string(b"params", p.unwrap_or("none").as_bytes());
            0
        }
        fn fail(_: &str, _: Option<&str>, _: &mut TelData) -> i32 {
            -libc::EIO
        }
        let h = Handler::Rust(answer_42);
        assert_eq!(register(b"no_slash", b"", h), -libc::EINVAL);
        assert_eq!(register(b"/bad-char", b"", h), -libc::EINVAL);
        assert_eq!(register(&[b'/'; 56], b"", h), -libc::EINVAL);
        assert_eq!(register(b"/t/ok", &[b'h'; 128], h), -libc::EINVAL);
        assert_eq!(register(b"/t/ok", b"", Handler::C(None)), -libc::EINVAL);
        assert_eq!(register(b"/t/ok", b"help", h), 0);
        assert_eq!(
            respond(b"/t/ok,a,b"),
            r#"{"/t/ok":{"answer":42,"params":"a,b"}}"#
        );
        assert_eq!(register(b"/t/fail", b"", Handler::Rust(fail)), 0);
        assert_eq!(respond(b"/t/fail"), r#"{"/t/fail":null}"#);
    }
}
