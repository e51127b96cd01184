//! Gives the shared library DPDK's soname, so programs record `librte_dmadev.so.27`.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,librte_dmadev.so.27");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
