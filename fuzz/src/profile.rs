//! The methodology profile parser (`methodology_profile`): `MethodologyProfile::from_toml` on the
//! input as UTF-8 text.
//!
//! Checked: parsing never panics; a profile it accepts has its id, date and claimed fields among
//! its fields with the kinds they need (the importer relies on it), serialises back to TOML, and
//! that TOML parses to an equal profile; every field of it checks a few probing values
//! (`validate_value`: empty, zero, huge and tiny exponents, a leap day, a non-number, a long
//! integer) without panicking.
//!
//! Used by the fuzz target and, through `#[path]`, by
//! `crates/mrv-core/tests/fuzz_regressions.rs`.

use mrv_core::{validate_value, FieldKind, MethodologyProfile};

const PROBES: [&str; 10] = [
    "",
    "0",
    "-0.0",
    "1e308",
    "1e-400",
    "2024-02-29",
    "abc",
    "9007199254740993",
    " 12.5 ",
    "1e99999999999",
];

/// The `methodology_profile` target; returns the profile when the input is one.
pub fn check(bytes: &[u8]) -> Option<MethodologyProfile> {
    let text = std::str::from_utf8(bytes).ok()?;
    let profile = MethodologyProfile::from_toml(text).ok()?;
    let kind = |name: &str| profile.field(name).map(|f| (f.kind, f.required));
    assert!(matches!(
        kind(&profile.id_field),
        Some((FieldKind::Text | FieldKind::Integer, true))
    ));
    assert_eq!(kind(&profile.date_field), Some((FieldKind::Date, true)));
    assert_eq!(
        kind(&profile.claimed_tco2e_field),
        Some((FieldKind::Number, true))
    );
    let written = toml::to_string(&profile)
        .unwrap_or_else(|e| panic!("an accepted profile serialises: {e}\n{profile:?}"));
    let again = MethodologyProfile::from_toml(&written)
        .unwrap_or_else(|e| panic!("the profile written back is refused: {e}\n{written}"));
    assert_eq!(again, profile, "{written}");
    for field in &profile.fields {
        for probe in PROBES {
            let _ = validate_value(field, probe);
        }
    }
    Some(profile)
}
