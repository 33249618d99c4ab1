//! The crate's integration tests, one binary (one link instead of one per file: a shorter CI
//! build and a smaller target folder). Each module is one concern, as the files were before.

mod access;
mod access_requests;
mod backup;
mod cli;
mod data_changes;
mod findings;
mod hardening_files;
mod incidents;
mod layer_remove;
mod quantities;
mod queue;
mod registry;
mod releases;
mod review;
mod statement;
mod tamper;
mod verify_pins;
