pub mod document;
pub mod jcs;
pub mod normalize;
pub mod rows;
