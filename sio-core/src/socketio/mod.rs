//! Socket.IO v5 packets (to be written).
