//! The gzip paths of `WarcReader`: raw gzip input, whole-file gzip, per-record members and
//! members cut at arbitrary places (see `annals_fuzz::check_gzip`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    annals_fuzz::check_gzip(data);
});
