//! Arbitrary UTF-8 to `annals_cdxj::surt`, `WarcDate::parse` and `digest::parse_digest`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    annals_fuzz::check_text(text);
});
