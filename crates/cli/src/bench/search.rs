//! `annals bench search`: the speed figures of search and analysis, in one run.
//!
//! Stages:
//! 1. `annals import-table` (the real binary, a subprocess, into a fresh data directory) on a
//!    generated CSV of `--rows` rows (id, observed time, title, a metric): rows/s and peak RSS;
//! 2. segmentation + indexing of the real corpus (the deleted articles, title and body) with
//!    annals-search (writer add + commit into an on-disk index in a temporary directory) against
//!    Python `jieba.lcut_for_search` over the same texts (PyPI jieba 0.42.1). Python's time is
//!    taken inside the script, after `jieba.initialize()` and a warm-up, so interpreter start and
//!    dictionary load are not counted; annals' time includes opening its analyser (dictionary
//!    load), folding, segmentation, tantivy indexing and the commit to disk;
//! 3. `--posts` synthetic Weibo-like posts (mostly 20–140 characters, some up to a few
//!    thousand) made of the corpus's sentences with a fixed seed, 5% of the items gone
//!    (platform_removed), indexed with `SearchIndex` directly as a rebuild indexes them (each
//!    version added once, a commit every 100,000): build time and the process's peak RSS while
//!    indexing (VmHWM, reset before the stage where the kernel allows);
//! 4. `--queries` searches (single words, two words, phrases, a word with the state filter
//!    `gone`), each a first page of 20 hits with snippets and states: p50/p95/p99 latency;
//! 5. a one-term trend by day over all posts (`SearchIndex::daily_counts`) for a few terms.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use annals_model::{GoneReason, State};
use annals_search::{IndexedVersion, Query, SearchConfig, SearchIndex};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::{MB, Progress, process, rate, verdict};
use crate::args::BenchSearchArgs;

/// Goals of issue 5.
const GOAL_JIEBA_RATIO: f64 = 10.0;
const GOAL_P95_MS: f64 = 50.0;
const GOAL_TREND_MS: f64 = 300.0;
const GOAL_IMPORT_ROWS_PER_S: f64 = 100_000.0;
/// The posts the search goals are stated for.
const GOAL_POSTS: u64 = 1_000_000;
/// Seed of the synthetic posts and queries.
const SEED: u64 = 0x7365_6172_6368;
/// Posts are dated over this many days from 2020-01-01T00:00:00Z.
const DAYS: i64 = 365;
const EPOCH_2020: i64 = 1_577_836_800;
/// One post in this many is gone (platform_removed).
const GONE_EVERY: u64 = 20;
/// Searches run before timing (not counted).
const WARMUP_QUERIES: usize = 20;

/// The Python side of stage 2, written to the work directory at run time.
const JIEBA_SCRIPT: &str = r#"
import json, sys, time
import jieba
jieba.setLogLevel(60)
jieba.initialize()
texts = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
for t in texts[:20]:
    jieba.lcut_for_search(t)
start = time.perf_counter()
tokens = 0
for t in texts:
    tokens += len(jieba.lcut_for_search(t))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "tokens": tokens, "texts": len(texts),
                  "chars": sum(len(t) for t in texts), "jieba": jieba.__version__}))
"#;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi` (`hi > lo`).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }

    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.next() as usize % v.len()]
    }
}

/// One corpus article: title and body as plain text.
struct Article {
    title: String,
    body: String,
}

/// The default corpus folder: `../shared/data/deleted-articles/_posts` next to the project.
fn default_corpus() -> Option<PathBuf> {
    let candidates = [
        PathBuf::from("../shared/data/deleted-articles/_posts"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/deleted-articles/_posts"),
    ];
    candidates.into_iter().find(|d| d.is_dir())
}

/// Reads the Jekyll posts (front matter: title; body as written, Markdown and all).
fn load_corpus(dir: &Path, limit: Option<usize>) -> Result<Vec<Article>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the corpus {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    if let Some(n) = limit {
        files.truncate(n);
    }
    let mut articles = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
        let (front, body) = match text.strip_prefix("---").and_then(|rest| {
            rest.find("\n---")
                .map(|end| (&rest[..end], &rest[end + 4..]))
        }) {
            Some((front, body)) => (front, body),
            None => ("", text.as_str()),
        };
        let title = front
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k.trim() == "title").then(|| v.trim().trim_matches('"').to_owned())
            })
            .unwrap_or_default();
        articles.push(Article {
            title,
            body: body.trim().to_owned(),
        });
    }
    if articles.is_empty() {
        bail!("no .md files in the corpus {}", dir.display());
    }
    Ok(articles)
}

/// The corpus's sentences (split after 。！？ and at line ends), Markdown link syntax dropped,
/// at least 4 characters each.
fn sentences(articles: &[Article]) -> Vec<String> {
    let mut out = Vec::new();
    for a in articles {
        for line in a.body.lines() {
            let mut s = String::new();
            for c in line.chars() {
                if matches!(
                    c,
                    '[' | ']' | '(' | ')' | '*' | '#' | '>' | '~' | '|' | '\\'
                ) {
                    continue;
                }
                s.push(c);
                if matches!(c, '。' | '！' | '？' | '；') {
                    push_sentence(&mut out, &mut s);
                }
            }
            push_sentence(&mut out, &mut s);
        }
    }
    out
}

fn push_sentence(out: &mut Vec<String>, s: &mut String) {
    let t = s.trim();
    if t.chars().count() >= 4 && !t.contains("http") {
        out.push(t.to_owned());
    }
    s.clear();
}

/// A post length in characters: 88% 20–140, 10% 140–1000, 2% 1000–4000.
fn post_length(rng: &mut Rng) -> usize {
    let r = rng.range(0, 100);
    let n = if r < 88 {
        // Skewed towards short posts.
        let a = rng.range(20, 141);
        let b = rng.range(20, 141);
        a.min(b)
    } else if r < 98 {
        rng.range(140, 1000)
    } else {
        rng.range(1000, 4000)
    };
    n as usize
}

/// Post `i` (1-based item id): sentences until the length, cut there.
fn post(i: u64, rng: &mut Rng, sentences: &[String]) -> IndexedVersion {
    let want = post_length(rng);
    let mut text = String::new();
    let mut chars = 0;
    while chars < want {
        let s = rng.pick(sentences);
        for c in s.chars() {
            if chars == want {
                break;
            }
            text.push(c);
            chars += 1;
        }
    }
    let published = EPOCH_2020 + rng.range(0, (DAYS * 86_400) as u64) as i64;
    IndexedVersion {
        item_id: i as i64,
        version: format!("sha256:{i:016x}"),
        platform: "weibo".into(),
        lists: vec!["bench".into()],
        url: format!("https://m.weibo.cn/detail/{}", 4_000_000_000_000_000 + i),
        title: None,
        text: Some(text),
        author: Some(format!("用户{}", i % 50_000)),
        comments: Vec::new(),
        published_at: Some(published),
        observed_at: published + 600,
    }
}

/// Peak resident set size of this process (VmHWM), in bytes.
fn vm_hwm() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Current anonymous and file-backed resident memory (RssAnon, RssFile), in bytes. tantivy maps
/// its segment files, so RSS also counts index pages the kernel can drop at will (RssFile); the
/// heap the process owns is RssAnon.
fn rss_split() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("RssAnon:"), field("RssFile:"))
}

/// Resets VmHWM to the current RSS (Linux `clear_refs` 5); whether it worked.
fn reset_vm_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn python_jieba() -> bool {
    Command::new("python3")
        .args(["-c", "import jieba"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs the benchmark and prints a table, or JSON with `--json`.
pub fn search(args: &BenchSearchArgs, quiet: bool) -> Result<()> {
    let p = Progress {
        quiet,
        start: Instant::now(),
    };
    if args.posts < 100 {
        bail!("--posts must be at least 100");
    }
    let corpus = match &args.corpus {
        Some(d) => d.clone(),
        None => default_corpus().context(
            "the corpus ../shared/data/deleted-articles/_posts was not found: pass --corpus DIR",
        )?,
    };
    let exe = std::env::current_exe().context("cannot find the annals executable")?;
    let (dir, _temp) = super::work_dir(args.dir.as_deref(), "annals-bench-search-")?;
    let articles = load_corpus(&corpus, args.articles)?;
    let sentences = sentences(&articles);
    if sentences.len() < 10 {
        bail!("the corpus has too few sentences ({})", sentences.len());
    }

    // 1. import-table, first: a subprocess's ru_maxrss starts at this process's peak.
    p.stage(&format!(
        "1/5 `annals import-table` of {} generated CSV rows",
        args.rows
    ));
    let import = import_table(&exe, &dir, args.rows, &sentences)?;
    p.stage(&format!(
        "    {:.2}s, {:.0} rows/s, peak RSS {:.1} MB",
        import.0.seconds,
        rate(args.rows as f64, import.0.seconds),
        import.0.max_rss as f64 / MB
    ));

    // 2. Segmentation + indexing against Python jieba.
    let texts: Vec<String> = articles
        .iter()
        .flat_map(|a| [a.title.clone(), a.body.clone()])
        .filter(|t| !t.is_empty())
        .collect();
    let chars: u64 = texts.iter().map(|t| t.chars().count() as u64).sum();
    p.stage(&format!(
        "2/5 segmenting and indexing {} articles ({:.2} M chars) with annals-search",
        articles.len(),
        chars as f64 / 1e6
    ));
    let default_threads = SearchConfig::default().writer_threads;
    let annals_multi = index_articles(&dir.join("articles-index"), &articles, default_threads)?;
    let annals_single = index_articles(&dir.join("articles-index-1"), &articles, 1)?;
    p.stage(&format!(
        "    annals: {:.2}s ({:.0} chars/s) with {default_threads} indexing threads, {:.2}s ({:.0} chars/s) with 1",
        annals_multi,
        rate(chars as f64, annals_multi),
        annals_single,
        rate(chars as f64, annals_single)
    ));
    let jieba = if python_jieba() {
        p.stage("    the same texts with Python jieba.lcut_for_search");
        let texts_path = dir.join("texts.jsonl");
        {
            let mut w = BufWriter::new(std::fs::File::create(&texts_path)?);
            for t in &texts {
                serde_json::to_writer(&mut w, t)?;
                w.write_all(b"\n")?;
            }
            w.flush()?;
        }
        let script = dir.join("jieba_segment.py");
        std::fs::write(&script, JIEBA_SCRIPT)?;
        let m = process::run(
            Command::new("python3").arg(&script).arg(&texts_path),
            "python3 jieba_segment.py",
            &dir.join("jieba.json"),
            &dir.join("jieba.stderr"),
        )?;
        let v: Value = serde_json::from_str(
            std::fs::read_to_string(dir.join("jieba.json"))
                .context("jieba.json")?
                .trim(),
        )
        .context("the jieba script printed no JSON")?;
        let secs = v["seconds"].as_f64().unwrap_or(0.0);
        p.stage(&format!(
            "    jieba: {secs:.2}s ({:.0} chars/s) inside the script, {:.2}s with interpreter start and dictionary load",
            rate(chars as f64, secs),
            m.seconds
        ));
        let _ = std::fs::remove_file(&texts_path);
        Some((v, m))
    } else {
        p.stage("    Python jieba: SKIPPED (pip install jieba==0.42.1)");
        None
    };

    // 3. N synthetic posts.
    let index_dir = dir.join("posts-index");
    p.stage(&format!(
        "3/5 generating and indexing {} synthetic posts",
        args.posts
    ));
    let hwm_reset = reset_vm_hwm();
    let hwm_before = vm_hwm();
    let config = SearchConfig::default();
    let index = SearchIndex::open(&index_dir, &config)?;
    let mut writer = index.writer()?;
    let mut rng = Rng(SEED);
    let mut post_chars: u64 = 0;
    let mut gone = 0u64;
    let mut generate_seconds = 0.0;
    let build_start = Instant::now();
    let step = (args.posts / 10).max(1);
    // Anonymous RSS at every tenth of the posts: whether the heap stays flat as the index grows.
    let mut steps: Vec<Value> = Vec::with_capacity(10);
    // Peak anonymous and file-backed RSS, sampled every 1,000 posts and after the commit.
    let (mut peak_anon, mut peak_file) = rss_split();
    let sample = |peak_anon: &mut u64, peak_file: &mut u64| {
        let (a, f) = rss_split();
        *peak_anon = (*peak_anon).max(a);
        *peak_file = (*peak_file).max(f);
    };
    for i in 1..=args.posts {
        let g = Instant::now();
        let v = post(i, &mut rng, &sentences);
        post_chars += v.text.as_deref().map_or(0, |t| t.chars().count() as u64);
        generate_seconds += g.elapsed().as_secs_f64();
        // As a rebuild (`annals reindex`, then a search) adds them: each version once, with a
        // commit every `COMMIT_EVERY` versions.
        writer.add_new(&v)?;
        if i % annals_search::upkeep::COMMIT_EVERY == 0 {
            writer.set_watermark("versions", i as i64);
            writer.commit()?;
        }
        if i % GONE_EVERY == 0 {
            writer.set_state(
                i as i64,
                State::Gone(GoneReason::PlatformRemoved),
                Some(v.observed_at + 3_600),
            )?;
            gone += 1;
        }
        if i % 1_000 == 0 {
            sample(&mut peak_anon, &mut peak_file);
        }
        if i % step == 0 {
            let (anon_now, _) = rss_split();
            steps.push(json!({
                "posts": i,
                "rss_anon_bytes": anon_now,
                "peak_rss_anon_bytes_sampled": peak_anon,
                "seconds": build_start.elapsed().as_secs_f64(),
            }));
            p.stage(&format!(
                "    {i} posts, {:.0} s, peak RSS {:.0} MB (anonymous {:.0} MB, mapped index files {:.0} MB)",
                build_start.elapsed().as_secs_f64(),
                vm_hwm() as f64 / MB,
                peak_anon as f64 / MB,
                peak_file as f64 / MB
            ));
        }
    }
    writer.set_watermark("versions", args.posts as i64);
    sample(&mut peak_anon, &mut peak_file);
    writer.finish()?;
    sample(&mut peak_anon, &mut peak_file);
    let build_seconds = build_start.elapsed().as_secs_f64();
    let index_seconds = build_seconds - generate_seconds;
    let build_hwm = vm_hwm();
    let index_bytes = dir_size(&index_dir);
    p.stage(&format!(
        "    built in {build_seconds:.1}s ({generate_seconds:.1}s of it generating), {:.0} posts/s, {:.2} M chars/s; peak RSS {:.0} MB; index {:.0} MB",
        rate(args.posts as f64, index_seconds),
        rate(post_chars as f64, index_seconds) / 1e6,
        build_hwm as f64 / MB,
        index_bytes as f64 / MB
    ));

    // 4. Searches.
    let index = SearchIndex::open(&index_dir, &config)?;
    let words = query_words(&index, &sentences, &mut rng);
    let queries = make_queries(&words, &sentences, &index, &mut rng, args.queries);
    p.stage(&format!(
        "4/5 {} searches ({WARMUP_QUERIES} warm-up searches first, not counted)",
        queries.len() - WARMUP_QUERIES
    ));
    for q in queries.iter().take(WARMUP_QUERIES) {
        index.search(&q.1)?;
    }
    let mut by_kind: Vec<(&str, Vec<f64>)> = Vec::new();
    let mut all = Vec::with_capacity(queries.len());
    let mut total_hits = 0u64;
    for (kind, q) in queries.iter().skip(WARMUP_QUERIES) {
        let t = Instant::now();
        let r = index.search(q)?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        total_hits += r.total as u64;
        all.push(ms);
        match by_kind.iter_mut().find(|(k, _)| k == kind) {
            Some((_, v)) => v.push(ms),
            None => by_kind.push((kind, vec![ms])),
        }
    }
    all.sort_by(f64::total_cmp);
    let latency = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        json!({
            "queries": v.len(),
            "p50_ms": percentile(v, 50.0),
            "p95_ms": percentile(v, 95.0),
            "p99_ms": percentile(v, 99.0),
            "max_ms": v.last().copied().unwrap_or(0.0),
        })
    };
    let mut kinds = serde_json::Map::new();
    for (k, v) in &mut by_kind {
        kinds.insert((*k).to_owned(), latency(v));
    }
    let p95 = percentile(&all, 95.0);
    p.stage(&format!(
        "    p50 {:.1} ms, p95 {p95:.1} ms, p99 {:.1} ms",
        percentile(&all, 50.0),
        percentile(&all, 99.0)
    ));

    // 5. Trend by day.
    p.stage("5/5 one-term trends by day over all posts (SearchIndex::daily_counts)");
    let mut trend_terms: Vec<String> = Vec::new();
    // The most, a middling and a rarely found word among the query words.
    let mut counted: Vec<(usize, String)> = words
        .iter()
        .take(60)
        .map(|w| {
            let n = index.search(&Query::new(w.as_str())).map_or(0, |r| r.total);
            (n, w.clone())
        })
        .collect();
    counted.sort();
    if let Some((_, w)) = counted.last() {
        trend_terms.push(w.clone());
    }
    if let Some((_, w)) = counted.get(counted.len() / 2) {
        trend_terms.push(w.clone());
    }
    if let Some((_, w)) = counted.iter().find(|(n, _)| *n > 0) {
        trend_terms.push(w.clone());
    }
    trend_terms.dedup();
    let mut trends = Vec::new();
    let mut worst_trend_ms: f64 = 0.0;
    for term in &trend_terms {
        let q = Query::new(term.as_str());
        let mut times = Vec::new();
        let mut days = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            days = index.daily_counts(&q, 8 * 3_600)?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let median = times[1];
        worst_trend_ms = worst_trend_ms.max(median);
        let items: u64 = days.iter().map(|(_, n)| n).sum();
        p.stage(&format!(
            "    {term}: {items} items over {} days in {median:.1} ms (median of 3)",
            days.len()
        ));
        trends.push(json!({
            "term": term,
            "items": items,
            "days": days.len(),
            "ms_median_of_3": median,
            "ms_runs": times,
        }));
    }

    let jieba_secs = jieba.as_ref().and_then(|(v, _)| v["seconds"].as_f64());
    let ratio = jieba_secs.map(|s| {
        if annals_multi > 0.0 {
            s / annals_multi
        } else {
            0.0
        }
    });
    let ratio_single = jieba_secs.map(|s| {
        if annals_single > 0.0 {
            s / annals_single
        } else {
            0.0
        }
    });
    let import_rate = rate(args.rows as f64, import.0.seconds);
    let at_goal_scale = args.posts >= GOAL_POSTS;
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let result = json!({
        "posts": args.posts,
        "machine": { "nproc": nproc, "os": std::env::consts::OS, "arch": std::env::consts::ARCH },
        "corpus": { "articles": articles.len(), "chars": chars, "sentences": sentences.len() },
        "segmentation": {
            "texts": texts.len(),
            "chars": chars,
            "annals": {
                "what": "annals-search: analyser open + fold + jieba cut_for_search + tantivy indexing + commit to disk",
                "writer_threads": default_threads,
                "seconds": annals_multi,
                "chars_per_s": rate(chars as f64, annals_multi),
                "single_thread_seconds": annals_single,
                "single_thread_chars_per_s": rate(chars as f64, annals_single),
            },
            "jieba": jieba.as_ref().map(|(v, m)| json!({
                "what": "python jieba.lcut_for_search, timed inside the script after jieba.initialize() and a warm-up",
                "version": v["jieba"],
                "seconds": v["seconds"],
                "chars_per_s": rate(chars as f64, v["seconds"].as_f64().unwrap_or(0.0)),
                "tokens": v["tokens"],
                "process_seconds": m.seconds,
            })),
            "ratio": ratio,
            "ratio_single_thread": ratio_single,
        },
        "index": {
            "posts": args.posts,
            "gone": gone,
            "chars": post_chars,
            "mean_chars": post_chars as f64 / args.posts as f64,
            "build_seconds": build_seconds,
            "generate_seconds": generate_seconds,
            "posts_per_s": rate(args.posts as f64, index_seconds),
            "chars_per_s": rate(post_chars as f64, index_seconds),
            "writer_threads": config.writer_threads,
            "writer_memory_budget_bytes": config.writer_memory_bytes,
            "peak_rss_bytes": build_hwm,
            "peak_rss_anon_bytes_sampled": peak_anon,
            "peak_rss_file_bytes_sampled": peak_file,
            "rss_anon_by_posts": steps,
            "merge_threads": config.merge_threads,
            "max_docs_before_merge": config.max_docs_before_merge,
            "segments": index.segments(),
            "rss_before_bytes": hwm_before,
            "peak_rss_reset": hwm_reset,
            "index_bytes": index_bytes,
        },
        "search": {
            "queries": all.len(),
            "warmup_queries": WARMUP_QUERIES,
            "page": 20,
            "hits_total": total_hits,
            "p50_ms": percentile(&all, 50.0),
            "p95_ms": p95,
            "p99_ms": percentile(&all, 99.0),
            "max_ms": all.last().copied().unwrap_or(0.0),
            "by_kind": kinds,
        },
        "trend": { "utc_offset_s": 8 * 3_600, "terms": trends, "worst_ms": worst_trend_ms },
        "import_table": {
            "rows": args.rows,
            "seconds": import.0.seconds,
            "rows_per_s": import_rate,
            "max_rss_bytes": import.0.max_rss,
            "report": import.1,
        },
        "goals": {
            "segmentation_ratio": { "goal": GOAL_JIEBA_RATIO, "measured": ratio,
                "verdict": ratio.map_or("SKIPPED", |r| verdict(r >= GOAL_JIEBA_RATIO)) },
            "search_p95_ms": { "goal": GOAL_P95_MS, "measured": p95, "posts": args.posts,
                "verdict": scaled(at_goal_scale, p95 < GOAL_P95_MS) },
            "trend_ms": { "goal": GOAL_TREND_MS, "measured": worst_trend_ms, "posts": args.posts,
                "verdict": scaled(at_goal_scale, worst_trend_ms < GOAL_TREND_MS) },
            "import_rows_per_s": { "goal": GOAL_IMPORT_ROWS_PER_S, "measured": import_rate,
                "verdict": verdict(import_rate >= GOAL_IMPORT_ROWS_PER_S) },
        },
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print!("{}", table(&result));
    }
    Ok(())
}

/// A verdict for a goal stated at 1,000,000 posts.
fn scaled(at_scale: bool, ok: bool) -> &'static str {
    match (at_scale, ok) {
        (true, _) => verdict(ok),
        (false, true) => "met at this smaller size (goal is for 1,000,000 posts)",
        (false, false) => "MISSED (at a smaller size than the goal's 1,000,000 posts)",
    }
}

/// Indexes the articles (title and body) into a fresh on-disk index; seconds for open + add +
/// commit + merges.
fn index_articles(dir: &Path, articles: &[Article], threads: usize) -> Result<f64> {
    let config = SearchConfig {
        writer_threads: threads,
        ..SearchConfig::default()
    };
    let start = Instant::now();
    let index = SearchIndex::open(dir, &config)?;
    let mut writer = index.writer()?;
    for (i, a) in articles.iter().enumerate() {
        writer.add(&IndexedVersion {
            item_id: i as i64 + 1,
            version: format!("sha256:{i:08x}"),
            platform: "web".into(),
            lists: vec!["deleted-articles".into()],
            url: format!("https://example.invalid/{i}"),
            title: (!a.title.is_empty()).then(|| a.title.clone()),
            text: (!a.body.is_empty()).then(|| a.body.clone()),
            observed_at: EPOCH_2020,
            ..IndexedVersion::default()
        })?;
    }
    writer.finish()?;
    let seconds = start.elapsed().as_secs_f64();
    drop(index);
    let _ = std::fs::remove_dir_all(dir);
    Ok(seconds)
}

/// Words to query: multi-character Chinese words segmented from random corpus sentences, that
/// the index finds.
fn query_words(index: &SearchIndex, sentences: &[String], rng: &mut Rng) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut words = Vec::new();
    for _ in 0..2_000 {
        if words.len() >= 200 {
            break;
        }
        let s: &String = rng.pick(sentences);
        for t in index.analyzer().terms(s) {
            let n = t.chars().count();
            if (2..=4).contains(&n)
                && t.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
                && seen.insert(t.clone())
            {
                words.push(t);
            }
        }
    }
    words
}

/// The query mix: 40% single words, 25% two words, 20% phrases, 15% a word with `--state gone`.
fn make_queries(
    words: &[String],
    sentences: &[String],
    index: &SearchIndex,
    rng: &mut Rng,
    n: usize,
) -> Vec<(&'static str, Query)> {
    let mut out = Vec::with_capacity(n + WARMUP_QUERIES);
    if words.is_empty() {
        return out;
    }
    while out.len() < n + WARMUP_QUERIES {
        let r = rng.range(0, 100);
        let q = if r < 40 {
            ("word", Query::new(rng.pick(words).as_str()))
        } else if r < 65 {
            let a = rng.pick(words).clone();
            let b = rng.pick(words);
            ("two_words", Query::new(format!("{a} {b}")))
        } else if r < 85 {
            // Two adjacent words of a sentence, as a phrase.
            let sentence: &String = rng.pick(sentences);
            let terms: Vec<String> = index
                .analyzer()
                .terms(sentence)
                .into_iter()
                .filter(|t| t.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
                .collect();
            let mut phrase = String::new();
            if terms.len() >= 2 {
                let i = rng.range(0, terms.len() as u64 - 1) as usize;
                let _ = write!(phrase, "\"{}{}\"", terms[i], terms[i + 1]);
            } else {
                let _ = write!(phrase, "\"{}\"", rng.pick(words));
            }
            ("phrase", Query::new(phrase))
        } else {
            (
                "word_state_gone",
                Query {
                    state: Some("gone".into()),
                    ..Query::new(rng.pick(words).as_str())
                },
            )
        };
        out.push(q);
    }
    // The first WARMUP_QUERIES are the warm-up searches, not timed.
    out
}

/// Writes the CSV and runs `annals import-table` on it in a fresh data directory.
fn import_table(
    exe: &Path,
    dir: &Path,
    rows: u64,
    sentences: &[String],
) -> Result<(process::Measured, Value)> {
    let csv_path = dir.join("table.csv");
    {
        let mut rng = Rng(SEED ^ 1);
        let mut w = csv::Writer::from_path(&csv_path)?;
        w.write_record(["id", "observed", "title", "heat"])?;
        for i in 0..rows {
            let title: String = rng.pick(sentences).chars().take(40).collect();
            let observed = EPOCH_2020 + (i as i64) * 30;
            w.write_record([
                format!("{}", i % (rows / 4).max(1)),
                observed.to_string(),
                title,
                rng.range(1_000, 5_000_000).to_string(),
            ])?;
        }
        w.flush()?;
    }
    let data = dir.join("import-data");
    if data.exists() {
        std::fs::remove_dir_all(&data).with_context(|| format!("{}", data.display()))?;
    }
    let m = process::run(
        Command::new(exe)
            .arg("--quiet")
            .arg("--data")
            .arg(&data)
            .arg("import-table")
            .arg(&csv_path)
            .args([
                "--json",
                "--platform",
                "bench-table",
                "--list",
                "bench",
                "--map",
                "id=id,observed=observed,title=title,metric.heat=heat",
            ]),
        "annals import-table",
        &dir.join("import-table.json"),
        &dir.join("import-table.stderr"),
    )?;
    let report: Value = serde_json::from_str(
        std::fs::read_to_string(dir.join("import-table.json"))
            .unwrap_or_default()
            .trim(),
    )
    .unwrap_or(Value::Null);
    let _ = std::fs::remove_file(&csv_path);
    let _ = std::fs::remove_dir_all(&data);
    Ok((m, report))
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(|e| e.ok())
            .map(|e| {
                let path = e.path();
                if path.is_dir() {
                    dir_size(&path)
                } else {
                    e.metadata().map_or(0, |m| m.len())
                }
            })
            .sum()
    })
}

fn table(r: &Value) -> String {
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    let mut o = String::new();
    let s = &r["segmentation"];
    let _ = writeln!(
        o,
        "annals bench search: {} posts; nproc {}",
        r["posts"], r["machine"]["nproc"]
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "segmentation + indexing of {} texts ({:.2} M chars, the deleted articles):",
        s["texts"],
        f(&s["chars"]) / 1e6
    );
    let _ = writeln!(
        o,
        "  annals-search ({} threads)   {:>8.2} s {:>12.0} chars/s",
        s["annals"]["writer_threads"],
        f(&s["annals"]["seconds"]),
        f(&s["annals"]["chars_per_s"])
    );
    let _ = writeln!(
        o,
        "  annals-search (1 thread)    {:>8.2} s {:>12.0} chars/s",
        f(&s["annals"]["single_thread_seconds"]),
        f(&s["annals"]["single_thread_chars_per_s"])
    );
    if s["jieba"].is_null() {
        let _ = writeln!(o, "  python jieba                SKIPPED (not installed)");
    } else {
        let _ = writeln!(
            o,
            "  python jieba {} lcut_for_search {:>5.2} s {:>12.0} chars/s (in-script, after initialize(); {:.2} s with start-up)",
            s["jieba"]["version"].as_str().unwrap_or(""),
            f(&s["jieba"]["seconds"]),
            f(&s["jieba"]["chars_per_s"]),
            f(&s["jieba"]["process_seconds"])
        );
    }
    let i = &r["index"];
    let _ = writeln!(
        o,
        "index of {} posts ({:.0} chars mean, {} gone): {:.1} s ({:.1} s generating), {:.0} posts/s, peak RSS {:.0} MB (anonymous {:.0} MB, mapped index files {:.0} MB; writer budget {:.0} MB), index {:.0} MB",
        i["posts"],
        f(&i["mean_chars"]),
        i["gone"],
        f(&i["build_seconds"]),
        f(&i["generate_seconds"]),
        f(&i["posts_per_s"]),
        f(&i["peak_rss_bytes"]) / MB,
        f(&i["peak_rss_anon_bytes_sampled"]) / MB,
        f(&i["peak_rss_file_bytes_sampled"]) / MB,
        f(&i["writer_memory_budget_bytes"]) / MB,
        f(&i["index_bytes"]) / MB
    );
    let q = &r["search"];
    let _ = writeln!(
        o,
        "search ({} queries, first page of 20 with snippets): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        q["queries"],
        f(&q["p50_ms"]),
        f(&q["p95_ms"]),
        f(&q["p99_ms"]),
        f(&q["max_ms"])
    );
    if let Some(kinds) = q["by_kind"].as_object() {
        for (k, v) in kinds {
            let _ = writeln!(
                o,
                "  {k:<16} {:>4} queries  p50 {:>7.1} ms  p95 {:>7.1} ms",
                v["queries"],
                f(&v["p50_ms"]),
                f(&v["p95_ms"])
            );
        }
    }
    for t in r["trend"]["terms"].as_array().into_iter().flatten() {
        let _ = writeln!(
            o,
            "trend by day of {}: {} items over {} days, {:.1} ms",
            t["term"].as_str().unwrap_or(""),
            t["items"],
            t["days"],
            f(&t["ms_median_of_3"])
        );
    }
    let it = &r["import_table"];
    let _ = writeln!(
        o,
        "import-table of {} rows: {:.2} s, {:.0} rows/s, peak RSS {:.0} MB",
        it["rows"],
        f(&it["seconds"]),
        f(&it["rows_per_s"]),
        f(&it["max_rss_bytes"]) / MB
    );
    let _ = writeln!(o);
    let g = &r["goals"];
    let _ = writeln!(
        o,
        "goal: segmentation + indexing >= {:.0}x python jieba: {} — {}",
        f(&g["segmentation_ratio"]["goal"]),
        g["segmentation_ratio"]["measured"]
            .as_f64()
            .map_or("SKIPPED".to_owned(), |x| format!("{x:.1}x")),
        g["segmentation_ratio"]["verdict"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        o,
        "goal: search p95 < {:.0} ms: {:.1} ms — {}",
        f(&g["search_p95_ms"]["goal"]),
        f(&g["search_p95_ms"]["measured"]),
        g["search_p95_ms"]["verdict"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        o,
        "goal: trend by day < {:.0} ms: {:.1} ms (slowest term) — {}",
        f(&g["trend_ms"]["goal"]),
        f(&g["trend_ms"]["measured"]),
        g["trend_ms"]["verdict"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        o,
        "goal: import-table >= {:.0} rows/s: {:.0} rows/s — {}",
        f(&g["import_rows_per_s"]["goal"]),
        f(&g["import_rows_per_s"]["measured"]),
        g["import_rows_per_s"]["verdict"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        o,
        "memory while indexing: peak RSS {:.0} MB, of it anonymous (heap) {:.0} MB at most (writer budget {:.0} MB) and mapped index files {:.0} MB (page cache the kernel can drop)",
        f(&i["peak_rss_bytes"]) / MB,
        f(&i["peak_rss_anon_bytes_sampled"]) / MB,
        f(&i["writer_memory_budget_bytes"]) / MB,
        f(&i["peak_rss_file_bytes_sampled"]) / MB
    );
    let steps: Vec<String> = i["rss_anon_by_posts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| format!("{} {:.0} MB", s["posts"], f(&s["rss_anon_bytes"]) / MB))
        .collect();
    let _ = writeln!(
        o,
        "anonymous RSS by posts indexed: {} ({} segments at the end; {} merge thread(s), segments of {} documents or more not merged)",
        steps.join(", "),
        i["segments"],
        i["merge_threads"],
        i["max_docs_before_merge"]
    );
    o
}
