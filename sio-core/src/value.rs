//! Event argument values (to be written).
/// An event argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Value { /// null
 Null }
