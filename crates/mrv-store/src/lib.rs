//! MRV Desk workspace persistence: the SQLite database (WAL, foreign keys on), its append-only
//! migrations, and imported files stored content-addressed by SHA-256.
//!
//! Architecture invariant: SQL lives only in this crate, and every statement is parameterised.

mod access;
mod anchors;
mod backups;
mod basemaps;
mod blobs;
mod data_changes;
mod error;
mod exports;
mod findings;
mod incidents;
mod inventory;
mod layer_removal;
mod migrations;
mod people;
mod queries;
mod registry;
mod releases;
mod row_order;
mod rows;
mod statements;
mod values;
mod workspace;

pub use access::*;
pub use anchors::*;
pub use backups::*;
pub use basemaps::*;
pub use blobs::{BlobWriter, Sha256Hex};
pub use data_changes::*;
pub use error::StoreError;
pub use exports::*;
pub use findings::*;
pub use incidents::*;
pub use inventory::*;
pub use layer_removal::{batches_with_layer_evidence, delete_layer};
pub use migrations::{MigrationRecord, MIGRATIONS};
pub use people::*;
pub use queries::*;
pub use registry::{
    clear_registry_api_key, delete_registry_key_boxes, registry, registry_key_box,
    registry_key_box_users, set_registry, set_registry_key_box, RegistryRecord,
};
pub use releases::*;
pub use row_order::{
    flags_fingerprint, measurements_by_id, row_order, worst_flags, CompareOp, RowCondition,
    RowConstant, RowField, RowOrderSpec,
};
pub use rows::{row_ids, row_indices};
pub use rusqlite::{Connection, Transaction};
pub use statements::*;
pub use values::{decode_values, decode_values_into, push_json_string, ValuesError};
pub use workspace::{Workspace, DATABASE_FILE};
