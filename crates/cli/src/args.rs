//! The command line as typed: clap definitions only, no IO.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// annals: watch online discourse, archive every exchange as standard WARC, and keep it.
#[derive(Debug, Parser)]
#[command(name = "annals", version, about, max_term_width = 100)]
#[command(
    after_help = "The data directory holds WARC files (the archive) and index.db (derived from them).\n\
Start with:  annals import FILE.warc.gz   then   annals records"
)]
pub struct Cli {
    /// Data directory [default: $XDG_DATA_HOME/annals or ~/.local/share/annals].
    #[arg(long, global = true, env = "ANNALS_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// No progress bars or informational messages.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the data directory (also done on first import or capture).
    #[command(after_help = "Example:\n  annals init\n  annals --data /srv/annals init")]
    Init,
    /// Copy WARC, ARC or WACZ files into the archive (the originals can then be deleted).
    #[command(
        after_help = "Formats are sniffed, not taken from the name: .warc, .warc.gz (per-record or whole-file gzip),\n\
.arc, .arc.gz, .wacz. Records already archived are skipped, so an interrupted import can simply be re-run.\n\n\
Example:\n  annals import crawl-2024.warc.gz collection.wacz"
    )]
    Import {
        /// Files to import.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Print the reports as JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// Fetch URLs once and archive request, response and metadata records.
    #[command(
        after_help = "Response bodies are kept exactly as transferred (compressed if the server compressed them).\n\
A payload identical to the last capture of the same URL is stored as a revisit record.\n\
Cookie, Authorization and Proxy-Authorization headers are redacted in the stored request unless --no-redact.\n\n\
Examples:\n  annals capture https://example.com/\n  annals capture --proxy socks5h://127.0.0.1:9050 https://www.bilibili.com/video/BV117411r7R1"
    )]
    Capture {
        /// URLs (http or https).
        #[arg(required = true, value_name = "URL")]
        urls: Vec<String>,
        #[command(flatten)]
        fetch: FetchArgs,
        /// Print the reports as JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// List the records in the archive, one CDXJ-like line each (sorted by URL key, then time).
    #[command(
        after_help = "Each line: <SURT key> <14-digit timestamp> <JSON: url, type, mime, status, digest, length, offset,\n\
filename, recordDigest, id>. --json prints every indexed field as a JSON object per line.\n\n\
Examples:\n  annals records\n  annals records --url https://example.com/ --json"
    )]
    Records {
        /// Only records whose target URL is exactly this.
        #[arg(long)]
        url: Option<String>,
        /// JSON lines instead of CDXJ-like lines.
        #[arg(long)]
        json: bool,
    },
    /// Write the archived payload of URL closest to a time to standard output.
    #[command(
        after_help = "Revisit records are followed to their original; chunked and gzip/deflate encodings are undone.\n\n\
Examples:\n  annals get https://example.com/ > page.html\n  annals get --at 20240101T1200 --headers https://example.com/"
    )]
    Get {
        /// The URL as captured (a URL with the same SURT key also matches).
        url: String,
        /// Time to be closest to: 20240101T1200, 20240101120000, 2024-01-01, or RFC 3339 [default: newest].
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Print the HTTP status line and headers before the body.
        #[arg(long)]
        headers: bool,
        /// Print which record was chosen as JSON instead of the payload.
        #[arg(long)]
        json: bool,
    },
    /// Export records as a WARC file or the archive's CDXJ index.
    #[command(subcommand)]
    Export(Export),
    /// Print the CDXJ index of WARC/ARC files without importing them (as `cdxj-indexer -s -p -d`).
    #[command(after_help = "Example:\n  annals cdxj crawl.warc.gz > crawl.cdxj")]
    Cdxj {
        /// WARC or ARC files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Rebuild index.db from the WARC files alone.
    #[command(after_help = "Example:\n  annals reindex")]
    Reindex,
    /// The tamper-evident log of every record: status and signed checkpoints.
    #[command(subcommand)]
    Ledger(Ledger),
    /// Check every record against its digest and the log, and every checkpoint's signature.
    #[command(
        after_help = "Names what is wrong and where: a damaged record (file and offset), a record missing from or\n\
added to the log, a log rewritten after a checkpoint, a bad signature. Exits 1 if anything is wrong.\n\n\
Examples:\n  annals verify\n  annals verify --full --json"
    )]
    Verify {
        /// Also re-read every WARC file to find records inserted or deleted behind the index's back.
        #[arg(long)]
        full: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a self-contained proof that a capture is in the signed log, checkable offline.
    #[command(
        after_help = "The bundle holds the stored record, its ledger entry, an inclusion proof and the signed\n\
checkpoint. Anyone can check it with `annals verify-proof`, without this data directory.\n\n\
Example:\n  annals ledger checkpoint && annals prove https://example.com/ -o proof.json"
    )]
    Prove {
        /// The URL as captured.
        url: String,
        /// Time to be closest to [default: newest].
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Output file (`-` for standard output).
        #[arg(short, long, default_value = "-")]
        output: PathBuf,
    },
    /// Check a proof bundle offline (needs no data directory).
    #[command(
        after_help = "With --key, the checkpoint must be signed by that published key; without it, only the\n\
bundle's internal consistency is proven.\n\nExample:\n  annals verify-proof proof.json --key annals.pub"
    )]
    VerifyProof {
        /// The proof bundle (JSON).
        proof: PathBuf,
        /// The log's verifier key, as published by the archivist (a file holding `name+id+key`).
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve a censored platform on loopback, with ground truth: for testing and demonstrations.
    #[command(
        after_help = "Speaks the Bilibili, Zhihu and Weibo API shapes and plain HTML pages. Items are published,\n\
grow, and get deleted, hidden, reviewed or region-locked over simulated time; anti-crawl blocks,\n\
5xx bursts and ghost flaps are injected. GET /_sim/items lists item URLs, /_sim/truth what really\n\
happened (JSONL).\n\n\
Example:\n  annals simulate --port 8700 --items 1000 --speed 60 --truth truth.jsonl"
    )]
    Simulate {
        /// Port on 127.0.0.1 (0 picks a free one; the address is printed).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Items to publish.
        #[arg(long, default_value_t = 10_000)]
        items: usize,
        /// Simulated seconds per real second.
        #[arg(long, default_value_t = 60.0)]
        speed: f64,
        /// Seed of the simulated world.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write the ground truth (JSONL) here on exit.
        #[arg(long, value_name = "FILE")]
        truth: Option<PathBuf>,
        /// Stop after this many real seconds [default: run until Ctrl-C].
        #[arg(long = "for", value_name = "SECONDS")]
        run_for: Option<u64>,
    },
    /// Measure annals against the reference tools on a generated WARC.
    #[command(subcommand)]
    Bench(Bench),
}

/// `annals export …`
#[derive(Debug, Subcommand)]
pub enum Export {
    /// A WARC file of the matching records (gzip per record if OUT ends in .gz).
    #[command(
        after_help = "Examples:\n  annals export warc all.warc.gz\n  annals export warc bili.warc.gz --url-prefix https://api.bilibili.com/ --since 2024-01-01"
    )]
    Warc {
        /// Output file.
        out: PathBuf,
        /// Only records whose URL starts with this.
        #[arg(long, value_name = "PREFIX")]
        url_prefix: Option<String>,
        /// Only records captured at or after this time.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only records captured at or before this time.
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
    },
    /// The archive's CDXJ index, sorted, as cdxj-indexer would write it for the archive's files.
    #[command(after_help = "Example:\n  annals export cdxj index.cdxj")]
    Cdxj {
        /// Output file (`-` for standard output).
        out: PathBuf,
    },
}

/// `annals ledger …`
#[derive(Debug, Subcommand)]
pub enum Ledger {
    /// Tree size, root hash, last checkpoint and the public key to verify checkpoints with.
    #[command(after_help = "Example:\n  annals ledger status --json")]
    Status {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sign a C2SP checkpoint of the log now (refused if the log is inconsistent with the last one).
    #[command(
        after_help = "The checkpoint is written to ledger/checkpoint and ledger/checkpoints/<size>.\n\nExample:\n  annals ledger checkpoint"
    )]
    Checkpoint,
}

/// `annals bench …`
#[derive(Debug, Subcommand)]
pub enum Bench {
    /// Generate a realistic WARC, then time annals against warcio and cdxj-indexer (Python).
    #[command(
        after_help = "Needs python3 with warcio and cdxj-indexer installed (pip install warcio cdxj-indexer).\n\n\
Example:\n  annals bench warc --records 200000"
    )]
    Warc(BenchArgs),
}

/// Options of `annals bench warc`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Records to generate (response/request pairs count as two).
    #[arg(long, default_value_t = 200_000)]
    pub records: u64,
    /// Working directory for the generated files [default: a temporary directory].
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print results as JSON.
    #[arg(long)]
    pub json: bool,
    /// Skip the Python peers (annals figures only).
    #[arg(long)]
    pub no_peers: bool,
}

/// Options of fetching.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Proxy for every request: http://, https://, socks5:// or socks5h:// (e.g. Tor).
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Overall timeout per request, in seconds.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// Largest body to keep, in bytes; larger bodies are archived truncated (WARC-Truncated: length).
    #[arg(long, default_value_t = 100 * 1024 * 1024, value_name = "BYTES")]
    pub max_size: u64,
    /// Keep Cookie/Authorization headers in stored request records (they may hold login secrets).
    #[arg(long)]
    pub no_redact: bool,
    /// User-Agent header [default: annals/<version>].
    #[arg(long)]
    pub user_agent: Option<String>,
    /// Extra request header, `Name: value` (repeatable), e.g. a login cookie.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
}
