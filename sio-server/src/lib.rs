//! The runtime of sio.
