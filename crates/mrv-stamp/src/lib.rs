pub mod document;
mod example;
pub mod jcs;
pub mod normalize;
pub mod rows;
