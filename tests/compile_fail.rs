//! The misuse the safe API's types forbid does not compile: each file of
//! `tests/compile_fail/` must fail with the error its `.stderr` holds
//! (`TRYBUILD=overwrite cargo test --test compile_fail` rewrites them after a
//! compiler upgrade changes the wording).
#[test]
fn misuse_does_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}
