//! The names use cases accept, through mrv-core's one rule ([`mrv_core::normalize_name`]).

use crate::AppError;

/// `text` as the name of a `what` ("user name", "project name", "layer name"): trimmed, NFC,
/// refused with the reason when empty or holding an invisible character.
pub(crate) fn normalize(what: &str, text: &str) -> Result<String, AppError> {
    mrv_core::normalize_name(text).map_err(|problem| {
        AppError::InvalidInput(format!("{what} `{}` {problem}", text.escape_debug()))
    })
}

/// A user name: [`normalize`]d, and written in one script (no Cyrillic `а` in `ana`).
pub(crate) fn normalize_user(text: &str) -> Result<String, AppError> {
    let name = normalize("user name", text)?;
    mrv_core::names::check_single_script(&name).map_err(|problem| {
        AppError::InvalidInput(format!("user name `{}` {problem}", text.escape_debug()))
    })?;
    Ok(name)
}
