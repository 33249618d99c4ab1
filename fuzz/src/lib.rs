//! What each fuzz target checks (docs/fuzzing.md). A target hands libFuzzer's bytes to one
//! `check*` function, which panics when a property fails; a panic, an abort or a sanitizer report
//! is a crash.
//!
//! Each module is self-contained and uses only the crate whose parser it exercises (and that
//! crate's own dependencies): the crate's regression test includes the same file with
//! `#[path = "../../../fuzz/src/…"]` and runs it on stable over every file of
//! `fuzz/seeds/<target>/` and `fuzz/regressions/<target>/`, so a crash kept there is checked by
//! `cargo test` with exactly the fuzzer's assertions.

pub mod anchor;
pub mod corpus;
pub mod import;
pub mod profile;
pub mod stamp;
pub mod tlog;
