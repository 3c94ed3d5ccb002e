//! Procedural macros of sio.
//!
//! This crate will hold the `#[consumer]` attribute, re-exported as
//! `sio::consumer`. Depend on `sio`, not on this crate.
