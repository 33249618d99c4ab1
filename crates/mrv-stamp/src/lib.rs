//! Stamps of approved batches (spec `mrv-stamp/v2`, v1 still read; `docs/stamp-spec.md`): value
//! normalisation, RFC 8785 canonical JSON, row leaves and `rows_root`, the stamp document with
//! its hash and Ed25519 signature, row inclusion proofs, and the local journal's hash chain.
//! Pure: everything here is recomputable from files, without the database.

pub mod document;
mod example;
pub mod jcs;
pub mod journal;
pub mod normalize;
pub mod proof;
pub mod rows;
pub mod rules;
