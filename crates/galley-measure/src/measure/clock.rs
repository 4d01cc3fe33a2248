//! Wall-clock time for document headers, without a date crate. `SOURCE_DATE_EPOCH` (seconds)
//! replaces the clock, so reports and snapshots can be reproduced byte for byte.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch: `SOURCE_DATE_EPOCH` when set and valid, else now.
pub fn now_millis() -> i64 {
    if let Some(secs) = source_date_epoch() {
        return secs.saturating_mul(1000);
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub fn source_date_epoch() -> Option<i64> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()?
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|s| (0..253_402_300_800).contains(s))
}

/// RFC 3339 in UTC with whole seconds: `2026-03-10T20:10:44Z`.
pub fn rfc3339(millis: i64) -> String {
    let secs = millis.div_euclid(1000).clamp(0, 253_402_300_799);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_773_173_444_000), "2026-03-10T20:10:44Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-5), "1970-01-01T00:00:00Z");
    }
}
