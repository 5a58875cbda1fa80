//! cargo-fuzz target `notification_json`: see `antom_fuzz::notification_json` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| antom_fuzz::notification_json(data));
