//! `annals bench warc`: generated data, annals against the Python reference tools, in one run.

use anyhow::Result;

use crate::args::BenchArgs;

pub fn warc(_args: &BenchArgs, _quiet: bool) -> Result<()> {
    anyhow::bail!("annals bench warc is being written")
}
