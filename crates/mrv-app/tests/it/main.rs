//! The crate's integration tests, one binary (one link instead of one per file: a shorter CI
//! build and a smaller target folder). Each module is one concern, as the files were before.

mod access;
mod access_requests;
mod basemaps;
mod data_changes;
mod export;
mod fuzz_regressions;
mod hardening_positions;
mod hardening_rasters;
mod import;
mod incidents;
mod layers;
mod quantities;
mod registry;
mod releases;
mod review;
mod review_properties;
mod stamp_forgery;
mod statement;
mod tamper;
