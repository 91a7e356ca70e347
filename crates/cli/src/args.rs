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
        /// Items are published over this much simulated time (e.g. 2h, 1d).
        #[arg(long, default_value = "1d", value_name = "DURATION")]
        publish_window: String,
    },
    /// Watch items: add URLs or ids to a watchlist, import a list, list what is watched.
    #[command(subcommand)]
    Watch(Watch),
    /// Discovery: watch a seed (an uploader, a Weibo user, a feed) whose new items are added
    /// to the list as they appear.
    #[command(subcommand)]
    Seed(Seed),
    /// Import a researcher's table (CSV or JSONL): rows become items, observations and events,
    /// each row archived first.
    #[command(
        name = "import-table",
        after_help = "--map names the columns, as KEY=COLUMN pairs separated by commas:
  url=COL | id=COL[+COL...]   what names each item (one of them is required). A URL annals knows
                              (Bilibili, Zhihu, Weibo, a web page) becomes that item; id= names items
                              of datasets with no URL (several columns are joined), under --platform.
  observed=COL                when the row was seen (default: published=COL); one observation per row
  title=, text=, author=, published=COL     the content
  text_file=COL               the text is in the file the column names (in --files DIR, default the
                              table's directory; Jekyll/YAML front matter is dropped)
  state=COL                   `gone`, `deleted`, `removed`, `censored`, `hidden`, `review` or an annals
                              state name is that state; a flag true/yes is gone, false/no live; any
                              other value (`hot`, `rising`) means seen live
  gone_at=COL, reason=COL     the dataset says the item disappeared then (reason as for state)
  metric.NAME=COL             a count (12345, 1,234, 1.2万, 100万+)
Times: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS]]` (in --utc-offset), or unix seconds/milliseconds.

Every row is archived as a WARC resource record (the original row and what was read from it), so the
ledger covers it and `annals reindex` rebuilds everything. A bad row is reported with its line and
reason and skipped whole; the others are imported. Imported items are never fetched.

Examples:
  annals import-table hot.csv --list weibo-hot --platform weibo-hot-search --utc-offset +08:00 \\
      --map id=day_file+text,title=text,observed=snapshot_time,state=status,metric.heat=count
  annals import-table deleted.jsonl --map url=link,title=title,published=date,gone_at=deleted,reason=why
  annals import-table articles/index.csv --files articles/_posts --platform articles \\
      --map id=file,title=title,published=date,text_file=file,state=deleted_marker"
    )]
    ImportTable(ImportTableArgs),
    /// Full-text search of every content version, Chinese-aware, with the items' states.
    #[command(
        after_help = "Query syntax: words (all must match), \"phrases\", OR, NOT or -word, parentheses, and fields
title:, text:, author:, comments:. Chinese is segmented as jieba does (two-character words inside
longer ones are found: 国歌 in 中华人民共和国国歌), and traditional characters fold to simplified
(網絡 finds 网络). A user dictionary for slang and coded words can be put in the data directory
as userdict.txt (jieba's format: word [freq] [tag] per line); the index is rebuilt when it changes.

The index (DATA/search/) is derived: it catches up before each search and every minute while
`annals run` observes; `annals reindex` rebuilds it.

Examples:
  annals search '国歌'
  annals search '\"人工智能\" OR 大模型' --state gone --platform weibo
  annals search 'title:疫苗 -谣言' --list health --since 2026-01-01 --json"
    )]
    Search(SearchArgs),
    /// Serve the web UI and JSON API (`/api/v1`) of the archive.
    ///
    /// Takes the data directory's lock like every writing command: to browse while observing,
    /// serve from the observer itself with `annals run --bind`. Bound to loopback by default;
    /// another address is refused until authentication is configured.
    ///
    ///   annals serve                       # http://127.0.0.1:8470/
    ///   annals serve --public --bind 127.0.0.1:9000
    Serve(ServeArgs),
    /// Keyword trends: items per day, week or month matching each term, the share later gone,
    /// and bursts.
    #[command(
        after_help = "An item matches a term when all the term's words occur in its title, segmented and folded as
the search index does (Chinese words by jieba; traditional characters fold to simplified, so 網絡
matches 网络). A burst is a bucket significantly above the term's trailing baseline (one-sided
Poisson test, p < 0.001, at least twice the baseline and 5 items).

Examples:
  annals trend 台风 暴雨 --by day --since 2026-07-01
  annals trend 疫苗 --by week --csv > vaccine.csv
  annals trend 疫苗 --svg vaccine.svg"
    )]
    Trend(TrendArgs),
    /// Reports: deletions (survival, latency, hour of day, per-term rates), metric
    /// trajectories, or all of it as one HTML page.
    #[command(subcommand)]
    Report(ReportCmd),
    /// The observer: schedule, fetch, archive, parse and record events until Ctrl-C.
    #[command(
        after_help = "Every due item is fetched within the request budget (youngest and confirming items first),
every exchange is archived, and observations and events are derived from the archived records.
Ctrl-C (or SIGTERM) finishes the fetches in flight, archives them and signs a ledger checkpoint.
A restart (even after kill -9) resumes: nothing archived is lost and overdue items are caught up by priority.

Settings live in the data directory's annals.toml ([observer], [lists.NAME]).

With --bind, the same process serves the web UI and API (as `annals serve` does, same security
policy) while it observes: pages read through their own index connections, watch actions from
the UI are archived by the observer.

Examples:
  annals run
  annals run --bind 127.0.0.1:8470
  annals run --budget 120/min --workers 8
  annals run --simulator http://127.0.0.1:8700 --for 6h"
    )]
    Run(RunArgs),
    /// An item's state, metric series, content versions and events.
    #[command(after_help = "Example:
  annals item https://www.bilibili.com/video/BV117411r7R1
  annals item 12 --json")]
    Item {
        /// URL, platform id or item number.
        key: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The disappearance feed (and every other event).
    #[command(
        after_help = "Kinds: appeared, edited, restricted, unrestricted, disappeared, reappeared, reclassified, ghost;
`gone` means disappeared. A disappearance is an interval: it happened after last_seen_live and by first_seen_gone.

Example:
  annals events --kind gone --since 2024-06-01"
    )]
    Events {
        /// Only events at or after this time.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only these kinds (repeatable; `gone` = disappeared).
        #[arg(long, value_name = "KIND")]
        kind: Vec<String>,
        /// Print JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// A guided tour: a censored platform on loopback and `annals run` against it, accelerated.
    #[command(
        after_help = "Starts the simulator (items are published, grow, get deleted, hidden or region-locked;
anti-crawl blocks, outages and ghost flaps are injected), watches what it publishes, and observes it at
--speed simulated seconds per second. At the end it prints what was found against the ground truth and
the commands to look at it.

Example:
  annals demo
  annals --data /tmp/demo demo --items 500 --minutes 1"
    )]
    Demo {
        /// Items the simulated platform publishes.
        #[arg(long, default_value_t = 300)]
        items: usize,
        /// Real minutes to run.
        #[arg(long, default_value_t = 1.0)]
        minutes: f64,
        /// Simulated seconds per real second.
        #[arg(long, default_value_t = 600.0)]
        speed: f64,
    },
    /// Measure annals against the reference tools on a generated WARC.
    #[command(subcommand)]
    Bench(Bench),
    // --- accounts for the web interface (annals-web-auth) ---
    /// Accounts that may log in to the web interface (`annals serve`).
    #[command(subcommand)]
    User(UserCmd),
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
    /// A WACZ 1.1.1 package carrying its own evidence: checkpoint and inclusion proofs.
    #[command(
        after_help = "Holds archive/ (the WARCs, stored byte for byte), indexes/, pages/pages.jsonl, the log's signed\n\
checkpoint and the inclusion proof of every record (annals/), datapackage.json and datapackage-digest.json.\n\
--sign adds an anonymous ECDSA P-384 signature with the key in ledger/wacz-signing.pem (created on first\n\
use): anyone holding the WACZ can link it to every other WACZ you sign with that key.\n\n\
Examples:\n  annals export wacz all.wacz --sign\n  annals export wacz recent.wacz --since 2024-01-01 --json"
    )]
    Wacz {
        /// Output file.
        out: PathBuf,
        /// Only records captured at or after this time.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only the records of this watchlist's items, with a page per item.
        #[arg(long, value_name = "NAME")]
        list: Option<String>,
        /// Sign the package with this data directory's anonymous WACZ key.
        #[arg(long)]
        sign: bool,
        /// Also extract each page's readable text into pages.jsonl (slow: a full HTML parse per page).
        #[arg(long)]
        text: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
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
    /// Evaluate the adaptive re-observation policy against uniform polling at the same budget,
    /// on a simulated censored platform in simulated time (no network, no disk).
    #[command(
        after_help = "Detection latency, missed and false disappearances and reason accuracy against the simulator's ground truth.\n\n\
Example:\n  annals bench observe --items 10000 --budget 600 --json"
    )]
    Observe(BenchObserveArgs),
    /// Time the ledger: log appends (entry, leaf hash, tree, SQLite commit in batches),
    /// checkpoints with tiles, and `annals verify [--full]` on a generated archive.
    #[command(
        after_help = "Goals: >= 100,000 leaves/s appended, >= 200 MB/s for `annals verify --full`.

Example:
  annals bench ledger --leaves 1000000 --records 200000 --json"
    )]
    Ledger(BenchLedgerArgs),
    /// Time `annals export wacz` against py-wacz's `wacz create` on the same generated WARC.
    #[command(
        after_help = "Needs `wacz` (pip install wacz==0.6.0) unless --no-peers. Goal: annals >= 10x faster.

Example:
  annals bench wacz --records 40000 --json
  annals bench wacz --records 20000 --memory-records 80000"
    )]
    Wacz(BenchWaczArgs),
    /// Time search and analysis: segmentation + indexing against Python jieba, search latency
    /// and a trend by day over generated posts, and `annals import-table`.
    #[command(
        after_help = "Uses the deleted-articles corpus (../shared/data/deleted-articles/_posts, or --corpus) for text;
Python jieba (pip install jieba==0.42.1) is the peer, its ratio SKIPPED when it is missing.
Goals (issue 5): >= 10x jieba; at 1,000,000 posts search p95 < 50 ms and a one-term trend by day
< 300 ms; import-table >= 100,000 rows/s.

Examples:
  annals bench search --json
  annals bench search --posts 100000 --rows 20000"
    )]
    Search(BenchSearchArgs),
    /// Time every web page and API endpoint on a large archive of synthetic rows.
    #[command(
        after_help = "The data directory (in a temporary directory unless --dir, removed at the end) is filled with
synthetic rows through the store: items, observations with metrics, content versions and events
in realistic proportions. They are not archived data (no WARC record stands behind them).
Goal (issue 6): every page under 100 ms at 1,000,000 items and 10,000,000 observations.

Examples:
  annals bench web
  annals bench web --items 2000 --observations 20000 --json"
    )]
    Web(BenchWebArgs),
}

/// Options of `annals bench web`.
#[derive(Debug, Args)]
pub struct BenchWebArgs {
    /// Items watched.
    #[arg(long, default_value_t = 1_000_000)]
    pub items: u64,
    /// Observations, spread over the items.
    #[arg(long, default_value_t = 10_000_000)]
    pub observations: u64,
    /// Content versions given to the search index (the newest).
    #[arg(long, default_value_t = 50_000)]
    pub indexed: u64,
    /// Timed requests per page (after two warm-up ones).
    #[arg(long, default_value_t = 20)]
    pub repeat: usize,
    /// Working directory [default: a temporary directory].
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print results as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `annals bench search`.
#[derive(Debug, Args)]
pub struct BenchSearchArgs {
    /// Synthetic posts to index and search.
    #[arg(long, default_value_t = 1_000_000)]
    pub posts: u64,
    /// Timed searches.
    #[arg(long, default_value_t = 300)]
    pub queries: usize,
    /// Rows of the generated table given to `annals import-table`.
    #[arg(long, default_value_t = 100_000)]
    pub rows: u64,
    /// Folder of the corpus's Jekyll posts (*.md) [default: ../shared/data/deleted-articles/_posts].
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// Use only the first N articles of the corpus (sorted by file name) [default: all].
    #[arg(long, value_name = "N")]
    pub articles: Option<usize>,
    /// Working directory [default: a temporary directory].
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print results as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `annals bench wacz`.
#[derive(Debug, Args)]
pub struct BenchWaczArgs {
    /// Records to generate (response/request pairs count as two).
    #[arg(long, default_value_t = 40_000)]
    pub records: u64,
    /// Working directory [default: a temporary directory].
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print results as JSON.
    #[arg(long)]
    pub json: bool,
    /// Skip py-wacz (annals figures only).
    #[arg(long)]
    pub no_peers: bool,
    /// Also export an archive of this many records (annals only) and report the peak RSS of
    /// both exports: it should not grow with the archive.
    #[arg(long)]
    pub memory_records: Option<u64>,
    /// Keep the generated WARC and the imported data directory in `--dir` (`data/`), to time
    /// further exports of it by hand.
    #[arg(long, requires = "dir")]
    pub keep: bool,
}

/// Options of `annals bench ledger`.
#[derive(Debug, Args)]
pub struct BenchLedgerArgs {
    /// Leaves to append in the append benchmark.
    #[arg(long, default_value_t = 1_000_000)]
    pub leaves: u64,
    /// Leaves per commit (the archive commits 1000-record batches when importing).
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    /// Records of the generated archive that `annals verify` reads.
    #[arg(long, default_value_t = 200_000)]
    pub records: u64,
    /// Working directory [default: a temporary directory].
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print results as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `annals bench observe`.
#[derive(Debug, Args)]
pub struct BenchObserveArgs {
    /// Items in the simulated world (published over 3 simulated days).
    #[arg(long, default_value_t = 10_000)]
    pub items: usize,
    /// Request budget shared by both policies, requests per minute.
    #[arg(long, default_value_t = 600, value_name = "PER_MIN")]
    pub budget: u32,
    /// Seed of the simulated world.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Consecutive observations confirming a disappearance.
    #[arg(long, default_value_t = 2)]
    pub confirmations: u32,
    /// Minimum seconds between the first and the confirming observation of a disappearance
    /// [default: `annals run`'s confirm_span, 15 minutes].
    #[arg(long, value_name = "SECONDS")]
    pub min_span: Option<i64>,
    /// Items observed end to end by the real shell (throughput and bytes per unchanged
    /// observation); 0 skips the shell measurements.
    #[arg(long, default_value_t = 20_000)]
    pub shell_items: usize,
    /// Items queued for the memory measurement of `annals run`.
    #[arg(long, default_value_t = 1_000_000)]
    pub rss_items: usize,
    /// Print results as JSON.
    #[arg(long)]
    pub json: bool,
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

/// `annals watch …`
#[derive(Debug, Subcommand)]
pub enum Watch {
    /// Watch URLs or ids.
    #[command(
        after_help = "Understands Bilibili videos (URL, BV or av id), Zhihu questions and answers, Weibo posts,
RSS/Atom feeds and any other http(s) URL (a web page).

Examples:
  annals watch add BV117411r7R1 https://www.zhihu.com/question/19550225
  annals watch add --list breaking --policy hot https://m.weibo.cn/detail/4890736531523887"
    )]
    Add {
        /// URLs or ids.
        #[arg(required = true, value_name = "URL")]
        urls: Vec<String>,
        #[command(flatten)]
        opts: WatchOpts,
    },
    /// Watch every URL in a file: one per line, or a CSV with a `url` column.
    #[command(after_help = "Example:
  annals watch import urls.txt --list topic")]
    Import {
        /// The file (`-` for standard input).
        file: PathBuf,
        #[command(flatten)]
        opts: WatchOpts,
    },
    /// Stop observing items for now (archived, so `annals reindex` keeps it).
    #[command(
        after_help = "Items are named by row id (the ID column of `annals watch ls`), URL or platform id.

Example:
  annals watch pause 12 https://www.zhihu.com/question/19550225"
    )]
    Pause {
        /// Items: row ids, URLs or platform ids.
        #[arg(required = true, value_name = "ITEM")]
        items: Vec<String>,
    },
    /// Observe paused items again.
    #[command(after_help = "Example:
  annals watch resume 12")]
    Resume {
        /// Items: row ids, URLs or platform ids.
        #[arg(required = true, value_name = "ITEM")]
        items: Vec<String>,
    },
    /// Set a watchlist's policy: for its items now and for items added to it later.
    #[command(
        after_help = "Policies: default, hot (young items often), daily, or a list defined in annals.toml.
The change is archived as a control record, so `annals reindex` restores it.

Example:
  annals watch policy breaking hot"
    )]
    Policy {
        /// The watchlist.
        list: String,
        /// The policy.
        policy: String,
    },
    /// List watched items: state, last seen, next due.
    #[command(after_help = "Example:
  annals watch ls --list breaking")]
    Ls {
        /// Only this watchlist.
        #[arg(long)]
        list: Option<String>,
        /// Print JSON lines.
        #[arg(long)]
        json: bool,
    },
}

/// Options shared by `watch add` and `watch import`.
#[derive(Debug, Args)]
pub struct WatchOpts {
    /// Watchlist name.
    #[arg(long, default_value = "default")]
    pub list: String,
    /// Policy: default, hot, daily, or one defined in annals.toml [default: the list's].
    #[arg(long)]
    pub policy: Option<String>,
    /// Print JSON lines.
    #[arg(long)]
    pub json: bool,
}

/// `annals search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// The query (see below).
    pub query: String,
    /// Only items of this watchlist.
    #[arg(long)]
    pub list: Option<String>,
    /// Only items now in this state: gone, live, under_review, disappeared (any), gone:author_deleted, ...
    #[arg(long)]
    pub state: Option<String>,
    /// Only this platform: bilibili, zhihu, weibo, web, feed (or an imported table's).
    #[arg(long)]
    pub platform: Option<String>,
    /// Only versions dated (published, else observed) at or after this time.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only versions dated before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Results per page.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Page number (from 1).
    #[arg(long, default_value_t = 1)]
    pub page: usize,
    /// Print the results as JSON (with highlighted HTML snippets).
    #[arg(long)]
    pub json: bool,
}

/// Where a report goes (none of them: a summary on the terminal).
#[derive(Debug, clap::Args)]
pub struct Output {
    /// Print the tables as CSV (the first table; all of them with --csv-dir).
    #[arg(long)]
    pub csv: bool,
    /// Write every table as DIR/NAME.csv.
    #[arg(long, value_name = "DIR", requires = "csv")]
    pub csv_dir: Option<PathBuf>,
    /// Print the tables as one JSON document.
    #[arg(long)]
    pub json: bool,
    /// Write the charts: into a directory, or the first chart to a FILE.svg.
    #[arg(long, value_name = "DIR|FILE.svg")]
    pub svg: Option<PathBuf>,
}

/// `annals trend`.
#[derive(Debug, clap::Args)]
pub struct TrendArgs {
    /// Terms (words or short phrases).
    #[arg(required = true)]
    pub terms: Vec<String>,
    /// Bucket: day, week or month.
    #[arg(long, default_value = "day")]
    pub by: String,
    /// Only items of this watchlist.
    #[arg(long)]
    pub list: Option<String>,
    /// Only items published at or after this time.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only items published before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Calendar zone of the buckets.
    #[arg(
        long,
        default_value = "+08:00",
        value_name = "+HH:MM",
        allow_hyphen_values = true
    )]
    pub utc_offset: String,
    #[command(flatten)]
    pub out: Output,
}

/// `annals report …`
#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Deletions: survival curves, latency, hour of day, daily rates, per-term tests.
    #[command(
        after_help = "Deletion times are intervals [last seen live, first seen gone]. Survival is given two ways:
Kaplan-Meier on the interval midpoints (with Greenwood's 95 % band), and Turnbull's estimator for
interval-censored data. Items not gone are censored at their last live observation. Hours of day
and days are in --utc-offset (UTC+8 by default, the platforms' zone). --by term tests each title
word's deletion share against the overall share (exact binomial, Benjamini-Hochberg q-values).

Examples:
  annals report deletions --list weibo-hot
  annals report deletions --by term --csv --csv-dir tables/
  annals report deletions --svg charts/"
    )]
    Deletions(ReportDeletionsArgs),
    /// Metric trajectories against item age: median and quartiles across a list, growth, and
    /// one item against its list's median.
    #[command(after_help = "Examples:
  annals report metrics --list weibo-hot --metric heat
  annals report metrics https://www.bilibili.com/video/BV117411r7R1 --metric view --svg view.svg")]
    Metrics(ReportMetricsArgs),
    /// One self-contained HTML page with every chart and table (deletions and metrics).
    #[command(after_help = "Example:\n  annals report html report/ --list weibo-hot")]
    Html {
        /// Directory to write index.html into.
        dir: PathBuf,
        /// Only items of this watchlist.
        #[arg(long)]
        list: Option<String>,
        /// Zone of hours and days.
        #[arg(
            long,
            default_value = "+08:00",
            value_name = "+HH:MM",
            allow_hyphen_values = true
        )]
        utc_offset: String,
    },
}

/// `annals report deletions`.
#[derive(Debug, clap::Args)]
pub struct ReportDeletionsArgs {
    /// Only items of this watchlist.
    #[arg(long)]
    pub list: Option<String>,
    /// Summaries by reason, platform or term.
    #[arg(long, value_name = "reason|platform|term")]
    pub by: Option<String>,
    /// Terms need this many items to be tested.
    #[arg(long, default_value_t = 50)]
    pub min_term_items: u64,
    /// Zone of hours and days.
    #[arg(
        long,
        default_value = "+08:00",
        value_name = "+HH:MM",
        allow_hyphen_values = true
    )]
    pub utc_offset: String,
    #[command(flatten)]
    pub out: Output,
}

/// `annals report metrics`.
#[derive(Debug, clap::Args)]
pub struct ReportMetricsArgs {
    /// One item (URL, id or number), drawn against its list's median.
    #[arg(conflicts_with = "list")]
    pub item: Option<String>,
    /// A whole watchlist.
    #[arg(long)]
    pub list: Option<String>,
    /// The metric (view, like, heat, …).
    #[arg(long, default_value = "view")]
    pub metric: String,
    /// Log scale for the values.
    #[arg(long)]
    pub log: bool,
    #[command(flatten)]
    pub out: Output,
}

/// `annals import-table`.
#[derive(Debug, clap::Args)]
pub struct ImportTableArgs {
    /// CSV file with a header row, or JSONL (one object per line).
    pub file: PathBuf,
    /// Which column feeds which field: KEY=COLUMN,... (see below).
    #[arg(long, value_name = "KEY=COL,...")]
    pub map: String,
    /// Platform of items named by id= (e.g. weibo-hot-search) [default: table].
    #[arg(long)]
    pub platform: Option<String>,
    /// Watchlist of the imported items.
    #[arg(long, default_value = "imported")]
    pub list: String,
    /// UTC offset of times written without one (+08:00 for Beijing time).
    #[arg(
        long,
        default_value = "+00:00",
        value_name = "+HH:MM",
        allow_hyphen_values = true
    )]
    pub utc_offset: String,
    /// csv or jsonl [default: by the file's extension, else sniffed].
    #[arg(long)]
    pub format: Option<String>,
    /// Directory of the files a text_file= column names [default: the table's directory].
    #[arg(long, value_name = "DIR")]
    pub files: Option<PathBuf>,
    /// Read and check every row; archive nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import a file that was imported before (its observations are then counted twice).
    #[arg(long)]
    pub again: bool,
    /// Print the report as JSON (bad rows included, up to 1000).
    #[arg(long)]
    pub json: bool,
}

/// `annals seed …`
#[derive(Debug, Subcommand)]
pub enum Seed {
    /// Add a seed.
    #[command(
        after_help = "KIND is one of: feed (an RSS/Atom URL), weibo-user (a user id or URL), bilibili-uploader
(a mid or space.bilibili.com URL), zhihu-question (a question URL or id: its answers).

bilibili-uploader observes the uploader's video list (x/space/wbi/arc/search, newest 30, WBI-signed
with keys fetched from x/web-interface/nav, which is archived too) and watches every video it lists.
A refused signature (-403) or risk control (-352) is recorded as blocked, never as a deletion.

Examples:
  annals seed add feed https://example.org/feed.xml --list blogs
  annals seed add bilibili-uploader 53456 --list uploaders"
    )]
    Add {
        /// feed | weibo-user | bilibili-uploader | zhihu-question
        kind: String,
        /// URL or id.
        target: String,
        #[command(flatten)]
        opts: WatchOpts,
    },
}

/// `annals run` options.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Requests in flight at most [default: annals.toml, else 32].
    #[arg(long)]
    pub workers: Option<usize>,
    /// Request budget over all hosts, e.g. 600/min [default: annals.toml, else 600/min].
    #[arg(long)]
    pub budget: Option<String>,
    /// Stop after this long (clock time: simulated with --simulator), e.g. 90s, 30m, 6h.
    #[arg(long = "for", value_name = "DURATION")]
    pub run_for: Option<String>,
    /// Observe an `annals simulate` server: its clock, its platforms, and the items it publishes.
    #[arg(long, value_name = "URL")]
    pub simulator: Option<String>,
    /// Print a status line this often (seconds; 0: never).
    #[arg(long, default_value_t = 10)]
    pub status_every: u64,
    /// Print the final report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also serve the web UI and API on this address while observing (loopback unless
    /// accounts exist, as `annals serve`).
    #[arg(long, value_name = "ADDR:PORT")]
    pub bind: Option<std::net::SocketAddr>,
    /// With --bind: read-only (no watch management, no configuration shown).
    #[arg(long, requires = "bind")]
    pub public: bool,
}

/// `annals user …`: accounts of the web interface, kept in DATA/users.json (argon2id hashes, mode 0600).
#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Create an account (asks for the password twice on a terminal).
    #[command(
        after_help = "Once an account exists, the web interface asks for a login, on 127.0.0.1 too, and may be\n\
bound to other addresses. Passwords have at least 10 characters.\n\n\
Examples:\n  annals user add alice\n  printf '%s\\n' \"$PASSWORD\" | annals user add alice --password-stdin"
    )]
    Add {
        /// Login name: letters, digits, '.', '_', '-'.
        name: String,
        /// Read the password from the first line of standard input (for scripts).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts.
    #[command(after_help = "Example:\n  annals user ls")]
    Ls {
        /// JSON lines (name, created, password_set) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Delete an account (its sessions in a running server end within a second).
    #[command(after_help = "Example:\n  annals user rm alice")]
    Rm {
        /// Login name.
        name: String,
    },
    /// Set a new password (the account's sessions in a running server end within a second).
    #[command(
        after_help = "Examples:\n  annals user passwd alice\n  annals user passwd alice --password-stdin < pw.txt"
    )]
    Passwd {
        /// Login name.
        name: String,
        /// Read the password from the first line of standard input (for scripts).
        #[arg(long)]
        password_stdin: bool,
    },
}

/// `annals serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = annals_web::DEFAULT_BIND)]
    pub bind: std::net::SocketAddr,
    /// Read-only: no watch management, no configuration shown, no POST routes at all.
    #[arg(long)]
    pub public: bool,
}
