//! Arbitrary bytes to `WarcReader` and everything run on each record (HTTP head and payload,
//! digests, dates, SURT, CDXJ facts). Must not panic, hang or allocate far beyond the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    annals_fuzz::check_reader(data, annals_fuzz::Layout::Plain);
});
