//! Durations in config: integers of seconds or `"90s"`, `"5m"`, `"6h"`, `"7d"`, `"2w"`.

use serde::{Deserialize, Deserializer, Serializer};

const UNITS: [(char, i64); 5] = [
    ('w', 604_800),
    ('d', 86_400),
    ('h', 3600),
    ('m', 60),
    ('s', 1),
];

/// Parses `"5m"`-style text into seconds.
pub fn parse_secs(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let (digits, scale) = match UNITS.iter().find(|(u, _)| *u == unit) {
        Some((_, scale)) => (&text[..text.len() - 1], *scale),
        None => (text, 1),
    };
    digits.trim().parse::<i64>().ok()?.checked_mul(scale)
}

/// Formats seconds with the largest unit that divides them.
pub fn format_secs(value: i64) -> String {
    for (unit, scale) in UNITS {
        if value != 0 && value % scale == 0 {
            return format!("{}{unit}", value / scale);
        }
    }
    format!("{value}s")
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Int(i64),
    Text(String),
}

fn from_raw<E: serde::de::Error>(raw: Raw) -> Result<i64, E> {
    match raw {
        Raw::Int(n) => Ok(n),
        Raw::Text(text) => parse_secs(&text)
            .ok_or_else(|| E::custom(format!("invalid duration {text:?} (try \"5m\")"))),
    }
}

pub mod secs {
    //! serde `with` module for a required duration.
    use super::*;

    pub fn serialize<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_secs(*value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        from_raw(Raw::deserialize(deserializer)?)
    }
}

pub mod opt_secs {
    //! serde `with` module for an optional duration.
    use super::*;

    pub fn serialize<S: Serializer>(value: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => serializer.serialize_str(&format_secs(*v)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<i64>, D::Error> {
        match Option::<Raw>::deserialize(deserializer)? {
            Some(raw) => from_raw(raw).map(Some),
            None => Ok(None),
        }
    }
}
