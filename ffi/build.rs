//! Compiles the exported functions that need C (variadic arguments: `rte_log`,
//! `rte_vlog`, `rte_exit`, `__rte_panic`) into the library.
fn main() {
    println!("cargo:rerun-if-changed=csrc/varargs.c");
    cc::Build::new()
        .file("csrc/varargs.c")
        .flag_if_supported("-Wall")
        .flag_if_supported("-Wextra")
        .warnings_into_errors(true)
        .compile("dmadev_varargs");
}
