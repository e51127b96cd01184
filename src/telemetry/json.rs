//! A command's answer as DPDK writes it: `{"<cmd>":<value>}`, compact, at most
//! `MAX_OUTPUT_LEN - 1` bytes. As in DPDK, an entry that does not fit is left out
//! (the answer stays valid JSON), strings escape `"`, `\`, newline, carriage return
//! and tab and drop other control characters. Unlike DPDK, the echoed command name is
//! escaped too (it is whatever a client sent) and a string too long for the answer
//! is cut rather than leaving the value empty.
use super::data::{Kind, TelData, Value};

/// Largest answer, with the C string's NUL (DPDK's `MAX_OUTPUT_LEN`).
pub const MAX_OUTPUT_LEN: usize = 16 * 1024;
/// Containers inside containers deeper than this answer `null` (a kept container
/// may point at its own parent).
const MAX_DEPTH: usize = 8;

/// Appends `s` as a JSON string, escaped as DPDK does.
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON string of `s` in at most `budget` bytes (cut at a character).
fn str_within(s: &str, budget: usize) -> String {
    let mut out = String::new();
    push_str(&mut out, s);
    if out.len() <= budget {
        return out;
    }
    let mut end = s.len().min(budget / 2);
    loop {
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        out.clear();
        push_str(&mut out, &s[..end]);
        if out.len() <= budget || end == 0 {
            return out;
        }
        end -= 1;
    }
}

/// A scalar or container value as JSON (a container in at most `budget` bytes).
fn value_json(v: &Value, budget: usize, depth: usize) -> String {
    let mut s = String::new();
    match v {
        Value::Str(x) => push_str(&mut s, x),
        Value::Int(x) => s = x.to_string(),
        Value::Uint(x) => s = x.to_string(),
        // SAFETY: a kept container is valid until the answer is written (its
        // builder's promise, see `Container`); answers are written right after the
        // command's handler returns.
        Value::Container(c) => return data_json(unsafe { c.get() }, budget, depth + 1),
    }
    s
}

/// `data` as JSON in at most `budget` bytes; entries that do not fit are left out.
pub fn data_json(data: &TelData, budget: usize, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return "null".into();
    }
    let (open, close, entries): (char, char, Vec<(Option<&str>, &Value)>) = match data.kind() {
        Kind::Null => return "null".into(),
        Kind::Str(s) => return str_within(s, budget),
        Kind::Dict(e) => (
            '{',
            '}',
            e.iter().map(|(n, v)| (Some(n.as_str()), v)).collect(),
        ),
        Kind::Array(_, items) => ('[', ']', items.iter().map(|v| (None, v)).collect()),
    };
    let mut out = String::from(open);
    for (name, v) in entries {
        let mut item = String::new();
        if out.len() > 1 {
            item.push(',');
        }
        if let Some(n) = name {
            push_str(&mut item, n);
            item.push(':');
        }
        // Room left for this item, keeping one byte for the closing bracket.
        let room = budget.saturating_sub(out.len() + item.len() + 1);
        item.push_str(&value_json(v, room, depth));
        if out.len() + item.len() < budget {
            out.push_str(&item);
        }
    }
    out.push(close);
    out
}

/// The whole answer to command `cmd`.
pub fn answer(cmd: &str, data: &TelData) -> String {
    let mut out = String::from("{");
    push_str(&mut out, cmd);
    out.push(':');
    // The answer, its closing brace and C's NUL fit in MAX_OUTPUT_LEN.
    let budget = MAX_OUTPUT_LEN.saturating_sub(out.len() + 2);
    out.push_str(&data_json(data, budget, 0));
    out.push('}');
    out
}

/// The answer when a command failed or is unknown: `{"<cmd>":null}`.
pub fn null_answer(cmd: &str) -> String {
    answer(cmd, &TelData::new())
}

#[cfg(test)]
mod tests {
    use super::super::data::ArrayType;
    use super::*;

    #[test]
    fn shapes_are_dpdks_compact_json() {
        let mut d = TelData::new();
        d.start_dict();
        d.add_dict_string(b"name", b"a\"b\\c\nd\x01e");
        d.add_dict_int(b"i", -3);
        d.add_dict_uint(b"u", u64::MAX);
        let mut caps = TelData::new();
        caps.start_dict();
        caps.add_dict_int(b"copy", 1);
        d.add_dict_owned("caps", caps);
        assert_eq!(
            answer("/x", &d),
            r#"{"/x":{"name":"a\"b\\c\nde","i":-3,"u":18446744073709551615,"caps":{"copy":1}}}"#
        );
        let mut a = TelData::new();
        a.start_array(ArrayType::Int);
        assert_eq!(answer("/l", &a), r#"{"/l":[]}"#);
        a.add_array_int(0);
        a.add_array_int(1);
        assert_eq!(answer("/l", &a), r#"{"/l":[0,1]}"#);
        assert_eq!(null_answer("/nope\"x"), r#"{"/nope\"x":null}"#);
        let mut s = TelData::new();
        s.string(b"line\n");
        assert_eq!(answer("/s", &s), r#"{"/s":"line\n"}"#);
    }

    #[test]
    fn answers_never_pass_the_limit_and_stay_valid() {
        let mut d = TelData::new();
        d.start_array(ArrayType::Str);
        for _ in 0..512 {
            d.add_array_string(&[b'z'; 100]);
        }
        let out = answer("/big", &d);
        assert!(out.len() < MAX_OUTPUT_LEN, "{}", out.len());
        assert!(out.ends_with("\"]}"), "closed: {}", &out[out.len() - 10..]);
        let kept = out.matches("zzz\"").count();
        assert!(kept > 100 && kept < 512, "{kept} entries kept");
        let mut s = TelData::new();
        s.string(&[b'\n'; 8191]);
        let out = answer("/s", &s);
        assert!(out.len() < MAX_OUTPUT_LEN && out.ends_with("\"}"));
    }
}
