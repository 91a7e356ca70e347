//! Integration tests of annals-ledger, one binary with topic modules.

mod malformed_input;
mod proofs;
