//! Calendar arithmetic in a fixed UTC offset: buckets (day, ISO week, month), hour of day and
//! labels. Proleptic Gregorian calendar (Howard Hinnant's `days_from_civil` algorithms); no time
//! zone database, so a zone with daylight saving is the caller's business (China has none).

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A fixed offset from UTC, in seconds (east positive). Default: UTC+8, the platforms' zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UtcOffset {
    seconds: i32,
}

impl Default for UtcOffset {
    fn default() -> Self {
        UtcOffset::CHINA
    }
}

impl UtcOffset {
    /// UTC itself.
    pub const UTC: UtcOffset = UtcOffset { seconds: 0 };
    /// UTC+8: China Standard Time (Asia/Shanghai, no daylight saving).
    pub const CHINA: UtcOffset = UtcOffset { seconds: 8 * 3600 };

    /// An offset in seconds; refused beyond ±24 h.
    pub fn from_seconds(seconds: i32) -> Result<Self, Error> {
        if seconds.abs() >= 24 * 3600 {
            return Err(Error::InvalidOffset(seconds.to_string()));
        }
        Ok(UtcOffset { seconds })
    }

    /// An offset in whole hours (`8` for UTC+8).
    pub fn from_hours(hours: i32) -> Result<Self, Error> {
        Self::from_seconds(hours.saturating_mul(3600))
    }

    /// Seconds east of UTC.
    pub fn seconds(&self) -> i32 {
        self.seconds
    }

    /// Local seconds since the local epoch: `t + offset`.
    pub(crate) fn local(&self, t: i64) -> i64 {
        t.saturating_add(i64::from(self.seconds))
    }
}

impl fmt::Display for UtcOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.seconds < 0 { '-' } else { '+' };
        let abs = self.seconds.unsigned_abs();
        write!(f, "UTC{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
    }
}

impl FromStr for UtcOffset {
    type Err = Error;

    /// `+08:00`, `-05:30`, `+8`, `UTC+8`, `Z`, `UTC`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::InvalidOffset(s.to_owned());
        let rest = s.trim();
        let rest = rest.strip_prefix("UTC").unwrap_or(rest);
        if rest.is_empty() || rest == "Z" {
            return Ok(UtcOffset::UTC);
        }
        let (sign, digits) = match rest.as_bytes().first() {
            Some(b'+') => (1, &rest[1..]),
            Some(b'-') => (-1, &rest[1..]),
            _ => return Err(bad()),
        };
        let (hours, minutes) = match digits.split_once(':') {
            Some((h, m)) => (h, m),
            None if digits.len() == 4 => digits.split_at(2),
            None => (digits, "0"),
        };
        let hours: i32 = hours.parse().map_err(|_| bad())?;
        let minutes: i32 = minutes.parse().map_err(|_| bad())?;
        if !(0..60).contains(&minutes) || !(0..24).contains(&hours) {
            return Err(bad());
        }
        UtcOffset::from_seconds(sign * (hours * 3600 + minutes * 60))
    }
}

/// Calendar bucket for counts over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Period {
    /// Local calendar day.
    #[default]
    Day,
    /// ISO week, Monday to Sunday; labelled by its Monday.
    Week,
    /// Calendar month.
    Month,
}

impl FromStr for Period {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "day" => Ok(Period::Day),
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            other => Err(Error::InvalidPeriod(other.to_owned())),
        }
    }
}

impl Period {
    /// `day`, `week` or `month`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// The bucket index of instant `t` (unix seconds) in `offset`: consecutive buckets have
    /// consecutive indices.
    pub fn index(&self, t: i64, offset: UtcOffset) -> i64 {
        let day = offset.local(t).div_euclid(86_400);
        match self {
            Period::Day => day,
            // 1970-01-01 was a Thursday: day 0 + 3 is in the week of Monday 1969-12-29.
            Period::Week => (day + 3).div_euclid(7),
            Period::Month => {
                let (y, m, _) = civil_from_days(day);
                y * 12 + i64::from(m) - 1
            }
        }
    }

    /// Unix seconds at which bucket `index` starts, in `offset`.
    pub fn start(&self, index: i64, offset: UtcOffset) -> i64 {
        let day = match self {
            Period::Day => index,
            Period::Week => index.saturating_mul(7).saturating_sub(3),
            Period::Month => {
                let y = index.div_euclid(12);
                let m = index.rem_euclid(12) as u32 + 1;
                days_from_civil(y, m, 1)
            }
        };
        day.saturating_mul(86_400)
            .saturating_sub(i64::from(offset.seconds()))
    }

    /// Label of bucket `index`: `2026-07-24` (day), `2026-07-20` (the week's Monday),
    /// `2026-07` (month).
    pub fn label(&self, index: i64, offset: UtcOffset) -> String {
        let day = offset.local(self.start(index, offset)).div_euclid(86_400);
        let (y, m, d) = civil_from_days(day);
        match self {
            Period::Month => format!("{y:04}-{m:02}"),
            _ => format!("{y:04}-{m:02}-{d:02}"),
        }
    }
}

/// Hour of day (0–23) of instant `t` in `offset`.
pub fn hour_of_day(t: i64, offset: UtcOffset) -> u32 {
    (offset.local(t).rem_euclid(86_400) / 3600) as u32
}

/// `YYYY-MM-DDThh:mm:ss+hh:mm` of instant `t` in `offset`.
pub fn format_time(t: i64, offset: UtcOffset) -> String {
    let local = offset.local(t);
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let s = local.rem_euclid(86_400);
    let sign = if offset.seconds() < 0 { '-' } else { '+' };
    let abs = offset.seconds().unsigned_abs();
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        s / 3600,
        s % 3600 / 60,
        s % 60,
        abs / 3600,
        abs % 3600 / 60
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date ([`annals_model::civil`]).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    annals_model::civil::days_from_civil(y, i64::from(m), i64::from(d))
}

/// The proleptic Gregorian date of a day count since 1970-01-01 ([`annals_model::civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let (y, m, d) = annals_model::civil::civil_from_days(z);
    // Month 1–12 and day 1–31 by construction.
    (y, m as u32, d as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for day in -800_000..800_000 {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2026, 7, 24), 20_658);
    }

    #[test]
    fn hour_of_day_in_china() {
        // 2026-07-23T16:41:51Z is 00:41 on 24 July in Beijing.
        let t = days_from_civil(2026, 7, 23) * 86_400 + 16 * 3600 + 41 * 60 + 51;
        assert_eq!(hour_of_day(t, UtcOffset::CHINA), 0);
        assert_eq!(hour_of_day(t, UtcOffset::UTC), 16);
        assert_eq!(
            format_time(t, UtcOffset::CHINA),
            "2026-07-24T00:41:51+08:00"
        );
        assert_eq!(
            Period::Day.label(Period::Day.index(t, UtcOffset::CHINA), UtcOffset::CHINA),
            "2026-07-24"
        );
        assert_eq!(
            Period::Day.label(Period::Day.index(t, UtcOffset::UTC), UtcOffset::UTC),
            "2026-07-23"
        );
        // Before the epoch, hours still run 0..24.
        assert_eq!(hour_of_day(-1, UtcOffset::UTC), 23);
    }

    #[test]
    fn weeks_and_months() {
        let offset = UtcOffset::CHINA;
        // Friday 2026-07-24 (local) is in the week of Monday 2026-07-20.
        let t = days_from_civil(2026, 7, 24) * 86_400 - 8 * 3600 + 60;
        let w = Period::Week.index(t, offset);
        assert_eq!(Period::Week.label(w, offset), "2026-07-20");
        assert_eq!(Period::Week.label(w + 1, offset), "2026-07-27");
        let m = Period::Month.index(t, offset);
        assert_eq!(Period::Month.label(m, offset), "2026-07");
        assert_eq!(Period::Month.label(m + 6, offset), "2027-01");
        assert_eq!(
            Period::Month.start(m, offset),
            days_from_civil(2026, 7, 1) * 86_400 - 8 * 3600
        );
    }

    #[test]
    fn offsets_parse() {
        assert_eq!("+08:00".parse::<UtcOffset>().unwrap(), UtcOffset::CHINA);
        assert_eq!("UTC+8".parse::<UtcOffset>().unwrap(), UtcOffset::CHINA);
        assert_eq!(
            "-0530".parse::<UtcOffset>().unwrap().seconds(),
            -(5 * 3600 + 30 * 60)
        );
        assert!("+25".parse::<UtcOffset>().is_err());
        assert!("8".parse::<UtcOffset>().is_err());
        assert_eq!(UtcOffset::CHINA.to_string(), "UTC+08:00");
    }
}
