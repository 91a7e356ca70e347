//! The proleptic Gregorian calendar as day counts since 1970-01-01: the one copy of the
//! arithmetic that WARC dates, platform timestamps, analysis buckets and the simulator's
//! rendered dates all use. Howard Hinnant's public-domain `days_from_civil` /
//! `civil_from_days` algorithms, exact for every year an `i64` day count can hold. No clock.
//!
//! ```
//! use annals_model::civil::{civil_from_days, days_from_civil};
//! assert_eq!(days_from_civil(2026, 7, 24), 20_658);
//! assert_eq!(civil_from_days(20_658), (2026, 7, 24));
//! ```

/// Days since 1970-01-01 of year `y`, month `m` (1–12), day `d` (1–31). Fields are not
/// checked: day 31 of a 30-day month is the first of the next (see [`days_in_month`]).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month 1–12, day 1–31)` of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whether `y` is a Gregorian leap year.
pub fn is_leap_year(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` (1–12) of year `y`; 31 for a month outside 1–12.
pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(y) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Day of the week of a day count since 1970-01-01: 0 = Monday … 6 = Sunday (ISO 8601 order).
pub fn weekday(days: i64) -> i64 {
    // 1970-01-01 was a Thursday.
    (days + 3).rem_euclid(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_across_eras_and_leap_days() {
        for days in (-1_000_000..1_000_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert!((1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d));
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(
            days_from_civil(2000, 2, 29) + 1,
            days_from_civil(2000, 3, 1)
        );
        assert_eq!(
            days_from_civil(1900, 2, 28) + 1,
            days_from_civil(1900, 3, 1)
        );
        // 10000-01-01T00:00:00Z, the first instant a four-digit year cannot print.
        assert_eq!(days_from_civil(10_000, 1, 1) * 86_400, 253_402_300_800);
    }

    #[test]
    fn weekdays() {
        assert_eq!(weekday(0), 3); // Thursday 1970-01-01
        assert_eq!(weekday(days_from_civil(2026, 11, 24)), 1); // a Tuesday
        assert_eq!(weekday(-1), 2);
    }

    #[test]
    fn month_lengths() {
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2026, 11), 30);
    }
}
