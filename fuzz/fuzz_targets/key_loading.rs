//! cargo-fuzz target `key_loading`: see `antom_fuzz::key_loading` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| antom_fuzz::key_loading(data));
