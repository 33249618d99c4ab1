pub mod jcs;
pub mod normalize;
