//! Shared fixtures of the interop tests (`tests/interop_*.rs`): real
//! clients (npm `socket.io-client` in Node and in Chromium,
//! `python-socketio`) against real sio servers.
//!
//! - [`consumers`]: the one consumer set every client talks to.
//! - [`servers`]: the main server (restartable on its port) and the
//!   small-payload server of one run.
//! - [`report`]: how binary is written in the JSON the scripts exchange.
//! - [`expect`]: what each client must have seen, scenario by scenario.
//!
//! A run starts both servers, runs one client script with one transport
//! setting (it runs every scenario and prints one JSON object), and checks
//! that object with [`expect::check`], which lists every mismatch at once.

#![allow(dead_code)]

pub mod consumers;
pub mod expect;
pub mod report;
pub mod servers;
