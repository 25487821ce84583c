//! A queue's progress (done, reserved, remaining; per reviewer; time per review) and what
//! its reviews found: each answer's estimated share of the source population with a 95 %
//! interval (a settled disagreement counting with its settled answers), and agreement between
//! reviewers.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDateTime;
use hindsight_types::{
    Agreement, QuestionFindings, QuestionKind, QueueProgress, ReviewerProgress, RubricQuestion,
    Sampling, ShareEstimate,
};

use super::queue_settlements::settled_of_queue;
use super::queues::{assignees_of, queue_row, rubric_of, sampling_of};
use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::queue_reviews::{self as turns, TurnRow};
use crate::db::{self, DbConnection};
use crate::error::AppResult;
use crate::review::stats::{self, Stratum};

/// One conversation's answers to one question: (completed at, value), oldest first.
type Answers<'a> = Vec<(NaiveDateTime, &'a str)>;

/// The most frequent answer; ties go to the one given first.
fn modal<'a>(answers: &Answers<'a>) -> &'a str {
    let mut counts: BTreeMap<&'a str, (usize, usize)> = BTreeMap::new();
    for (i, (_, v)) in answers.iter().enumerate() {
        let e = counts.entry(*v).or_insert((0, i));
        e.0 += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
        .map_or("", |(v, _)| v)
}

/// The values a question's estimates are given for.
fn values_of(q: &RubricQuestion) -> Option<Vec<String>> {
    match q.kind {
        QuestionKind::PassFail => Some(vec!["true".into(), "false".into()]),
        QuestionKind::Label => Some(q.choices.clone()),
        QuestionKind::Scale1To5 | QuestionKind::Text => None,
    }
}

/// The findings of one question from each sampled conversation's answers: a conversation's
/// answer is its settlement's where one settled the question (`settled`), else the reviews'
/// most frequent; agreement is the reviewers' own, settled or not.
fn findings(
    q: &RubricQuestion,
    by_conversation: &HashMap<i64, Answers<'_>>,
    settled: &HashMap<i64, &str>,
    strata: &HashMap<i64, &str>,
    population: &BTreeMap<&str, i64>,
    sampling: &Sampling,
    reviewers: i64,
) -> QuestionFindings {
    let mut finals: HashMap<i64, &str> = by_conversation
        .iter()
        .map(|(c, a)| (*c, modal(a)))
        .collect();
    finals.extend(settled.iter().map(|(c, v)| (*c, *v)));
    let answered = finals.len() as i64;
    let total: i64 = population.values().sum();
    let stratified = matches!(sampling, Sampling::Stratified { .. });
    let mut estimates = Vec::new();
    let values = values_of(q);
    if let Some(values) = &values {
        let modes: Vec<(&str, &str)> = finals
            .iter()
            .map(|(c, m)| (strata.get(c).copied().unwrap_or(""), *m))
            .collect();
        for value in values {
            let count = modes.iter().filter(|(_, m)| *m == value.as_str()).count() as i64;
            let interval = if stratified {
                let per: Vec<Stratum> = population
                    .iter()
                    .map(|(s, big_n)| Stratum {
                        big_n: *big_n,
                        n: modes.iter().filter(|(h, _)| h == s).count() as i64,
                        x: modes
                            .iter()
                            .filter(|(h, m)| h == s && *m == value.as_str())
                            .count() as i64,
                    })
                    .collect();
                stats::stratified(&per)
            } else {
                stats::wilson(count, answered)
            };
            if let Some(i) = interval {
                estimates.push(ShareEstimate {
                    value: value.clone(),
                    count,
                    share: i.share,
                    low: i.low,
                    high: i.high,
                    estimated_conversations: i.share * total as f64,
                });
            }
        }
    }
    let agreement = (reviewers >= 2 && q.kind != QuestionKind::Text)
        .then(|| {
            let mut pairs = Vec::new();
            for answers in by_conversation.values() {
                for (i, a) in answers.iter().enumerate() {
                    for b in &answers[i + 1..] {
                        pairs.push((a.1.to_owned(), b.1.to_owned()));
                    }
                }
            }
            stats::agreement(&pairs).map(|(percent, kappa)| Agreement {
                pairs: pairs.len() as i64,
                percent_agreement: percent,
                kappa,
            })
        })
        .flatten();
    QuestionFindings {
        id: q.id.clone(),
        kind: q.kind,
        answered,
        method: values.map(|_| (if stratified { "stratified" } else { "wilson" }).to_owned()),
        estimates,
        agreement,
    }
}

fn seconds(t: &TurnRow) -> Option<f64> {
    t.completed_at
        .map(|c| (c - t.reserved_at).num_milliseconds() as f64 / 1000.0)
}

/// The progress and findings of queue `id` at `now`.
pub fn progress_at(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
) -> AppResult<QueueProgress> {
    let row = queue_row(conn, id)?;
    let rubric = rubric_of(&row)?;
    let sampling = sampling_of(&row)?;
    let needed = row.reviewers_per_conversation;
    let members = db::queues::members(conn, id)?;
    let strata: HashMap<i64, &str> = members.iter().map(|m| (m.0, m.1.as_str())).collect();
    let sampled: BTreeSet<i64> = members.iter().filter(|m| m.2).map(|m| m.0).collect();
    let mut population: BTreeMap<&str, i64> = BTreeMap::new();
    for m in &members {
        *population.entry(m.1.as_str()).or_default() += 1;
    }
    // Turns at live sampled conversations; a reservation past its time counts as none.
    let all_turns: Vec<TurnRow> = turns::turns(conn, id)?
        .into_iter()
        .filter(|t| sampled.contains(&t.conversation_id))
        .filter(|t| t.status != turns::RESERVED || t.expires_at > now)
        .collect();
    let answers = turns::answers(conn, id)?;
    let settlements = settled_of_queue(conn, id)?;
    let mut taken: HashMap<i64, i64> = HashMap::new();
    let mut done_of: HashMap<i64, i64> = HashMap::new();
    for t in &all_turns {
        if t.status != turns::SKIPPED {
            *taken.entry(t.conversation_id).or_default() += 1;
        }
        if t.status == turns::DONE {
            *done_of.entry(t.conversation_id).or_default() += 1;
        }
    }
    let is = |t: &&TurnRow, status: &str| t.status == status;
    let done = all_turns.iter().filter(|t| is(t, turns::DONE)).count() as i64;
    let reserved = all_turns.iter().filter(|t| is(t, turns::RESERVED)).count() as i64;
    let remaining: i64 = sampled
        .iter()
        .map(|c| (needed - taken.get(c).copied().unwrap_or(0)).max(0))
        .sum();
    let complete = sampled
        .iter()
        .filter(|c| done_of.get(*c).copied().unwrap_or(0) >= needed)
        .count() as i64;
    let times = |who: Option<&str>| {
        stats::median(
            all_turns
                .iter()
                .filter(|t| is(t, turns::DONE) && who.is_none_or(|w| t.reviewer == w))
                .filter_map(seconds)
                .collect(),
        )
    };
    let mut names: BTreeSet<String> = assignees_of(&row)?.into_iter().collect();
    names.extend(all_turns.iter().map(|t| t.reviewer.clone()));
    let reviewers = names
        .into_iter()
        .map(|name| {
            let mine: Vec<&TurnRow> = all_turns.iter().filter(|t| t.reviewer == name).collect();
            let count = |status: &str| mine.iter().filter(|t| t.status == status).count() as i64;
            let touched: BTreeSet<i64> = mine.iter().map(|t| t.conversation_id).collect();
            let left = sampled
                .iter()
                .filter(|c| !touched.contains(*c) && done_of.get(*c).copied().unwrap_or(0) < needed)
                .count() as i64;
            ReviewerProgress {
                done: count(turns::DONE),
                reserved: count(turns::RESERVED),
                skipped: count(turns::SKIPPED),
                remaining: left,
                median_seconds: times(Some(&name)),
                reviewer: name,
            }
        })
        .collect();
    let questions = rubric
        .iter()
        .map(|q| {
            let mut by_conversation: HashMap<i64, Answers<'_>> = HashMap::new();
            for t in all_turns.iter().filter(|t| is(t, turns::DONE)) {
                if let Some(v) = answers.get(&t.id).and_then(|a| a.get(&q.id)) {
                    let at = t.completed_at.unwrap_or(t.reserved_at);
                    by_conversation
                        .entry(t.conversation_id)
                        .or_default()
                        .push((at, v.as_str()));
                }
            }
            for a in by_conversation.values_mut() {
                a.sort();
            }
            let settled: HashMap<i64, &str> = settlements
                .iter()
                .filter(|(c, _)| sampled.contains(*c))
                .filter_map(|(c, a)| a.get(&q.id).map(|v| (*c, v.as_str())))
                .collect();
            findings(
                q,
                &by_conversation,
                &settled,
                &strata,
                &population,
                &sampling,
                needed,
            )
        })
        .collect();
    Ok(QueueProgress {
        queue_id: id,
        population: members.len() as i64,
        sampled: sampled.len() as i64,
        reviewers_per_conversation: needed,
        conversations_complete: complete,
        done,
        reserved,
        remaining,
        median_seconds: times(None),
        reviewers,
        questions,
    })
}

/// The progress and findings of a queue: viewer or above.
pub async fn progress(state: &AppState, caller: AuthUser, id: i64) -> AppResult<QueueProgress> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| progress_at(conn, id, chrono::Utc::now().naive_utc()))
        .await
}
