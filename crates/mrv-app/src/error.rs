//! The use-case error: a stable code for programs and front ends, plus a message for people.

use mrv_core::ImportReport;
use serde::Serialize;
use thiserror::Error;

/// Machine-readable error kinds. Front ends switch on these, never on message text; the CLI maps
/// them to exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The folder is not a workspace, or the workspace is from a newer version.
    Workspace,
    /// Something named does not exist.
    NotFound,
    /// An argument is malformed (bad period, unknown CRS, bad mapping, …).
    InvalidInput,
    /// The input file has problems; see the report. Nothing was imported.
    ImportRejected,
    /// The same file was already imported for this project and period.
    DuplicateImport,
    /// The name is already used.
    Conflict,
    /// The user cancelled; nothing was written.
    Cancelled,
    /// Reading or writing a file failed.
    Io,
    /// The database or stored data failed; a bug or a damaged workspace.
    Internal,
    /// Not signed in: no or wrong credentials, or the session expired or ended.
    Unauthenticated,
    /// Signed in, but the user's roles (or segregation of duties) do not allow it.
    Forbidden,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Workspace => "workspace",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::ImportRejected => "import_rejected",
            ErrorCode::DuplicateImport => "duplicate_import",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Io => "io",
            ErrorCode::Internal => "internal",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
        }
    }
}

#[derive(Debug, Error)]
pub enum AppError {
    #[error("{0}")]
    Workspace(String),
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("{0}")]
    InvalidInput(String),
    #[error("{file} was not imported: {} problem(s) found", report.total)]
    ImportRejected { file: String, report: ImportReport },
    #[error("{file} was already imported for this project and period as batch {existing_batch}")]
    DuplicateImport { file: String, existing_batch: i64 },
    #[error("{0}")]
    Conflict(String),
    #[error("cancelled; nothing was written")]
    Cancelled,
    #[error("{0}")]
    Io(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Workspace(_) => ErrorCode::Workspace,
            AppError::NotFound { .. } => ErrorCode::NotFound,
            AppError::InvalidInput(_) => ErrorCode::InvalidInput,
            AppError::ImportRejected { .. } => ErrorCode::ImportRejected,
            AppError::DuplicateImport { .. } => ErrorCode::DuplicateImport,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::Cancelled => ErrorCode::Cancelled,
            AppError::Io(_) => ErrorCode::Io,
            AppError::Internal(_) => ErrorCode::Internal,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
        }
    }

    /// The problem report of a rejected import.
    pub fn report(&self) -> Option<&ImportReport> {
        match self {
            AppError::ImportRejected { report, .. } => Some(report),
            _ => None,
        }
    }

    pub(crate) fn rejected(file: &str, report: ImportReport) -> AppError {
        AppError::ImportRejected {
            file: file.to_owned(),
            report,
        }
    }
}

impl From<mrv_store::StoreError> for AppError {
    fn from(e: mrv_store::StoreError) -> AppError {
        use mrv_store::StoreError as S;
        match e {
            S::NotAWorkspace(_) | S::TooNew { .. } => AppError::Workspace(e.to_string()),
            S::Io { .. } => AppError::Io(e.to_string()),
            S::Sqlite(_) | S::Corrupt(_) => AppError::Internal(e.to_string()),
        }
    }
}

impl From<mrv_geo::GeoError> for AppError {
    fn from(e: mrv_geo::GeoError) -> AppError {
        AppError::InvalidInput(e.to_string())
    }
}

impl From<mrv_core::Denied> for AppError {
    fn from(e: mrv_core::Denied) -> AppError {
        AppError::Forbidden(e.to_string())
    }
}

impl From<mrv_identity::IdentityError> for AppError {
    fn from(e: mrv_identity::IdentityError) -> AppError {
        use mrv_identity::IdentityError as I;
        match e {
            I::WeakPassword => AppError::InvalidInput(e.to_string()),
            I::WrongPassword => AppError::Unauthenticated(e.to_string()),
            I::Random(_) | I::BadHash(_) | I::BadBox => AppError::Internal(e.to_string()),
        }
    }
}
