//! The crate's integration tests, one binary (one link instead of one per file: a shorter CI
//! build and a smaller target folder). Each module is one concern, as the files were before.

mod cli;
mod client;
mod common;
mod crash;
mod crash_programme;
mod export;
mod export_cli;
mod export_offers;
mod interop;
mod journal_anchor;
mod limits;
mod push;
mod release_monitor;
mod server;
mod stamp_anchor;
mod statement_anchor;
mod transport;
