//! Measures indexing speed on real Chinese text: every post of
//! `../shared/data/deleted-articles` (about 2.8 million characters), indexed `ROUNDS` times
//! (default 3) into a fresh on-disk index in a temporary directory, commit included.
//!
//! ```text
//! cargo run --release -p annals-search --example index_speed [ROUNDS] [THREADS]
//! ```

#[path = "../tests/search/articles.rs"]
mod articles;

use std::time::Instant;

use annals_search::{Query, SearchConfig, SearchIndex};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(3)
        .max(1);
    let threads: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1)
        .max(1);
    let Some(dir) = articles::posts_dir() else {
        eprintln!("SKIPPED: ../shared/data/deleted-articles is absent");
        return Ok(());
    };
    let posts = articles::load(&dir);
    let chars: usize = posts
        .iter()
        .map(|a| a.body.chars().count() + a.title.chars().count())
        .sum();
    let bytes: usize = posts.iter().map(|a| a.body.len() + a.title.len()).sum();

    // The analyser alone (fold + jieba + filters), one thread.
    let analyzer = annals_search::Analyzer::new(None)?;
    let analysis_start = Instant::now();
    let mut terms = 0usize;
    for post in &posts {
        terms += analyzer.terms(&post.body).len() + analyzer.terms(&post.title).len();
    }
    let analysis = analysis_start.elapsed().as_secs_f64();
    println!(
        "analyser alone: {:.2} M chars/s ({terms} terms from {:.1} M chars in {analysis:.2} s)",
        chars as f64 / 1e6 / analysis,
        chars as f64 / 1e6
    );

    let started = Instant::now();
    let config = SearchConfig {
        writer_threads: threads,
        writer_memory_bytes: threads * (64 << 20),
        ..SearchConfig::default()
    };
    let analyzer_start = Instant::now();
    let tmp = tempfile::tempdir()?;
    let index = SearchIndex::open(tmp.path(), &config)?;
    let open_time = analyzer_start.elapsed();

    let index_start = Instant::now();
    let mut writer = index.writer()?;
    let mut n = 0usize;
    for round in 0..rounds {
        for (i, post) in posts.iter().enumerate() {
            let mut version = articles::to_version(i + round * posts.len(), post);
            version.version = format!("{}#{round}", version.version);
            writer.add(&version)?;
            n += 1;
        }
    }
    writer.set_watermark("versions", n as i64);
    writer.finish()?;
    let elapsed = index_start.elapsed().as_secs_f64();

    let query_start = Instant::now();
    let queries = [
        "国歌",
        "\"天鹅救援队\"",
        "网络 审查",
        "網絡",
        "北京 -上海",
        "title:驱逐",
    ];
    let mut total_hits = 0;
    for q in queries {
        total_hits += index.search(&Query::new(q))?.total;
    }
    let query_ms = query_start.elapsed().as_secs_f64() * 1000.0 / queries.len() as f64;

    println!(
        "indexed {n} versions ({} posts x {rounds}; {:.1} M chars, {:.1} MB of text) with {threads} thread(s)",
        posts.len(),
        (chars * rounds) as f64 / 1e6,
        (bytes * rounds) as f64 / 1e6
    );
    println!(
        "  {:.0} docs/s, {:.2} M chars/s, {:.1} MB/s ({elapsed:.2} s, commit and merges included; open + dictionary load {:.2} s)",
        n as f64 / elapsed,
        (chars * rounds) as f64 / 1e6 / elapsed,
        (bytes * rounds) as f64 / 1e6 / elapsed,
        open_time.as_secs_f64()
    );
    println!(
        "  {} queries: {query_ms:.1} ms each on average ({total_hits} hits in all)",
        queries.len()
    );
    println!("  total {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}
