//! The inbox's statistics: per-day counts (in the configured time zone) and the
//! intent-confidence histogram of the conversations a filter matches.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use hindsight_types::{ConversationFilter, ConversationStats, DayCount, CONFIDENCE_BINS};

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db;
use crate::db::stats::RawStats;
use crate::error::AppResult;

/// Counts what `filter` matches, for a viewer or above, within the request's query budget.
pub async fn conversation_stats(
    state: &AppState,
    caller: AuthUser,
    filter: AppResult<ConversationFilter>,
) -> AppResult<ConversationStats> {
    caller.require(Role::Viewer)?;
    let filter = filter?;
    super::path_rewrite::require_paths_for(&state.path_rewrite, &filter)?;
    let tz = state.config.timezone;
    let raw = state
        .db(move |conn| Ok(db::stats::counts(conn, &filter, tz)?))
        .await?;
    Ok(assemble(tz, &raw))
}

/// When the day begins in `tz`: its midnight, or (where a clock change skips midnight) the
/// first hour that exists.
fn day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    (0..24)
        .find_map(|h| {
            tz.from_local_datetime(&day.and_hms_opt(h, 0, 0)?)
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        // Unreachable for real zones; a day of UTC then.
        .unwrap_or_else(|| day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// Folds the quarter hours into the days of `tz`, adds the days counted in `tz` already,
/// lists every day from the first to the last (empty ones included), and folds the bins into
/// the histogram.
pub fn assemble(tz: Tz, raw: &RawStats) -> ConversationStats {
    let mut per_day: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for q in &raw.quarters {
        let at = DateTime::<Utc>::from_timestamp(q.quarter * 900, 0).unwrap_or_default();
        let day = at.with_timezone(&tz).date_naive();
        let entry = per_day.entry(day).or_default();
        entry.0 += q.conversations;
        entry.1 += q.reviewed;
    }
    for d in &raw.local_days {
        let entry = per_day.entry(d.day).or_default();
        entry.0 += d.conversations;
        entry.1 += d.reviewed;
    }
    let mut days = Vec::new();
    if let (Some(first), Some(last)) = (
        per_day.keys().next().copied(),
        per_day.keys().next_back().copied(),
    ) {
        let mut day = first;
        while day <= last {
            let next = day + Duration::days(1);
            let (conversations, reviewed) = per_day.get(&day).copied().unwrap_or_default();
            days.push(DayCount {
                day,
                start: day_start(tz, day),
                end: day_start(tz, next),
                conversations,
                reviewed,
            });
            day = next;
        }
    }
    let mut confidence = vec![0; CONFIDENCE_BINS];
    let mut no_confidence = 0;
    for &(bin, n) in &raw.bins {
        match usize::try_from(bin) {
            Ok(i) if i < CONFIDENCE_BINS => confidence[i] += n,
            _ => no_confidence += n,
        }
    }
    ConversationStats {
        total: days.iter().map(|d| d.conversations).sum(),
        reviewed: days.iter().map(|d| d.reviewed).sum(),
        timezone: tz.name().to_owned(),
        days,
        confidence,
        no_confidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::stats::QuarterCount;

    fn quarter(rfc3339: &str, conversations: i64, reviewed: i64) -> QuarterCount {
        let t = DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp();
        assert_eq!(t % 900, 0, "{rfc3339} starts a quarter hour");
        QuarterCount {
            quarter: t / 900,
            conversations,
            reviewed,
        }
    }

    #[test]
    fn days_of_utc_with_the_gaps_filled() {
        let raw = RawStats {
            quarters: vec![
                quarter("2026-03-01T00:00:00Z", 2, 1),
                quarter("2026-03-01T23:45:00Z", 1, 0),
                quarter("2026-03-03T12:00:00Z", 4, 4),
            ],
            local_days: vec![],
            bins: vec![(-1, 1), (3, 2), (9, 4)],
        };
        let s = assemble(chrono_tz::UTC, &raw);
        let got: Vec<(String, i64, i64)> = s
            .days
            .iter()
            .map(|d| (d.day.to_string(), d.conversations, d.reviewed))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-03-01".into(), 3, 1),
                ("2026-03-02".into(), 0, 0),
                ("2026-03-03".into(), 4, 4)
            ]
        );
        assert_eq!((s.total, s.reviewed), (7, 5));
        assert_eq!(s.confidence, [0, 0, 0, 2, 0, 0, 0, 0, 0, 4]);
        assert_eq!(s.no_confidence, 1);
        assert_eq!(s.days[1].start.to_rfc3339(), "2026-03-02T00:00:00+00:00");
        assert_eq!(s.days[1].end.to_rfc3339(), "2026-03-03T00:00:00+00:00");
    }

    #[test]
    fn days_of_a_zone_with_daylight_saving_and_a_half_hour_offset() {
        // Berlin moves to summer time on 2026-03-29: that day is 23 hours long.
        let raw = RawStats {
            quarters: vec![
                quarter("2026-03-28T22:45:00Z", 1, 0), // 23:45 on the 28th in Berlin
                quarter("2026-03-28T23:00:00Z", 1, 0), // 00:00 on the 29th
                quarter("2026-03-29T21:45:00Z", 1, 0), // 23:45 on the 29th (summer time)
                quarter("2026-03-29T22:00:00Z", 1, 0), // 00:00 on the 30th
            ],
            local_days: vec![],
            bins: vec![],
        };
        let s = assemble(chrono_tz::Europe::Berlin, &raw);
        let counts: Vec<i64> = s.days.iter().map(|d| d.conversations).collect();
        assert_eq!(counts, [1, 2, 1]);
        assert_eq!(s.days[1].end - s.days[1].start, Duration::hours(23));
        assert_eq!(s.timezone, "Europe/Berlin");
        // India is 5:30 ahead of UTC: 18:30 UTC is the next day's midnight.
        let raw = RawStats {
            quarters: vec![
                quarter("2026-05-01T18:15:00Z", 1, 1),
                quarter("2026-05-01T18:30:00Z", 1, 0),
            ],
            local_days: vec![],
            bins: vec![],
        };
        let s = assemble(chrono_tz::Asia::Kolkata, &raw);
        assert_eq!(s.days.len(), 2);
        assert_eq!(s.days[1].start.to_rfc3339(), "2026-05-01T18:30:00+00:00");
    }

    #[test]
    fn maintained_days_are_taken_as_they_are_with_the_gaps_filled() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let raw = RawStats {
            local_days: vec![
                crate::db::stats::LocalDayCount {
                    day: day("2026-05-01"),
                    conversations: 3,
                    reviewed: 1,
                },
                crate::db::stats::LocalDayCount {
                    day: day("2026-05-03"),
                    conversations: 2,
                    reviewed: 2,
                },
            ],
            ..RawStats::default()
        };
        let s = assemble(chrono_tz::Asia::Kolkata, &raw);
        let got: Vec<(NaiveDate, i64, i64)> = s
            .days
            .iter()
            .map(|d| (d.day, d.conversations, d.reviewed))
            .collect();
        assert_eq!(
            got,
            [
                (day("2026-05-01"), 3, 1),
                (day("2026-05-02"), 0, 0),
                (day("2026-05-03"), 2, 2)
            ]
        );
        assert_eq!((s.total, s.reviewed), (5, 3));
        assert_eq!(s.days[0].start.to_rfc3339(), "2026-04-30T18:30:00+00:00");
    }

    #[test]
    fn nothing_matching_has_no_days() {
        let s = assemble(chrono_tz::UTC, &RawStats::default());
        assert!(s.days.is_empty());
        assert_eq!(s.confidence, [0; 10]);
        assert_eq!(s.total, 0);
    }
}
