pub mod jcs;
