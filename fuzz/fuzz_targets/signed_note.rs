#![no_main]
// What this target asserts: see mrv_fuzz::tlog::check_note and docs/fuzzing.md.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = mrv_fuzz::tlog::check_note(data);
});
