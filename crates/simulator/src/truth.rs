//! Ground truth: every true event of a world, with its exact simulated time, as JSONL.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::SimError;
use crate::config::ItemState;
use crate::world::{NoiseKind, Presented, World};

/// One true event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthEvent {
    /// Simulated second.
    pub t: u64,
    /// The same moment in unix seconds.
    pub unix: i64,
    /// `bilibili`, `zhihu`, `weibo`, `web`.
    pub platform: String,
    /// The item's native id (absent for platform-wide events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_id: Option<String>,
    /// The simulator path of the item's primary probe (absent for platform-wide events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub kind: TruthKind,
}

/// What happened, tagged by `event`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TruthKind {
    /// The item was published (it is live from now on).
    Published,
    /// The item's content changed; `version` counts from 1 (the original).
    Edited {
        /// New content version.
        version: u32,
    },
    /// The item's true state changed.
    StateChange {
        /// Previous state.
        from: ItemState,
        /// New state.
        to: ItemState,
        /// Why.
        reason: String,
        /// Whether the new state is a disappearance (deleted, removed, review, self-only).
        disappearance: bool,
        /// The annals state the primary probe's response parses to from now on.
        observed_as: String,
    },
    /// A ghost flap began: the item answers as gone although it is live. Not a deletion.
    GhostStart {
        /// The annals state the flap's responses parse to.
        observed_as: String,
    },
    /// The ghost flap ended.
    GhostEnd,
    /// The platform started blocking every request (anti-crawl).
    BlockStart {
        /// The signal served (`-352`, `http:412`, `40352`, `ok:-100`, …).
        signal: String,
    },
    /// The block ended.
    BlockEnd,
    /// The platform started failing with server errors.
    OutageStart {
        /// The signal served (`http:502`, `-503`, …).
        signal: String,
    },
    /// The outage ended.
    OutageEnd,
}

pub(crate) fn build(world: &World) -> Vec<TruthEvent> {
    let mut events = Vec::new();
    for item in world.items() {
        let event = |t: u64, kind: TruthKind| TruthEvent {
            t,
            unix: world.unix(t),
            platform: item.kind.platform().to_owned(),
            native_id: Some(item.native_id.clone()),
            path: Some(item.path.clone()),
            kind,
        };
        events.push(event(item.published_at, TruthKind::Published));
        for pair in item.phases.windows(2) {
            let to = pair[1].state;
            events.push(event(
                pair[1].at,
                TruthKind::StateChange {
                    from: pair[0].state,
                    to,
                    reason: pair[1].reason.to_owned(),
                    disappearance: to.is_disappearance(),
                    observed_as: World::observed_as(item.kind, Presented::State(to))
                        .as_str()
                        .to_owned(),
                },
            ));
        }
        for (i, &t) in item.edits.iter().enumerate() {
            events.push(event(
                t,
                TruthKind::Edited {
                    version: i as u32 + 2,
                },
            ));
        }
        if let Some((start, end)) = item.ghost {
            let observed_as = World::observed_as(item.kind, Presented::Ghost)
                .as_str()
                .to_owned();
            events.push(event(start, TruthKind::GhostStart { observed_as }));
            events.push(event(end, TruthKind::GhostEnd));
        }
    }
    for episode in world.episodes() {
        let event = |t: u64, kind: TruthKind| TruthEvent {
            t,
            unix: world.unix(t),
            platform: episode.kind.platform().to_owned(),
            native_id: None,
            path: None,
            kind,
        };
        let signal = crate::render::noise_signal(episode.kind, episode.noise).to_owned();
        match episode.noise {
            NoiseKind::Block(_) => {
                events.push(event(episode.start, TruthKind::BlockStart { signal }));
                events.push(event(episode.end, TruthKind::BlockEnd));
            }
            NoiseKind::Outage(_) => {
                events.push(event(episode.start, TruthKind::OutageStart { signal }));
                events.push(event(episode.end, TruthKind::OutageEnd));
            }
        }
    }
    // Stable: at equal times, generation order (publication before a same-second change).
    events.sort_by_key(|e| e.t);
    events
}

/// Serialise events as JSONL (one JSON object per line).
pub fn to_jsonl(events: &[TruthEvent]) -> String {
    let mut out = String::new();
    for event in events {
        if let Ok(line) = serde_json::to_string(event) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Write events to `path` as JSONL.
pub fn write_jsonl(path: &Path, events: &[TruthEvent]) -> Result<(), SimError> {
    let io = |source| SimError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    file.write_all(to_jsonl(events).as_bytes()).map_err(io)?;
    file.flush().map_err(io)
}
