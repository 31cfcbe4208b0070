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
        // Whole months (and years) from the monthly roll-up, the loose days
        // at the edges from the day buckets; added up here.
        let parts = split(from, to);
        let mut sums: std::collections::HashMap<(String, String), i64> =
            std::collections::HashMap::new();
        let mut add = |sql: &str, a: String, b: String| -> Result<()> {
            let mut q = self.conn.prepare_cached(sql)?;
            let mut rows = q.query(params![a, b])?;
            while let Some(r) = rows.next()? {
                let f: String = r.get(0)?;
                let g: String = r.get(1)?;
                *sums.entry((f, g)).or_default() += r.get::<_, i64>(2)?;
            }
            Ok(())
        };
        for (a, b) in &parts.days {
            add(
                "SELECT figure, grp, value FROM stat_days WHERE day >= ?1 AND day < ?2",
                day_text(*a),
                day_text(*b),
            )?;
        }
        let mut months = parts.months.clone();
        if let Some((a, b)) = &parts.years {
            months.push((format!("{a}-01"), format!("{b}-01")));
        }
        for (a, b) in months {
            add(
                "SELECT figure, grp, value FROM stat_months WHERE month >= ?1 AND month < ?2",
                a,
                b,
            )?;
        }
        Ok(sums.into_iter().map(|((f, g), v)| (f, g, v)).collect())
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
    /// with the birth date the provider gave (for the age group): whole years
    /// through the card bit masks (`stat_card`), cut months through the
    /// month bits of `stat_active_year`, the cut
    /// days at the edges from the requests themselves.
    ///
    /// Counted in SQL: the total and by age group on `to` (`[0-14, 15-30, 31+]`).
    pub(crate) fn active_counts(&self, from: NaiveDate, to: NaiveDate) -> Result<(i64, [i64; 3])> {
        let parts = split(from, to);
        // Ages on the period's last day (?1); the years' bit mask is ?2.
        let ages = |b: &str| {
            format!(
                "count(*),
                 sum(CASE WHEN {b} IS NULL OR {b} = '' THEN 0 WHEN date({b}, '+15 years') > ?1 THEN 1 ELSE 0 END),
                 sum(CASE WHEN {b} IS NULL OR {b} = '' THEN 0 WHEN date({b}, '+15 years') > ?1 THEN 0
                          WHEN date({b}, '+31 years') > ?1 THEN 1 ELSE 0 END),
                 sum(CASE WHEN {b} IS NULL OR {b} = '' THEN 0 WHEN date({b}, '+31 years') > ?1 THEN 0 ELSE 1 END)"
            )
        };
        let mask: Option<i64> = parts.years.as_ref().and_then(|(a, b)| {
            let (a, b) = (a.parse::<i64>().ok()?, b.parse::<i64>().ok()?);
            (a >= 2000 && b <= 2063 && a < b)
                .then(|| ((1i64 << (b - 2000)) - 1) & !((1i64 << (a - 2000)) - 1))
        });
        let mut args: Vec<Box<dyn rusqlite::ToSql>> =
            vec![Box::new(day_text(to)), Box::new(mask.unwrap_or(0))];
        // The parts not covered by the mask, as one UNION ALL of (lib_card, birth).
        let mut edges: Vec<String> = Vec::new();
        for (a, b) in &parts.days {
            args.push(Box::new(day_start(*a)));
            args.push(Box::new(day_start(*b)));
            edges.push(format!(
                "SELECT lib_card, reader_birth_date AS birth FROM provider_requests
                 WHERE created >= ?{} AND created < ?{}",
                args.len() - 1,
                args.len()
            ));
        }
        // Cut months of a year: that year's cards with one of those months' bits.
        for (year, bits) in month_masks(&parts.months) {
            args.push(Box::new(year));
            args.push(Box::new(bits));
            edges.push(format!(
                "SELECT lib_card, birth_date AS birth FROM stat_active_year WHERE year = ?{} AND months & ?{} != 0",
                args.len() - 1,
                args.len()
            ));
        }
        if let (Some((a, b)), None) = (&parts.years, mask) {
            args.push(Box::new(a.clone()));
            args.push(Box::new(b.clone()));
            edges.push(format!(
                "SELECT lib_card, birth_date AS birth FROM stat_active_year WHERE year >= ?{} AND year < ?{}",
                args.len() - 1,
                args.len()
            ));
        }
        let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(i64, [i64; 3])> {
            let n = |i| r.get::<_, Option<i64>>(i).map(Option::unwrap_or_default);
            Ok((n(0)?, [n(1)?, n(2)?, n(3)?]))
        };
        let mut total = (0, [0; 3]);
        let mut add = |x: (i64, [i64; 3])| {
            total.0 += x.0;
            for i in 0..3 {
                total.1[i] += x.1[i];
            }
        };
        if mask.is_some() {
            let sql = "SELECT count(*),
                    sum(turns15 > ?1), sum(turns15 <= ?1 AND turns31 > ?1), sum(turns31 <= ?1)
                 FROM stat_card WHERE years & ?2 != 0"
                .to_owned();
            let mut q = self.conn.prepare_cached(&sql)?;
            add(q.query_row(
                rusqlite::params_from_iter(args.iter().take(2).map(|a| a.as_ref())),
                row,
            )?);
        }
        if !edges.is_empty() {
            let sql = format!(
                "SELECT {} FROM (SELECT lib_card, max(birth) AS birth FROM ({}) GROUP BY lib_card) x
                 WHERE ?2 = 0 OR NOT EXISTS (SELECT 1 FROM stat_card c WHERE c.lib_card = x.lib_card AND c.years & ?2 != 0)",
                ages("x.birth"),
                edges.join(" UNION ALL ")
            );
            let mut q = self.conn.prepare_cached(&sql)?;
            add(q.query_row(
                rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
                row,
            )?);
        }
        Ok(total)
    }

    /// The histogram of answer times (ten-minute step → requests) of the
    /// requests made in the months that `from`..=`to` touches.
    pub(crate) fn answer_steps(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(i64, i64)>> {
        let mut q = self.conn.prepare_cached(
            "SELECT step, sum(n) FROM stat_answer WHERE month BETWEEN ?1 AND ?2
             GROUP BY step ORDER BY step",
        )?;
        let rows = q.query_map(
            params![
                from.format("%Y-%m").to_string(),
                to.format("%Y-%m").to_string()
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many requests made between `from` and `to` still wait.
    pub(crate) fn waiting_count(&self, from: NaiveDate, to: NaiveDate) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM provider_requests INDEXED BY provider_requests_by_status
             WHERE status = 'pending' AND created >= ?1 AND created < ?2",
            params![day_start(from), day_start(to + chrono::Duration::days(1))],
            |r| r.get(0),
        )?)
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

/// `[a, b)` month ranges (`YYYY-MM`) as (year, bit mask of its months).
fn month_masks(ranges: &[(String, String)]) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for (a, b) in ranges {
        let (Some(mut d), Some(end)) = (
            NaiveDate::parse_from_str(&format!("{a}-01"), "%Y-%m-%d").ok(),
            NaiveDate::parse_from_str(&format!("{b}-01"), "%Y-%m-%d").ok(),
        ) else {
            continue;
        };
        use chrono::Datelike;
        while d < end {
            let year = d.year().to_string();
            let bit = 1i64 << (d.month() - 1);
            match out.iter_mut().find(|(y, _)| *y == year) {
                Some((_, m)) => *m |= bit,
                None => out.push((year, bit)),
            }
            d = next_month(d);
        }
    }
    out
}

/// A period cut into whole years, whole months and loose days.
#[derive(Debug, Default, PartialEq)]
struct Parts {
    /// `[a, b)` local days.
    days: Vec<(NaiveDate, NaiveDate)>,
    /// `[a, b)` as `YYYY-MM`.
    months: Vec<(String, String)>,
    /// `[a, b)` as `YYYY`.
    years: Option<(String, String)>,
}

fn next_month(d: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

fn split(from: NaiveDate, to: NaiveDate) -> Parts {
    use chrono::Datelike;
    let end = to + chrono::Duration::days(1);
    let mut parts = Parts::default();
    let m0 = if from.day() == 1 {
        from
    } else {
        next_month(from)
    };
    let m1 = NaiveDate::from_ymd_opt(end.year(), end.month(), 1).unwrap_or(end);
    if m0 >= m1 {
        parts.days.push((from, end));
        return parts;
    }
    if from < m0 {
        parts.days.push((from, m0));
    }
    if m1 < end {
        parts.days.push((m1, end));
    }
    let y0 = if m0.month() == 1 {
        m0.year()
    } else {
        m0.year() + 1
    };
    let y1 = m1.year();
    let ym = |d: NaiveDate| d.format("%Y-%m").to_string();
    if y0 < y1 {
        let (a, b) = (
            NaiveDate::from_ymd_opt(y0, 1, 1).unwrap_or(m0),
            NaiveDate::from_ymd_opt(y1, 1, 1).unwrap_or(m1),
        );
        if m0 < a {
            parts.months.push((ym(m0), ym(a)));
        }
        if b < m1 {
            parts.months.push((ym(b), ym(m1)));
        }
        parts.years = Some((y0.to_string(), y1.to_string()));
    } else {
        parts.months.push((ym(m0), ym(m1)));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_period_splits_into_days_months_and_years() {
        assert_eq!(
            split(d(2026, 6, 3), d(2026, 6, 20)),
            Parts {
                days: vec![(d(2026, 6, 3), d(2026, 6, 21))],
                ..Parts::default()
            }
        );
        assert_eq!(
            split(d(2026, 6, 1), d(2026, 6, 30)),
            Parts {
                months: vec![("2026-06".into(), "2026-07".into())],
                ..Parts::default()
            }
        );
        assert_eq!(
            split(d(2015, 11, 20), d(2019, 6, 15)),
            Parts {
                days: vec![
                    (d(2015, 11, 20), d(2015, 12, 1)),
                    (d(2019, 6, 1), d(2019, 6, 16))
                ],
                months: vec![
                    ("2015-12".into(), "2016-01".into()),
                    ("2019-01".into(), "2019-06".into())
                ],
                years: Some(("2016".into(), "2019".into())),
            }
        );
        assert_eq!(
            split(d(2016, 1, 1), d(2025, 12, 31)).years,
            Some(("2016".into(), "2026".into()))
        );
    }
}

/// The opening balance and the reports of a period.
pub type MoneyReports = (Option<i64>, Vec<(DateTime<Utc>, i64)>);

/// A purchase for the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseRow {
    pub at: DateTime<Utc>,
    pub title: String,
    pub price_kopecks: i64,
    /// `library` or `reader`.
    pub by: String,
    /// Who decided it at the desk, when the desk did.
    pub staff: Option<String>,
}

/// The most requested of a period: (name, requests).
pub type Top = Vec<(String, i64)>;

impl Store {
    /// Purchases answered between `from` and `to`, oldest first.
    pub(crate) fn purchases(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<PurchaseRow>> {
        let mut q = self.conn.prepare_cached(
            "SELECT p.updated, p.title, COALESCE(p.price_kopecks, 0), p.bought_by,
                (SELECT o.created_by FROM outbox o WHERE o.request_id = p.id AND o.kind = 'buy' LIMIT 1)
             FROM provider_requests p
             WHERE p.bought_by IS NOT NULL AND p.status = 'issued' AND p.updated >= ?1 AND p.updated < ?2
             ORDER BY p.updated",
        )?;
        let rows = q.query_map(
            params![day_start(from), day_start(to + chrono::Duration::days(1))],
            |r| {
                Ok(PurchaseRow {
                    at: parse_ts(&r.get::<_, String>(0)?),
                    title: r.get(1)?,
                    price_kopecks: r.get(2)?,
                    by: r.get(3)?,
                    staff: r.get(4)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The provider's reports of the money left: the last before `from`
    /// (the opening balance) and those up to `to`.
    pub(crate) fn money_reports(&self, from: NaiveDate, to: NaiveDate) -> Result<MoneyReports> {
        let start = day_start(from);
        let opening: Option<i64> = self
            .conn
            .query_row(
                "SELECT money_left FROM money_reports WHERE at < ?1 ORDER BY at DESC, id DESC LIMIT 1",
                [&start],
                |r| r.get(0),
            )
            .ok();
        let mut q = self.conn.prepare_cached(
            "SELECT at, money_left FROM money_reports WHERE at >= ?1 AND at < ?2 ORDER BY at, id",
        )?;
        let rows = q.query_map(
            params![start, day_start(to + chrono::Duration::days(1))],
            |r| Ok((parse_ts(&r.get::<_, String>(0)?), r.get(1)?)),
        )?;
        Ok((opening, rows.collect::<rusqlite::Result<_>>()?))
    }

    /// The most requested titles, authors or genres (`column`) of a period.
    pub(crate) fn top_requested(
        &self,
        column: &str,
        from: NaiveDate,
        to: NaiveDate,
        limit: usize,
    ) -> Result<Top> {
        let column = match column {
            "title" => "title",
            "authors" => "authors",
            _ => "genre",
        };
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {column}, count(*) FROM provider_requests
             WHERE created >= ?1 AND created < ?2 AND direct = 0 AND {column} IS NOT NULL AND {column} <> ''
             GROUP BY {column} ORDER BY count(*) DESC, {column} LIMIT ?3"
        ))?;
        let rows = q.query_map(
            params![
                day_start(from),
                day_start(to + chrono::Duration::days(1)),
                limit as i64
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
