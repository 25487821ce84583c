//! What a review queue is checked against before it is stored: each bad field is a 400
//! naming it, and a rubric change that would change the meaning of answers given is a 409.

use std::collections::HashSet;

use hindsight_types::queues::is_question_id;
use hindsight_types::{QuestionKind, RubricQuestion, Sampling, StratifyBy, StratumRule};

use crate::auth::Role;
use crate::db::{self, DbConnection};
use crate::error::{bad_request, conflict, AppResult};

/// Most questions in a rubric.
const MAX_QUESTIONS: usize = 50;
/// Most labels of a label question.
const MAX_CHOICES: usize = 50;
/// Shortest and longest reservation, in seconds.
const RESERVATION_SECONDS: std::ops::RangeInclusive<i64> = 10..=86_400;

/// A queue's name: one line of 1 to 200 characters.
pub(super) fn check_name(name: &str) -> AppResult<()> {
    if name.trim().is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(bad_request(
            "name",
            "`name` must be 1 to 200 characters on one line, not only spaces",
        ));
    }
    Ok(())
}

/// Checks a rubric: 1 to 50 questions with distinct ids; labels only on label questions.
pub(super) fn check_rubric(rubric: &[RubricQuestion]) -> AppResult<()> {
    if rubric.is_empty() || rubric.len() > MAX_QUESTIONS {
        return Err(bad_request(
            "rubric",
            format!("`rubric` must hold 1 to {MAX_QUESTIONS} questions"),
        ));
    }
    let mut ids = HashSet::new();
    for (i, q) in rubric.iter().enumerate() {
        let field = |f: &str| format!("rubric[{i}].{f}");
        if !is_question_id(&q.id) {
            return Err(bad_request(
                &field("id"),
                format!("question id `{}` must be 1 to 64 lower-case letters, digits or `_`, starting with a letter", q.id),
            ));
        }
        if !ids.insert(q.id.as_str()) {
            return Err(bad_request(
                &field("id"),
                format!("two questions have the id `{}`", q.id),
            ));
        }
        // No NUL: PostgreSQL's text cannot hold it.
        if q.prompt.trim().is_empty() || q.prompt.chars().count() > 1_000 || q.prompt.contains('\0')
        {
            return Err(bad_request(
                &field("prompt"),
                "a question's `prompt` must be 1 to 1,000 characters, not only spaces",
            ));
        }
        let mut seen = HashSet::new();
        match q.kind {
            QuestionKind::Label => {
                if !(2..=MAX_CHOICES).contains(&q.choices.len()) {
                    return Err(bad_request(
                        &field("choices"),
                        format!("a label question offers 2 to {MAX_CHOICES} `choices`"),
                    ));
                }
                for c in &q.choices {
                    if c.trim().is_empty()
                        || c.chars().count() > 100
                        || c.contains('\0')
                        || !seen.insert(c)
                    {
                        return Err(bad_request(
                            &field("choices"),
                            format!("the label `{c}` is empty, longer than 100 characters or given twice"),
                        ));
                    }
                }
            }
            kind if !q.choices.is_empty() => {
                return Err(bad_request(
                    &field("choices"),
                    format!("a {} question has no `choices`", kind.as_str()),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Once reviews exist, a rubric change may add questions and labels and reword, but not
/// remove a question or a label or change a question's kind: the answers given must still
/// mean what they meant.
pub(super) fn check_rubric_change(old: &[RubricQuestion], new: &[RubricQuestion]) -> AppResult<()> {
    for q in old {
        let Some(n) = new.iter().find(|n| n.id == q.id) else {
            return Err(conflict(
                "rubric",
                format!(
                    "the queue has reviews: question `{}` cannot be removed",
                    q.id
                ),
            ));
        };
        if n.kind != q.kind {
            return Err(conflict(
                "rubric",
                format!(
                    "the queue has reviews: question `{}` cannot change its kind",
                    q.id
                ),
            ));
        }
        if let Some(c) = q.choices.iter().find(|c| !n.choices.contains(c)) {
            return Err(conflict(
                "rubric",
                format!(
                    "the queue has reviews: the label `{c}` of `{}` cannot be removed",
                    q.id
                ),
            ));
        }
    }
    Ok(())
}

fn check_share(field: &str, share: f64) -> AppResult<()> {
    if !(share > 0.0 && share <= 1.0) {
        return Err(bad_request(
            field,
            format!("`{field}` must be above 0 and at most 1"),
        ));
    }
    Ok(())
}

fn check_stratum(field: &str, rule: &StratumRule) -> AppResult<()> {
    match (rule.share, rule.count) {
        (Some(share), None) => check_share(&format!("{field}.share"), share),
        (None, Some(count)) if (1..=1_000_000).contains(&count) => Ok(()),
        (None, Some(_)) => Err(bad_request(
            &format!("{field}.count"),
            format!("`{field}.count` must be 1 to 1,000,000"),
        )),
        _ => Err(bad_request(
            field,
            format!("`{field}` takes a `share` or a `count`, one of them"),
        )),
    }
}

/// Checks a sampling rule: strata by a supported value, shares in (0, 1], counts 1 to
/// 1,000,000, one of them per stratum.
pub(super) fn check_sampling(sampling: &Sampling) -> AppResult<()> {
    match sampling {
        Sampling::All => Ok(()),
        Sampling::Share { share, .. } => check_share("sampling.share", *share),
        Sampling::Stratified {
            by,
            share,
            count,
            strata,
            ..
        } => {
            if !StratifyBy::SUPPORTED.contains(by) {
                return Err(bad_request(
                    "sampling.by",
                    "`sampling.by` must be `channel`, `environment` or `intent`",
                ));
            }
            let default = StratumRule {
                share: *share,
                count: *count,
            };
            check_stratum("sampling", &default)?;
            for (name, rule) in strata {
                check_stratum(&format!("sampling.strata.{name}"), rule)?;
            }
            Ok(())
        }
    }
}

/// Checks the work settings: reviewers 1 to 3, the reservation, the assignees (users with
/// the reviewer role or above, as many as the conversations need).
pub(super) fn check_work(
    conn: &mut DbConnection,
    assignees: &[String],
    reviewers: i64,
    reservation: i64,
) -> AppResult<()> {
    if !(1..=3).contains(&reviewers) {
        return Err(bad_request(
            "reviewers_per_conversation",
            "`reviewers_per_conversation` must be 1, 2 or 3",
        ));
    }
    if !RESERVATION_SECONDS.contains(&reservation) {
        return Err(bad_request(
            "reservation_seconds",
            format!(
                "`reservation_seconds` must be {} to {}",
                RESERVATION_SECONDS.start(),
                RESERVATION_SECONDS.end()
            ),
        ));
    }
    let mut seen = HashSet::new();
    for name in assignees {
        if name.contains('\0') {
            return Err(bad_request(
                "assignees",
                "a username holds no NUL character",
            ));
        }
        if !seen.insert(name) {
            return Err(bad_request(
                "assignees",
                format!("`{name}` is assigned twice"),
            ));
        }
        let role = db::users::find(conn, name)?.and_then(|u| u.role.parse::<Role>().ok());
        if role.is_none_or(|r| r < Role::Reviewer) {
            return Err(bad_request(
                "assignees",
                format!("`{name}` is no user with the reviewer or admin role"),
            ));
        }
    }
    if !assignees.is_empty() && (assignees.len() as i64) < reviewers {
        return Err(bad_request(
            "assignees",
            format!(
                "each conversation needs {reviewers} different reviewers, but only {} are assigned",
                assignees.len()
            ),
        ));
    }
    Ok(())
}
