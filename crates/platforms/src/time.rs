//! Calendar arithmetic and timestamp parsing without a clock: every relative form is resolved
//! against an `observed_at` the caller passes in.

use annals_model::civil::{civil_from_days, days_from_civil, days_in_month};

/// Unix seconds for a civil date-time at a UTC offset (seconds east), if the fields are valid.
pub(crate) fn unix_from_parts(
    y: i64,
    mo: i64,
    d: i64,
    h: i64,
    mi: i64,
    s: i64,
    offset: i64,
) -> Option<i64> {
    let valid = (1..=9999).contains(&y)
        && (1..=12).contains(&mo)
        && d >= 1
        && d <= days_in_month(y, mo)
        && (0..24).contains(&h)
        && (0..60).contains(&mi)
        && (0..=60).contains(&s);
    valid.then(|| days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset)
}

/// RFC 3339 in UTC with second precision (`2020-01-30T09:40:55Z`); `None` outside years 1–9999.
pub(crate) fn rfc3339(unix: i64) -> Option<String> {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (1..=9999).contains(&y).then(|| {
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    })
}

/// Asia/Shanghai: UTC+8, no daylight saving since 1991.
const SHANGHAI: i64 = 8 * 3600;

/// How precisely a Weibo time string fixes the instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Precision {
    /// To the second.
    Second,
    /// To the minute (`刚刚`, `5分钟前`, `昨天 12:00`).
    Minute,
    /// To the hour (`3小时前`).
    Hour,
    /// To the day (`06-14`, `2012-01-02`).
    Day,
}

/// A parsed Weibo `created_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeiboTime {
    /// Unix seconds (start of the interval the text names, for day precision: 00:00 UTC+8).
    pub unix: i64,
    /// How precise `unix` is.
    pub precision: Precision,
}

fn month_number(name: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS.iter().position(|m| *m == name).map(|i| i as i64 + 1)
}

fn num(s: &str) -> Option<i64> {
    (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `HH:MM` or `HH:MM:SS`.
fn clock(s: &str) -> Option<(i64, i64, i64)> {
    let mut parts = s.split(':');
    let h = num(parts.next()?)?;
    let m = num(parts.next()?)?;
    let sec = match parts.next() {
        Some(p) => num(p)?,
        None => 0,
    };
    parts.next().is_none().then_some((h, m, sec))
}

/// Parse a Weibo time string (platforms.md §3.3) against `observed_at` (unix seconds, the
/// capture's WARC-Date), in Asia/Shanghai.
///
/// ```
/// use annals_platforms::{parse_weibo_time, Precision};
/// let t = parse_weibo_time("Sat Jun 15 11:44:46 +0800 2019", 0).unwrap();
/// assert_eq!((t.unix, t.precision), (1560570286, Precision::Second));
/// let observed = 1560570286;
/// assert_eq!(parse_weibo_time("5分钟前", observed).unwrap().unix, observed - 300);
/// ```
pub fn parse_weibo_time(raw: &str, observed_at: i64) -> Option<WeiboTime> {
    let s = raw.trim();
    let at = |unix, precision| Some(WeiboTime { unix, precision });
    if s == "刚刚" {
        return at(observed_at, Precision::Minute);
    }
    for (suffix, unit, precision) in [
        ("秒前", 1, Precision::Second),
        ("分钟前", 60, Precision::Minute),
        ("小时前", 3600, Precision::Hour),
    ] {
        if let Some(n) = s.strip_suffix(suffix) {
            let n = num(n.trim())?;
            return at(observed_at.checked_sub(n * unit)?, precision);
        }
    }
    let local_now = observed_at.checked_add(SHANGHAI)?;
    let (cy, cm, cd) = civil_from_days(local_now.div_euclid(86_400));
    for (prefix, back) in [("今天", 0), ("昨天", 1), ("前天", 2)] {
        if let Some(rest) = s.strip_prefix(prefix) {
            let (h, mi, sec) = clock(rest.trim())?;
            let day_start = unix_from_parts(cy, cm, cd, 0, 0, 0, SHANGHAI)? - back * 86_400;
            if !(0..24).contains(&h) || !(0..60).contains(&mi) {
                return None;
            }
            return at(day_start + h * 3600 + mi * 60 + sec, Precision::Minute);
        }
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if let [_, mon, day, hms, tz, year] = fields[..] {
        let (h, mi, sec) = clock(hms)?;
        let tz = tz.as_bytes();
        if tz.len() != 5 || !matches!(tz[0], b'+' | b'-') {
            return None;
        }
        let tz = std::str::from_utf8(tz).ok()?;
        let offset = num(&tz[1..3])? * 3600 + num(&tz[3..5])? * 60;
        let offset = if tz.starts_with('-') { -offset } else { offset };
        let unix = unix_from_parts(
            num(year)?,
            month_number(mon)?,
            num(day)?,
            h,
            mi,
            sec,
            offset,
        )?;
        return at(unix, Precision::Second);
    }
    // `YYYY-MM-DD`, `MM-DD`, optionally followed by `HH:MM[:SS]`.
    let (date, time) = match fields[..] {
        [date] => (date, None),
        [date, time] => (date, Some(clock(time)?)),
        _ => return None,
    };
    let parts: Vec<&str> = date.split('-').collect();
    let (y, m, d, explicit_year) = match parts[..] {
        [y, m, d] if y.len() == 4 => (num(y)?, num(m)?, num(d)?, true),
        [m, d] => (cy, num(m)?, num(d)?, false),
        _ => return None,
    };
    let (h, mi, sec, precision) = match time {
        Some((h, mi, sec)) => (h, mi, sec, Precision::Minute),
        None => (0, 0, 0, Precision::Day),
    };
    let mut unix = unix_from_parts(y, m, d, h, mi, sec, SHANGHAI)?;
    if !explicit_year && unix > observed_at {
        unix = unix_from_parts(y - 1, m, d, h, mi, sec, SHANGHAI)?;
    }
    at(unix, precision)
}

/// A feed or page date (ISO 8601 / RFC 3339 as in `article:published_time` and Atom, or
/// RFC 2822 as in RSS `pubDate`) → RFC 3339 in UTC. Times without an offset are taken as UTC;
/// a bare date is its midnight UTC. `None` when the text is neither form.
pub(crate) fn web_time(raw: &str) -> Option<String> {
    let s = raw.trim();
    iso8601(s).or_else(|| rfc2822(s)).and_then(rfc3339)
}

/// `±HH:MM`, `±HHMM`, `±HH`, `Z` → seconds east.
fn numeric_offset(tz: &str) -> Option<i64> {
    if tz == "Z" || tz == "z" {
        return Some(0);
    }
    let sign = match tz.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = tz[1..].chars().filter(|&c| c != ':').collect();
    let (h, m) = match digits.len() {
        2 => (num(&digits)?, 0),
        4 => (num(&digits[..2])?, num(&digits[2..])?),
        _ => return None,
    };
    (h < 24 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

fn iso8601(s: &str) -> Option<i64> {
    let date = s.get(..10)?;
    let mut parts = date.split('-');
    let (y, mo, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || mo.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, mo, d) = (num(y)?, num(mo)?, num(d)?);
    let rest = &s[10..];
    if rest.is_empty() {
        return unix_from_parts(y, mo, d, 0, 0, 0, 0);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let tz_start = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock_part, tz) = rest.split_at(tz_start);
    let clock_part = clock_part.trim_end();
    // Drop fractional seconds.
    let clock_part = clock_part.split('.').next()?;
    let (h, mi, sec) = clock(clock_part)?;
    let offset = if tz.is_empty() {
        0
    } else {
        numeric_offset(tz)?
    };
    unix_from_parts(y, mo, d, h, mi, sec, offset)
}

fn rfc2822(s: &str) -> Option<i64> {
    let s = s.split_once(',').map_or(s, |(_, rest)| rest);
    let fields: Vec<&str> = s.split_whitespace().collect();
    let [day, mon, year, hms, ref rest @ ..] = fields[..] else {
        return None;
    };
    let mon = mon.get(..3).filter(|m| m.is_ascii())?;
    let mut title = mon[..1].to_ascii_uppercase();
    title.push_str(&mon[1..].to_ascii_lowercase());
    let year = match (year.len(), num(year)?) {
        (2, y) if y < 50 => 2000 + y,
        (2, y) => 1900 + y,
        (4, y) => y,
        _ => return None,
    };
    let (h, mi, sec) = clock(hms)?;
    let offset = match rest.first().copied() {
        None => 0,
        Some(tz) => match tz.to_ascii_uppercase().as_str() {
            "GMT" | "UT" | "UTC" | "Z" => 0,
            "EST" => -5 * 3600,
            "EDT" => -4 * 3600,
            "CST" => -6 * 3600,
            "CDT" => -5 * 3600,
            "MST" => -7 * 3600,
            "MDT" => -6 * 3600,
            "PST" => -8 * 3600,
            "PDT" => -7 * 3600,
            _ => numeric_offset(tz)?,
        },
    };
    unix_from_parts(year, month_number(&title)?, num(day)?, h, mi, sec, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_times() {
        for (raw, want) in [
            ("2024-03-05T08:09:10+08:00", Some("2024-03-05T00:09:10Z")),
            ("2024-03-05T08:09:10.123Z", Some("2024-03-05T08:09:10Z")),
            ("2024-03-05 08:09", Some("2024-03-05T08:09:00Z")),
            ("2024-03-05", Some("2024-03-05T00:00:00Z")),
            ("2024-03-05T01:00:00-0130", Some("2024-03-05T02:30:00Z")),
            (
                "Tue, 05 Mar 2024 08:09:10 +0800",
                Some("2024-03-05T00:09:10Z"),
            ),
            ("Tue, 5 Mar 2024 08:09:10 GMT", Some("2024-03-05T08:09:10Z")),
            ("5 MAR 24 08:09 EST", Some("2024-03-05T13:09:00Z")),
            ("yesterday", None),
            ("2024-13-05", None),
            ("Tue, 05 Foo 2024 08:09:10 GMT", None),
            ("", None),
        ] {
            assert_eq!(web_time(raw).as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn civil_round_trip() {
        assert_eq!(rfc3339(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(rfc3339(1580377255).as_deref(), Some("2020-01-30T09:40:55Z"));
        assert_eq!(
            rfc3339(951_782_400).as_deref(),
            Some("2000-02-29T00:00:00Z")
        );
        assert_eq!(rfc3339(i64::MAX), None);
        for days in [-1000, 0, 59, 365, 11_016, 20_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn weibo_forms() {
        // 2019-06-15 12:00:00 +08:00
        let observed = 1_560_571_200;
        let check = |raw: &str, unix: i64, precision: Precision| {
            assert_eq!(
                parse_weibo_time(raw, observed),
                Some(WeiboTime { unix, precision }),
                "{raw}"
            );
        };
        check(
            "Sat Jun 15 11:44:46 +0800 2019",
            1_560_570_286,
            Precision::Second,
        );
        check(
            "Sat Jun 15 03:44:46 +0000 2019",
            1_560_570_286,
            Precision::Second,
        );
        check("刚刚", observed, Precision::Minute);
        check("5分钟前", observed - 300, Precision::Minute);
        check("3小时前", observed - 3 * 3600, Precision::Hour);
        // yesterday 12:00 Shanghai = 2019-06-14T04:00:00Z
        check("昨天 12:00", 1_560_484_800, Precision::Minute);
        check("今天 08:30", 1_560_558_600, Precision::Minute);
        // 06-14 00:00 Shanghai = 2019-06-13T16:00:00Z
        check("06-14", 1_560_441_600, Precision::Day);
        // 12-31 would be in the future: previous year
        check("12-31", 1_546_185_600, Precision::Day);
        check("2012-01-02", 1_325_433_600, Precision::Day);
        for bad in [
            "",
            "昨天",
            "昨天 25:00",
            "13-01",
            "x分钟前",
            "Sat Foo 15 11:44:46 +0800 2019",
        ] {
            assert_eq!(parse_weibo_time(bad, observed), None, "{bad}");
        }
    }
}
