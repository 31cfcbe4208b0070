//! Statistics: sums of the day buckets (kept by the triggers of
//! `006_stats.sql`), distinct active readers and response times from the
//! requests, and the provider's own monthly figures.

use chrono::{DateTime, Local, NaiveDate, TimeZone, Utc};
use rusqlite::params;

use super::{Result, Store, parse_ts, ts};

/// The first instant of a local day, as stored (UTC text).
fn day_start(d: NaiveDate) -> String {
    let local = Local
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    ts(local)
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The provider's figures of one month (the latest pull of it).
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderMonth {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub stats: String,
}

impl Store {
    /// `(figure, group, sum)` of the day buckets between `from` and `to`.
    pub(crate) fn stat_sums(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(String, String, i64)>> {
        let mut q = self.conn.prepare_cached(
            "SELECT figure, grp, sum(value) FROM stat_days WHERE day BETWEEN ?1 AND ?2
             GROUP BY figure, grp",
        )?;
        let rows = q.query_map(params![day_text(from), day_text(to)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// `(month "YYYY-MM", figure, group, sum)` between `from` and `to`.
    pub(crate) fn stat_months(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(String, String, String, i64)>> {
        let mut q = self.conn.prepare_cached(
            "SELECT substr(day, 1, 7), figure, grp, sum(value) FROM stat_days WHERE day BETWEEN ?1 AND ?2
             GROUP BY substr(day, 1, 7), figure, grp",
        )?;
        let rows = q.query_map(params![day_text(from), day_text(to)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Readers (provider cards) who made a request between `from` and `to`,
    /// with the birth date the provider gave (for the age group): whole
    /// months from `stat_active`, the cut months at the edges from the requests.
    pub(crate) fn active_cards(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(String, Option<String>)>> {
        use chrono::Datelike;
        let first_whole = if from.day() == 1 {
            from
        } else {
            crate::domain::fund::month_bounds(from.year(), from.month())
                .map_or(from, |(_, last)| last + chrono::Duration::days(1))
        };
        let next = to + chrono::Duration::days(1);
        let end_whole = if next.day() == 1 {
            next
        } else {
            NaiveDate::from_ymd_opt(to.year(), to.month(), 1).unwrap_or(to)
        };
        let mut out: std::collections::HashMap<String, Option<String>> =
            std::collections::HashMap::new();
        let mut scan = |a: NaiveDate, b: NaiveDate| -> Result<()> {
            if a >= b {
                return Ok(());
            }
            let mut q = self.conn.prepare_cached(
                "SELECT lib_card, reader_birth_date FROM provider_requests
                 WHERE created >= ?1 AND created < ?2 AND direct = 0",
            )?;
            let rows = q.query_map(params![day_start(a), day_start(b)], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })?;
            for row in rows {
                let (card, birth) = row?;
                out.entry(card).or_insert(birth);
            }
            Ok(())
        };
        if first_whole >= end_whole {
            scan(from, next)?;
        } else {
            scan(from, first_whole)?;
            scan(end_whole, next)?;
            let mut q = self.conn.prepare_cached(
                "SELECT lib_card, birth_date FROM stat_active WHERE month >= ?1 AND month < ?2",
            )?;
            let rows = q.query_map(
                params![
                    first_whole.format("%Y-%m").to_string(),
                    end_whole.format("%Y-%m").to_string()
                ],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)),
            )?;
            for row in rows {
                let (card, birth) = row?;
                out.entry(card).or_insert(birth);
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Requests made between `from` and `to` still waiting, with when they were made.
    pub(crate) fn waiting_since(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DateTime<Utc>>> {
        let mut q = self.conn.prepare_cached(
            "SELECT created FROM provider_requests
             WHERE created >= ?1 AND created < ?2 AND status = 'pending'",
        )?;
        let rows = q.query_map(
            params![day_start(from), day_start(to + chrono::Duration::days(1))],
            |r| Ok(parse_ts(&r.get::<_, String>(0)?)),
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The provider's figures of the months that start within `from`..=`to`
    /// (for each month, the latest pull).
    pub(crate) fn provider_months(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ProviderMonth>> {
        let mut q = self.conn.prepare_cached(
            "SELECT p.period_from, p.period_to, p.stats FROM provider_stats p
             WHERE p.period_from BETWEEN ?1 AND ?2
               AND p.period_to = (SELECT max(period_to) FROM provider_stats x WHERE x.period_from = p.period_from)
             ORDER BY p.period_from",
        )?;
        let rows = q.query_map(params![day_text(from), day_text(to)], |r| {
            let d = |s: String| NaiveDate::parse_from_str(&s, "%Y-%m-%d").unwrap_or_default();
            Ok(ProviderMonth {
                from: d(r.get(0)?),
                to: d(r.get(1)?),
                stats: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Titles that had come into the fund by `day` and had not left it by
    /// then (the desk's own count, when the provider gave none).
    pub(crate) fn fund_size_on(&self, day: NaiveDate) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM fund_items f WHERE f.added <= ?1
               AND NOT (f.copies = 0 AND EXISTS (SELECT 1 FROM fund_events e WHERE e.art = f.art
                   AND e.kind IN ('retired', 'licence_ended') AND e.day <= ?1))",
            [day_text(day)],
            |r| r.get(0),
        )?)
    }
}
