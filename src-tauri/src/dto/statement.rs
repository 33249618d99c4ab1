//! Transport types of verification statements (`mrv_app::statement`): what was written, its
//! hash and anchor, and the figures it holds as PNG data URLs for the preview.

use super::AnchorDto;
use serde::Serialize;
use specta::Type;

/// One figure of a statement (its labels are set as text in the PDF, not in these pixels).
#[derive(Debug, Clone, Serialize, Type)]
pub struct StatementFigureDto {
    pub title: String,
    pub caption: String,
    /// `data:image/png;base64,…`
    pub data_url: String,
    pub width: u32,
    pub height: u32,
}

/// A statement as written.
#[derive(Debug, Clone, Serialize, Type)]
pub struct StatementDto {
    pub statement_id: f64,
    /// The audit-log record id, `statement-<n>`.
    pub record_id: String,
    pub batch_id: i64,
    pub version: f64,
    pub project_name: String,
    pub path: String,
    pub sha256: String,
    pub size_bytes: f64,
    pub pages: f64,
    pub created_by: String,
    pub created_at: String,
    pub stamp_hash: String,
    pub rows_root: String,
    /// Exact decimal texts, tCO2e.
    pub gross: String,
    pub buffer: String,
    pub net: String,
    pub flags: f64,
    pub justifications: f64,
    /// What the QR code on the first page holds.
    pub qr_payload: String,
    /// The statement's own anchor (kind `statement`).
    pub anchor: Option<AnchorDto>,
    pub figures: Vec<StatementFigureDto>,
}

impl From<mrv_app::StatementView> for StatementDto {
    fn from(s: mrv_app::StatementView) -> Self {
        use base64::Engine;
        StatementDto {
            statement_id: s.statement_id as f64,
            record_id: s.record_id,
            batch_id: s.batch_id,
            version: s.version as f64,
            project_name: s.project_name,
            path: s.path,
            sha256: s.sha256,
            size_bytes: s.size_bytes as f64,
            pages: s.pages as f64,
            created_by: s.created_by,
            created_at: s.created_at,
            stamp_hash: s.stamp_hash,
            rows_root: s.rows_root,
            gross: s.gross,
            buffer: s.buffer,
            net: s.net,
            flags: s.flags as f64,
            justifications: s.justifications as f64,
            qr_payload: s.qr_payload,
            anchor: s.anchor.map(Into::into),
            figures: s
                .figures
                .into_iter()
                .map(|f| StatementFigureDto {
                    title: f.title,
                    caption: f.caption,
                    data_url: format!(
                        "data:image/png;base64,{}",
                        base64::engine::general_purpose::STANDARD.encode(&f.png)
                    ),
                    width: f.width,
                    height: f.height,
                })
                .collect(),
        }
    }
}
