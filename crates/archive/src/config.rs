//! `annals.toml`: the data directory's marker, layout version and the archive's settings.
//!
//! `annals init` writes the marker with `layout = 1`; everything else is optional. The archive
//! reads the top-level `layout` and the `[ledger]` table; other tables (`[observer]`,
//! `[lists.NAME]`) belong to other crates and are ignored here.
//!
//! ```toml
//! layout = 1
//!
//! [ledger]
//! tsa_url = "https://freetsa.example/tsr"   # RFC 3161 time-stamp each checkpoint (optional)
//! tsa_timeout = 30                           # seconds
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::ArchiveError;

/// Name of the settings file (and data directory marker).
pub const CONFIG_FILE: &str = "annals.toml";

/// `annals.toml` as the archive reads it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ArchiveConfig {
    /// Layout version of the data directory (written by `annals init`).
    #[serde(default)]
    pub layout: Option<u32>,
    /// `[ledger]`.
    #[serde(default)]
    pub ledger: LedgerConfig,
}

/// `[ledger]`: settings of the tamper-evident log.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LedgerConfig {
    /// An RFC 3161 time-stamp authority: each new checkpoint is sent to it and the reply kept as
    /// `ledger/checkpoints/<size>.tsr`. `http://` or `https://`.
    pub tsa_url: Option<String>,
    /// Seconds to wait for the TSA.
    pub tsa_timeout: u64,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig {
            tsa_url: None,
            tsa_timeout: 30,
        }
    }
}

/// The layout version this build writes and understands.
pub const LAYOUT: u32 = 1;

impl ArchiveConfig {
    /// Reads `annals.toml` in `root`; a missing file gives the defaults.
    pub fn load(root: &Path) -> Result<ArchiveConfig, ArchiveError> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ArchiveConfig::default());
            }
            Err(e) => return Err(ArchiveError::io(&path, e)),
        };
        ArchiveConfig::parse(&text)
            .map_err(|e| ArchiveError::Invalid(format!("{}: {e}", path.display())))
    }

    /// Parses the text of `annals.toml`.
    pub fn parse(text: &str) -> Result<ArchiveConfig, String> {
        let cfg: ArchiveConfig =
            toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
        if let Some(layout) = cfg.layout
            && layout > LAYOUT
        {
            return Err(format!(
                "layout {layout} is newer than this annals understands ({LAYOUT}): upgrade annals"
            ));
        }
        if let Some(url) = &cfg.ledger.tsa_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(format!(
                "[ledger] tsa_url must be an http:// or https:// URL, not {url:?}"
            ));
        }
        if cfg.ledger.tsa_timeout == 0 {
            return Err("[ledger] tsa_timeout must be at least 1 second".into());
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_written_by_init_parses() {
        let text = "# annals data directory. Everything annals knows is in warcs/; index.db is derived\n# and can be rebuilt with `annals reindex`.\nlayout = 1\n";
        let cfg = ArchiveConfig::parse(text).unwrap();
        assert_eq!(cfg.layout, Some(1));
        assert_eq!(cfg.ledger.tsa_url, None);
        assert_eq!(cfg.ledger.tsa_timeout, 30);
        assert!(ArchiveConfig::parse("").is_ok());
    }

    #[test]
    fn ledger_table_and_other_tables() {
        let cfg = ArchiveConfig::parse(
            "layout = 1\n[ledger]\ntsa_url = \"http://127.0.0.1:9/tsr\"\ntsa_timeout = 5\n\
             [observer]\nworkers = 3\n[lists.breaking]\npolicy = \"hot\"\n",
        )
        .unwrap();
        assert_eq!(
            cfg.ledger.tsa_url.as_deref(),
            Some("http://127.0.0.1:9/tsr")
        );
        assert_eq!(cfg.ledger.tsa_timeout, 5);
        for bad in [
            "[ledger]\ntsa = \"x\"\n",
            "[ledger]\ntsa_url = \"ftp://x\"\n",
            "[ledger]\ntsa_timeout = 0\n",
            "layout = 2\n",
            "layout = \"one\"\n",
            "[ledger\n",
        ] {
            assert!(ArchiveConfig::parse(bad).is_err(), "{bad}");
        }
    }
}
