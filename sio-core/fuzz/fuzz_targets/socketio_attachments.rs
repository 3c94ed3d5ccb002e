#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sio_core_fuzz::socketio_attachments(data));
