//! The core crate's layers, checked: each top-level module may use only modules of
//! lower layers (inside a module its files may use each other). A `use` that points
//! up, or a cycle, fails here with the file and the module it reached.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Bottom to top; modules on one line are peers that must not use each other.
const LAYERS: &[&[&str]] = &[
    &["abi"],
    &["error", "regex"],
    &["log"],
    &["config"],
    &["eal"],
    &["mempool"],
    &["trace"],
    &["registry", "validate"],
    &["api"],
    &["telemetry"],
    &["driver"],
    &["engines"],
    &["domain"],
    &["drivers"],
    &["runtime"],
    &["safe"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`None` for lib.rs).
fn owner(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_string())
}

/// The code of a file without its tests and comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Top-level modules a piece of code names through `crate::` (also inside
/// `use crate::{a, b::c}` groups), and `log` for the logging macros.
fn used_modules(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    used.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if rest[name.len()..].starts_with("::") {
                used.insert(name);
            }
        }
    }
    if code.contains("dma_log!") || code.contains("eal_log!") {
        used.insert("log".into());
    }
    used
}

#[test]
fn no_module_uses_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let Some(module) = owner(&src, file) else {
            continue;
        };
        let Some(mine) = layer_of(&module) else {
            wrong.push(format!("{}: module {module} has no layer", file.display()));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for used in used_modules(&code(&text)) {
            if used == module {
                continue;
            }
            match layer_of(&used) {
                Some(theirs) if theirs < mine => {}
                Some(_) => wrong.push(format!(
                    "{}: {module} uses {used}, which is not below it",
                    file.display()
                )),
                None => {} // an item of lib.rs (Error, Result) or a macro
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn the_checker_sees_uses_in_groups_and_paths() {
    let used = used_modules(
        "use crate::{api, registry::DevRef, Error};\nlet x = crate::eal::heap::alloc(1, 1); dma_log!(ERR, \"\");",
    );
    let want: BTreeSet<String> = ["api", "registry", "eal", "log"].map(String::from).into();
    assert_eq!(used, want);
    assert_eq!(code("a // crate::api::x\n#[cfg(test)] crate::b::c"), "a ");
}
