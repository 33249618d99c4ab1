pub mod document;
mod example;
pub mod jcs;
pub mod journal;
pub mod normalize;
pub mod rows;
