//! CDXJ indexing compatible with cdxj-indexer 1.5.0: SURT keys, POST-body
//! keys and Python-compatible JSON.
//!
//! annals writes CDXJ lines that must be byte-identical to what
//! `cdxj-indexer -s -p -d FILE` (the Webrecorder reference indexer) writes for
//! the same WARC, so indexes can be diffed against the reference and read by
//! pywb and wabac.js. This crate holds the pure string functions that decide
//! those bytes. None of them does IO.
//!
//! # Brief overview
//!
//! * [`surt`] turns a record URL into its lookup key exactly as the `surt`
//!   Python package 0.3.1 does under cdxj-indexer (`www` stripping, sorted and
//!   lower-cased query, IDNA 2003, percent-escape normalisation, …).
//! * [`append_method_query`] computes what `-p` adds for a POST or PUT
//!   exchange (the `requestBody` and `method` fields and the text appended to
//!   the URL), and [`post_key`] the resulting key.
//! * [`push_json_object`], [`push_json_str`] and [`dumps_pairs`] write JSON as
//!   Python's `json.dumps` does with default settings.
//!
//! # Example
//!
//! ```
//! use annals_cdxj::{dumps_pairs, surt};
//!
//! let url = "https://api.bilibili.com/x/web-interface/view?bvid=BV117411r7R1";
//! let line = format!(
//!     "{} {} {}",
//!     surt(url),
//!     "20261124011534",
//!     dumps_pairs(&[("url", url), ("mime", "application/json"), ("status", "200")]),
//! );
//! assert_eq!(
//!     line,
//!     "com,bilibili,api)/x/web-interface/view?bvid=bv117411r7r1 20261124011534 \
//!      {\"url\": \"https://api.bilibili.com/x/web-interface/view?bvid=BV117411r7R1\", \
//!      \"mime\": \"application/json\", \"status\": \"200\"}"
//! );
//! ```

#![deny(missing_docs)]

pub use crate::index::{CdxjFacts, is_pair};
pub use crate::postquery::{PostAppend, append_method_query, post_key};
pub use crate::pyjson::{dumps_pairs, push_json_object, push_json_str};
pub use crate::surt::surt;

mod idna2003;
mod index;
mod nameprep_tables;
mod postquery;
mod pyjson;
mod surt;
