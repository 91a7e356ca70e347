//! Reads `../shared/data/deleted-articles/_posts/*.md` (Jekyll posts of deleted Chinese articles)
//! into [`IndexedVersion`]s. Shared by the corpus test and the `index_speed` example.

use std::path::{Path, PathBuf};

use annals_search::{IndexedVersion, parse_time};

/// The corpus folder, if the shared data is next to the project.
pub fn posts_dir() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("../shared/data/deleted-articles/_posts");
    dir.is_dir().then_some(dir)
}

/// One parsed post.
pub struct Article {
    pub file: String,
    pub title: String,
    pub body: String,
    pub date: Option<i64>,
    pub tags: String,
}

/// Every post, sorted by file name; unreadable files are skipped.
pub fn load(dir: &Path) -> Vec<Article> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "md"));
    files.sort();
    files.iter().filter_map(|p| parse(p)).collect()
}

fn parse(path: &Path) -> Option<Article> {
    let text = std::fs::read_to_string(path).ok()?;
    let rest = text.strip_prefix("---")?;
    let end = rest.find("\n---")?;
    let front = &rest[..end];
    let body = rest[end + 4..].trim().to_owned();
    let field = |name: &str| {
        front.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == name).then(|| v.trim().trim_matches('"').to_owned())
        })
    };
    // `2018-01-15 18:49 +0800` → RFC 3339.
    let date = field("date").and_then(|d| {
        let mut parts = d.split_whitespace();
        let day = parts.next()?;
        let clock = parts.next().unwrap_or("00:00");
        let zone = parts.next().unwrap_or("+0800");
        let zone = format!("{}:{}", zone.get(..3)?, zone.get(3..)?);
        parse_time(&format!("{day}T{clock}:00{zone}")).ok()
    });
    Some(Article {
        file: path.file_name()?.to_string_lossy().into_owned(),
        title: field("title").unwrap_or_default(),
        body,
        date,
        tags: field("tags").unwrap_or_default(),
    })
}

/// The version annals would index for article number `i`.
pub fn to_version(i: usize, article: &Article) -> IndexedVersion {
    IndexedVersion {
        item_id: i as i64 + 1,
        version: format!("file:{}", article.file),
        platform: "web".into(),
        lists: vec!["deleted-articles".into()],
        url: format!("https://example.invalid/{}", article.file),
        title: Some(article.title.clone()),
        text: Some(article.body.clone()),
        author: None,
        comments: if article.tags.is_empty() {
            Vec::new()
        } else {
            vec![article.tags.clone()]
        },
        published_at: article.date,
        observed_at: article.date.unwrap_or(0) + 86_400,
    }
}
