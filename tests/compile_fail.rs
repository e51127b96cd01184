//! The misuse the safe API's types forbid does not compile: each file of
//! `tests/compile_fail/` must fail with the error its `.stderr` holds
//! (`TRYBUILD=overwrite cargo test --test compile_fail` rewrites them after a
//! compiler upgrade changes the wording).
#[test]
fn misuse_does_not_compile() {
    // The expected messages are the stable compiler's; the sanitizer gates build
    // with nightly and -Z flags, which trybuild's inner build cannot reproduce.
    if std::env::var("RUSTFLAGS").is_ok_and(|f| f.contains("-Z")) {
        println!("skipped: RUSTFLAGS has -Z flags (a sanitizer build); run on stable");
        return;
    }
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}
