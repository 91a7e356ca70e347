//! Integration tests for annals-capture, against real servers on 127.0.0.1 started in each test.

mod util;

mod basic;
mod errors;
mod limits;
mod proxy;
mod redirects;
