//! WARC dates: W3C-profile ISO 8601 in UTC, 14-digit CDX timestamps, and seconds since the epoch.

use annals_model::civil::{civil_from_days, days_from_civil};

/// A point in time as written in a WARC record, kept to the nanosecond. Pure arithmetic, no clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WarcDate {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub unix: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
    /// How many fraction digits were written (0 to 9); kept so the date prints back as it was read.
    pub fraction_digits: u8,
}

impl WarcDate {
    /// Parses `2014-01-27T17:12:38Z`, with an optional fraction of 1 to 9 digits; lenient about a
    /// missing `Z`, a lower-case `t`/`z` and a space instead of `T`. Also accepts 14+ digit ARC dates.
    pub fn parse(text: &str) -> Option<WarcDate> {
        let t = text.trim();
        if t.len() >= 8 && t.bytes().all(|b| b.is_ascii_digit()) {
            return Self::parse_digits(t);
        }
        let b = t.as_bytes();
        if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        if !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let s = t.get(r)?;
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        let (y, mo, d, h, mi, s) = (
            num(0..4)?,
            num(5..7)?,
            num(8..10)?,
            num(11..13)?,
            num(14..16)?,
            num(17..19)?,
        );
        let mut rest = &t[19..];
        let mut nanos = 0u32;
        let mut digits = 0u8;
        if let Some(frac) = rest.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            for (i, c) in frac.bytes().take(n).enumerate() {
                if i < 9 {
                    nanos = nanos * 10 + u32::from(c - b'0');
                }
            }
            digits = n.min(9) as u8;
            nanos *= 10u32.pow(9 - u32::from(digits));
            rest = &frac[n..];
        }
        if !(rest.is_empty() || rest.eq_ignore_ascii_case("z") || rest == "+00:00") {
            return None;
        }
        Self::from_parts(y, mo, d, h, mi, s, nanos, digits)
    }

    /// Parses CDX/ARC digit timestamps `YYYYMMDD[hh[mm[ss]]]…`; digits past 14 are ignored, and a
    /// short value is padded like pywb does (month and day to 01, time to 00).
    pub fn parse_digits(t: &str) -> Option<WarcDate> {
        if t.len() < 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut padded = [b'0'; 14];
        for (i, c) in t.bytes().take(14).enumerate() {
            padded[i] = c;
        }
        if t.len() < 6 {
            padded[5] = b'1';
        }
        if t.len() < 8 {
            padded[7] = b'1';
        }
        let p = std::str::from_utf8(&padded).ok()?;
        let n = |r: std::ops::Range<usize>| p[r].parse::<i64>().ok();
        Self::from_parts(
            n(0..4)?,
            n(4..6)?,
            n(6..8)?,
            n(8..10)?,
            n(10..12)?,
            n(12..14)?,
            0,
            0,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn from_parts(
        y: i64,
        mo: i64,
        d: i64,
        h: i64,
        mi: i64,
        s: i64,
        nanos: u32,
        digits: u8,
    ) -> Option<Self> {
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let unix = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s;
        // A leap second on 9999-12-31 normalises into year 10000, which `timestamp14` would print
        // as 15 digits (found by fuzzing): keep every parsed date within four-digit years.
        if unix >= END_OF_YEAR_9999 {
            return None;
        }
        Some(WarcDate {
            unix,
            nanos,
            fraction_digits: digits,
        })
    }

    /// Builds a date from seconds and nanoseconds since the epoch, printed with 6 fraction digits.
    pub fn from_unix(unix: i64, nanos: u32) -> WarcDate {
        WarcDate {
            unix,
            nanos: nanos.min(999_999_999),
            fraction_digits: 6,
        }
    }

    fn civil(&self) -> (i64, i64, i64, i64, i64, i64) {
        let days = self.unix.div_euclid(86_400);
        let secs = self.unix.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
    }

    /// `YYYYMMDDhhmmss`, the CDX timestamp.
    pub fn timestamp14(&self) -> String {
        let (y, m, d, h, mi, s) = self.civil();
        format!("{y:04}{m:02}{d:02}{h:02}{mi:02}{s:02}")
    }

    /// RFC 3339 in UTC, with as many fraction digits as were read (the WARC-Date form).
    pub fn to_rfc3339(&self) -> String {
        let (y, m, d, h, mi, s) = self.civil();
        let mut out = format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
        if self.fraction_digits > 0 {
            let frac = format!("{:09}", self.nanos);
            out.push('.');
            out.push_str(&frac[..usize::from(self.fraction_digits)]);
        }
        out.push('Z');
        out
    }

    /// Seconds since the epoch as a float, for distances between dates.
    pub fn as_f64(&self) -> f64 {
        self.unix as f64 + f64::from(self.nanos) / 1e9
    }
}

/// 10000-01-01T00:00:00Z: the first instant a 4-digit year cannot print.
const END_OF_YEAR_9999: i64 = 253_402_300_800;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let d = WarcDate::parse("2026-11-24T01:15:34.123456Z").unwrap();
        assert_eq!(d.timestamp14(), "20261124011534");
        assert_eq!(d.to_rfc3339(), "2026-11-24T01:15:34.123456Z");
        let d = WarcDate::parse("2014-01-27T17:12:38Z").unwrap();
        assert_eq!(d.unix, 1_390_842_758);
        assert_eq!(d.to_rfc3339(), "2014-01-27T17:12:38Z");
        assert_eq!(WarcDate::parse("1969-12-31T23:59:59Z").unwrap().unix, -1);
        assert_eq!(
            WarcDate::parse("2000-02-29T00:00:00Z")
                .unwrap()
                .timestamp14(),
            "20000229000000"
        );
    }

    #[test]
    fn arc_digits() {
        assert_eq!(
            WarcDate::parse("201404010000000000").unwrap().timestamp14(),
            "20140401000000"
        );
        assert_eq!(
            WarcDate::parse("20240101").unwrap().timestamp14(),
            "20240101000000"
        );
        assert_eq!(
            WarcDate::parse_digits("2024").unwrap().timestamp14(),
            "20240101000000"
        );
    }

    #[test]
    fn leap_second_in_year_9999_is_rejected() {
        // fuzz regression (fuzz/README.md): parsed as 10000-01-01, timestamp14 had 15 digits
        assert!(WarcDate::parse("9999-12-31T23:59:60Z").is_none());
        assert!(WarcDate::parse("99991231235960").is_none());
        let last = WarcDate::parse("9999-12-31T23:59:59.999Z").unwrap();
        assert_eq!(last.timestamp14(), "99991231235959");
        assert_eq!(days_from_civil(10000, 1, 1) * 86_400, END_OF_YEAR_9999);
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "yesterday",
            "2014-13-01T00:00:00Z",
            "2014-01-01T00:00:00+08:00",
            "2014-01-01T00:00:00.Z",
        ] {
            assert!(WarcDate::parse(bad).is_none(), "{bad}");
        }
    }
}
