//! Where the analyser's time goes, on the deleted-articles corpus: folding, jieba search-mode
//! segmentation (with and without HMM), and the whole chain.
//!
//! ```text
//! cargo run --release -p annals-search --example analysis_parts
//! ```

#[path = "../tests/search/articles.rs"]
#[allow(dead_code)] // the example reads bodies only
mod articles;

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(dir) = articles::posts_dir() else {
        eprintln!("SKIPPED: ../shared/data/deleted-articles is absent");
        return Ok(());
    };
    let posts = articles::load(&dir);
    let chars: usize = posts.iter().map(|a| a.body.chars().count()).sum();
    let rate = |label: &str, f: &mut dyn FnMut() -> usize| {
        let start = Instant::now();
        let n = f();
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{label:<28} {:.2} M chars/s ({n} units, {secs:.2} s)",
            chars as f64 / 1e6 / secs
        );
    };
    let folded: Vec<String> = posts
        .iter()
        .map(|p| annals_search::fold::fold(&p.body))
        .collect();
    rate("fold", &mut || {
        posts
            .iter()
            .map(|p| annals_search::fold::fold(&p.body).len())
            .sum()
    });
    let jieba = jieba_rs::Jieba::new();
    rate("jieba cut_for_search hmm", &mut || {
        folded
            .iter()
            .map(|t| jieba.cut_for_search(t, true).len())
            .sum()
    });
    rate("jieba cut_for_search", &mut || {
        folded
            .iter()
            .map(|t| jieba.cut_for_search(t, false).len())
            .sum()
    });
    rate("jieba cut hmm", &mut || {
        folded.iter().map(|t| jieba.cut(t, true).len()).sum()
    });
    let analyzer = annals_search::Analyzer::new(None)?;
    rate("whole chain", &mut || {
        posts.iter().map(|p| analyzer.terms(&p.body).len()).sum()
    });
    Ok(())
}
