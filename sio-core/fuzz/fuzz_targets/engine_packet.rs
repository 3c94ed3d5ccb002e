#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sio_core_fuzz::engine_packet(data));
