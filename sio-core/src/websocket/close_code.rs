//! The close codes of RFC 6455 §7.4.1 that this side sends.

/// The purpose of the connection is fulfilled.
pub const NORMAL: u16 = 1000;
/// The server is going away (shutting down).
pub const AWAY: u16 = 1001;
/// The peer broke the protocol.
pub const PROTOCOL: u16 = 1002;
/// A message's data was not valid (a text message that is not UTF-8).
pub const INVALID_DATA: u16 = 1007;
/// A message broke a policy of the server.
pub const POLICY: u16 = 1008;
/// A message was too big to process.
pub const TOO_BIG: u16 = 1009;
