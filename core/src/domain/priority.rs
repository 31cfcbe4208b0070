//! The order of the pending queue by the library's policy: each request gets
//! the weights of the criteria it meets, and the reasons to show; ties go to
//! the request that has waited longest.

use chrono::{DateTime, Utc};

use crate::domain::policy::{Criterion, Policy};
use crate::domain::request::BookKind;
use crate::domain::text::{normalize, plural};

/// What a criterion looks at, for one pending request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidate {
    /// The reader's age in full years on the day of the decision.
    pub age: Option<u32>,
    /// Requests the reader made before this one.
    pub previous: u32,
    /// Full years since the reader became the library's reader.
    pub reader_years: Option<u32>,
    /// The book's genre, folded by [`normalize`].
    pub genre_norm: String,
    pub kind: BookKind,
    pub created: Option<DateTime<Utc>>,
}

/// One request's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    /// Index into the candidates given to [`rank`].
    pub index: usize,
    pub score: u32,
    /// The reasons met, in the policy's order.
    pub reasons: Vec<String>,
}

/// A criterion prepared for matching (genres folded once).
struct Prepared<'a> {
    criterion: &'a Criterion,
    genres: Vec<String>,
}

impl Prepared<'_> {
    fn matches(&self, c: &Candidate) -> bool {
        let k = self.criterion;
        let in_range = |v: Option<u32>, from: Option<u32>, to: Option<u32>| match v {
            Some(v) => from.is_none_or(|f| v >= f) && to.is_none_or(|t| v <= t),
            None => from.is_none() && to.is_none(),
        };
        k.enabled
            && in_range(c.age, k.age_from, k.age_to)
            && in_range(Some(c.previous), k.previous_from, k.previous_to)
            && in_range(c.reader_years, k.years_from, None)
            && (self.genres.is_empty()
                || self
                    .genres
                    .iter()
                    .any(|g| c.genre_norm.contains(g.as_str())))
            && (k.kinds.is_empty() || k.kinds.contains(&c.kind))
    }
}

/// Whether `criterion` applies to `candidate`.
pub fn matches(criterion: &Criterion, candidate: &Candidate) -> bool {
    prepare(criterion).matches(candidate)
}

fn prepare(criterion: &Criterion) -> Prepared<'_> {
    Prepared {
        criterion,
        genres: criterion
            .genres
            .iter()
            .map(|g| normalize(g))
            .filter(|g| !g.is_empty())
            .collect(),
    }
}

/// The candidates in the policy's order: the higher score first, then the
/// request that has waited longer, then the smaller index (stable).
pub fn rank(policy: &Policy, candidates: &[Candidate]) -> Vec<Ranked> {
    let prepared: Vec<Prepared> = policy.criteria.iter().map(prepare).collect();
    let mut out: Vec<Ranked> = candidates
        .iter()
        .enumerate()
        .map(|(index, c)| {
            let mut score = 0u32;
            let mut reasons = Vec::new();
            for p in prepared.iter().filter(|p| p.matches(c)) {
                score = score.saturating_add(p.criterion.weight);
                reasons.push(p.criterion.reason.clone());
            }
            Ranked {
                index,
                score,
                reasons,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| {
                let (x, y) = (candidates[a.index].created, candidates[b.index].created);
                // Unknown times last among equals.
                x.is_none().cmp(&y.is_none()).then(x.cmp(&y))
            })
            .then(a.index.cmp(&b.index))
    });
    out
}

/// How long a request has waited, as the desk says it: «только что», «25 мин», «3 ч»,
/// «2 дня 4 ч».
pub fn waited(created: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let mins = (now - created).num_minutes().max(0) as u64;
    let (days, hours, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    match (days, hours) {
        (0, 0) if m == 0 => "только что".to_string(),
        (0, 0) => format!("{m} мин"),
        (0, h) => format!("{h} ч"),
        (d, 0) => format!("{d} {}", plural(d, "день", "дня", "дней")),
        (d, h) => format!("{d} {} {h} ч", plural(d, "день", "дня", "дней")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::default_criteria;
    use chrono::TimeZone;

    fn at(h: u32) -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap())
    }

    fn cand(age: u32, previous: u32, years: u32, genre: &str, h: u32) -> Candidate {
        Candidate {
            age: Some(age),
            previous,
            reader_years: Some(years),
            genre_norm: normalize(genre),
            kind: BookKind::Ebook,
            created: at(h),
        }
    }

    fn criterion(i: usize) -> Criterion {
        default_criteria().remove(i)
    }

    #[test]
    fn first_time_means_no_request_before() {
        let first = criterion(0);
        assert!(matches(&first, &cand(40, 0, 0, "Детектив", 1)));
        assert!(!matches(&first, &cand(40, 1, 0, "Детектив", 1)));
    }

    #[test]
    fn young_readers_asking_for_childrens_teen_or_study_books() {
        let young = criterion(1);
        assert!(matches(&young, &cand(9, 3, 2, "Детская литература", 1)));
        assert!(matches(
            &young,
            &cand(15, 3, 2, "Подростковая литература", 1)
        ));
        assert!(matches(&young, &cand(21, 3, 2, "Учебная литература", 1)));
        // 22 is no longer young; a young reader asking for a thriller is not favoured.
        assert!(!matches(&young, &cand(22, 3, 2, "Детская литература", 1)));
        assert!(!matches(&young, &cand(12, 3, 2, "Детектив", 1)));
        // Unknown age never matches an age condition.
        let mut unknown = cand(9, 3, 2, "Детская литература", 1);
        unknown.age = None;
        assert!(!matches(&young, &unknown));
    }

    #[test]
    fn parents_asking_for_books_on_upbringing() {
        let parents = criterion(2);
        assert!(matches(&parents, &cand(34, 2, 0, "Воспитание детей", 1)));
        assert!(matches(&parents, &cand(18, 2, 0, "ВОСПИТАНИЕ ДЕТЕЙ", 1)));
        assert!(!matches(&parents, &cand(17, 2, 0, "Воспитание детей", 1)));
        assert!(!matches(&parents, &cand(34, 2, 0, "Фэнтези", 1)));
    }

    #[test]
    fn serious_readers_since_their_first_year() {
        let serious = criterion(3);
        assert!(matches(&serious, &cand(50, 4, 1, "Научно-популярное", 1)));
        assert!(matches(&serious, &cand(50, 1, 6, "Классика", 1)));
        // Exactly under a year with the library, or no request before: not yet.
        assert!(!matches(&serious, &cand(50, 4, 0, "Классика", 1)));
        assert!(!matches(&serious, &cand(50, 0, 3, "Классика", 1)));
        assert!(!matches(&serious, &cand(50, 4, 3, "Фэнтези", 1)));
        // ё and е are one letter for genre matching.
        let mut c = serious.clone();
        c.genres = vec!["Учёба".into()];
        assert!(matches(&c, &cand(50, 4, 3, "Учеба и наука", 1)));
    }

    #[test]
    fn kinds_and_disabled_criteria() {
        let mut audio = criterion(0);
        audio.kinds = vec![BookKind::Audio];
        let mut c = cand(30, 0, 0, "Детектив", 1);
        assert!(!matches(&audio, &c));
        c.kind = BookKind::Audio;
        assert!(matches(&audio, &c));
        audio.enabled = false;
        assert!(!matches(&audio, &c));
    }

    #[test]
    fn the_queue_follows_the_weights_then_the_waiting_time() {
        let policy = Policy::default();
        let cands = vec![
            cand(40, 5, 0, "Детектив", 1),            // nothing; oldest
            cand(40, 0, 0, "Детектив", 9),            // first time: 100
            cand(10, 2, 1, "Детская литература", 8),  // young: 80
            cand(35, 3, 0, "Воспитание детей", 7),    // parent: 60
            cand(60, 9, 5, "История", 6),             // serious: 40
            cand(10, 0, 0, "Детская литература", 10), // first + young: 180
            cand(40, 5, 0, "Детектив", 0),            // nothing; older still
        ];
        let order = rank(&policy, &cands);
        let idx: Vec<usize> = order.iter().map(|r| r.index).collect();
        assert_eq!(idx, vec![5, 1, 2, 3, 4, 6, 0]);
        assert_eq!(
            order[0].reasons,
            vec!["впервые обращается", "юный читатель, детская литература"]
        );
        assert_eq!(order[0].score, 180);
        assert!(order[5].reasons.is_empty());
    }

    #[test]
    fn reordering_the_policy_changes_the_queue() {
        let mut policy = Policy::default();
        policy.criteria[0].weight = 10;
        let cands = vec![
            cand(40, 0, 0, "Детектив", 1),
            cand(10, 2, 1, "Детская литература", 2),
        ];
        let idx: Vec<usize> = rank(&policy, &cands).iter().map(|r| r.index).collect();
        assert_eq!(idx, vec![1, 0]);
    }

    #[test]
    fn waiting_times_read_naturally() {
        let t = at(0).unwrap();
        let later = |mins| t + chrono::Duration::minutes(mins);
        assert_eq!(waited(t, later(25)), "25 мин");
        assert_eq!(waited(t, later(3 * 60 + 5)), "3 ч");
        assert_eq!(waited(t, later(24 * 60)), "1 день");
        assert_eq!(waited(t, later(2 * 1440 + 4 * 60)), "2 дня 4 ч");
        assert_eq!(waited(t, later(5 * 1440)), "5 дней");
        assert_eq!(waited(later(10), t), "только что");
        assert_eq!(waited(t, later(1)), "1 мин");
    }
}
