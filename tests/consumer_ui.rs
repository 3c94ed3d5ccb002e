//! Compile-fail tests of `#[consumer]`: each file of `tests/ui/` holds one
//! rejected shape, and its `.stderr` the errors, checked to point at the
//! offending tokens with a message saying what is accepted.
//!
//! Regenerate the expected output after a deliberate change with
//! `TRYBUILD=overwrite cargo test --test consumer_ui`, then read every diff.

#[test]
fn rejected_consumers_fail_to_compile_with_spanned_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
