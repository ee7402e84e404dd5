//! AI apartment picker: a buyer says in Russian what they want, the picker understands, asks and finds.

pub mod filters;
pub mod parser;
