//! The admin's new-queue form as plain values, and the `POST /api/queues` body built from
//! it. A value that is not a number is refused here, naming the same field the server would
//! (`sampling.share`, `rubric[1].choices`…), so both kinds of error show in the same place;
//! ranges and the rest are the server's to check.

use hindsight_types::{
    QuestionKind, Queue, QueueInput, QueueSource, QueueUpdate, RubricQuestion, Sampling, StratifyBy,
};

/// One rubric question as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionDraft {
    /// The question's id.
    pub id: String,
    /// What the reviewer is asked.
    pub prompt: String,
    /// The kind of answer.
    pub kind: QuestionKind,
    /// Label choices, comma-separated (only `label` questions use them).
    pub choices: String,
    /// Whether a review must answer it.
    pub required: bool,
}

/// How a queue samples, as picked in the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplingRule {
    /// Every conversation.
    All,
    /// A share, with a seed.
    Share,
    /// A share or a count of every stratum.
    Stratified,
}

/// The new-queue form.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueDraft {
    /// Unique name.
    pub name: String,
    /// A saved filter's id, or `None` for an explicit queue.
    pub filter_id: Option<i64>,
    /// The sampling rule.
    pub rule: SamplingRule,
    /// The share (`share`, and `stratified` when `per_stratum_count` is false).
    pub share: String,
    /// The hash seed (empty: 0).
    pub seed: String,
    /// What strata are made of.
    pub by: StratifyBy,
    /// Whether a stratified sample takes a count of each stratum rather than a share.
    pub per_stratum_count: bool,
    /// The count of each stratum.
    pub count: String,
    /// Reviewers per conversation, 1 to 3.
    pub reviewers: i64,
    /// How long a conversation stays reserved, in minutes.
    pub reservation_minutes: String,
    /// Who may work the queue (empty: any reviewer).
    pub assignees: Vec<String>,
    /// The rubric.
    pub rubric: Vec<QuestionDraft>,
}

/// A field the form refused: the field's name as the server spells it, and why.
pub type FieldError = (String, String);

/// Splits comma-separated label choices, trimmed, dropping empty ones.
pub fn parse_choices(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

fn number<T: std::str::FromStr>(text: &str, field: &str, what: &str) -> Result<T, FieldError> {
    text.trim()
        .parse()
        .map_err(|_| (field.to_owned(), format!("{what} must be a number.")))
}

impl QuestionDraft {
    /// A blank pass/fail question.
    pub fn blank() -> Self {
        QuestionDraft {
            id: String::new(),
            prompt: String::new(),
            kind: QuestionKind::PassFail,
            choices: String::new(),
            required: true,
        }
    }

    /// A stored question as the form shows it (labels comma-separated).
    pub fn of(q: &RubricQuestion) -> Self {
        QuestionDraft {
            id: q.id.clone(),
            prompt: q.prompt.clone(),
            kind: q.kind,
            choices: q.choices.join(", "),
            required: q.required,
        }
    }

    fn question(&self) -> RubricQuestion {
        RubricQuestion {
            id: self.id.trim().to_owned(),
            prompt: self.prompt.trim().to_owned(),
            kind: self.kind,
            choices: if self.kind == QuestionKind::Label {
                parse_choices(&self.choices)
            } else {
                Vec::new()
            },
            required: self.required,
        }
    }
}

impl QueueDraft {
    /// The sampling rule, or the field at fault.
    pub fn sampling(&self) -> Result<Sampling, FieldError> {
        let seed = || -> Result<u64, FieldError> {
            if self.seed.trim().is_empty() {
                Ok(0)
            } else {
                number(&self.seed, "sampling.seed", "The seed")
            }
        };
        let share = || number::<f64>(&self.share, "sampling.share", "The share");
        Ok(match self.rule {
            SamplingRule::All => Sampling::All,
            SamplingRule::Share => Sampling::Share {
                share: share()?,
                seed: seed()?,
            },
            SamplingRule::Stratified => {
                let (share, count) = if self.per_stratum_count {
                    (
                        None,
                        Some(number(&self.count, "sampling.count", "The count")?),
                    )
                } else {
                    (Some(share()?), None)
                };
                Sampling::Stratified {
                    by: self.by,
                    seed: seed()?,
                    share,
                    count,
                    strata: Default::default(),
                }
            }
        })
    }

    /// The body of `POST /api/queues`, or the field at fault.
    pub fn to_input(&self) -> Result<QueueInput, FieldError> {
        let minutes: i64 = number(
            &self.reservation_minutes,
            "reservation_seconds",
            "The reservation time",
        )?;
        Ok(QueueInput {
            name: self.name.trim().to_owned(),
            source: match self.filter_id {
                Some(filter_id) => QueueSource::Filter { filter_id },
                None => QueueSource::Explicit,
            },
            sampling: self.sampling()?,
            assignees: self.assignees.clone(),
            reviewers_per_conversation: self.reviewers,
            reservation_seconds: minutes.saturating_mul(60),
            paused: false,
            rubric: self.rubric.iter().map(QuestionDraft::question).collect(),
        })
    }

    /// The body of `PATCH /api/queues/{queue_id}` editing `queue`: what the form changed of
    /// its name, assignees, reviewers, reservation and rubric (the source and sampling are
    /// fixed), or the field at fault. A reservation left at [`minutes_of`] stays as it was.
    pub fn to_update(&self, queue: &Queue) -> Result<QueueUpdate, FieldError> {
        let minutes: i64 = number(
            &self.reservation_minutes,
            "reservation_seconds",
            "The reservation time",
        )?;
        let name = self.name.trim().to_owned();
        let rubric: Vec<RubricQuestion> = self.rubric.iter().map(QuestionDraft::question).collect();
        Ok(QueueUpdate {
            name: (name != queue.name).then_some(name),
            assignees: (self.assignees != queue.assignees).then(|| self.assignees.clone()),
            reviewers_per_conversation: (self.reviewers != queue.reviewers_per_conversation)
                .then_some(self.reviewers),
            reservation_seconds: (self.reservation_minutes.trim() != minutes_of(queue))
                .then(|| minutes.saturating_mul(60)),
            paused: None,
            rubric: (rubric != queue.rubric).then_some(rubric),
        })
    }
}

/// The reservation of a queue in whole minutes, as the form takes it (seconds that are not a
/// whole number of minutes are rounded up).
pub fn minutes_of(queue: &Queue) -> String {
    ((queue.reservation_seconds + 59) / 60).to_string()
}

/// A queue's sampling rule, said briefly.
pub fn sampling_text(s: &Sampling) -> String {
    let pct = |x: f64| format!("{}%", (x * 1000.0).round() / 10.0);
    match s {
        Sampling::All => "all".into(),
        Sampling::Share { share, seed } => format!("{} (seed {seed})", pct(*share)),
        Sampling::Stratified {
            by, share, count, ..
        } => {
            let each = match (share, count) {
                (_, Some(c)) => format!("{c}"),
                (Some(s), None) => pct(*s),
                (None, None) => "?".into(),
            };
            format!("{each} of each {}", by_name(*by))
        }
    }
}

/// A stratification's JSON spelling.
pub fn by_name(by: StratifyBy) -> &'static str {
    match by {
        StratifyBy::Channel => "channel",
        StratifyBy::Environment => "environment",
        StratifyBy::Intent => "intent",
        StratifyBy::Unsupported => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn draft() -> QueueDraft {
        QueueDraft {
            name: "  Weekly check ".into(),
            filter_id: Some(7),
            rule: SamplingRule::All,
            share: "0.1".into(),
            seed: String::new(),
            by: StratifyBy::Channel,
            per_stratum_count: false,
            count: String::new(),
            reviewers: 2,
            reservation_minutes: "15".into(),
            assignees: vec!["ann".into()],
            rubric: vec![
                QuestionDraft {
                    id: "resolved".into(),
                    prompt: "Resolved?".into(),
                    ..QuestionDraft::blank()
                },
                QuestionDraft {
                    id: "topic".into(),
                    prompt: "Topic".into(),
                    kind: QuestionKind::Label,
                    choices: " billing, , login ,".into(),
                    required: false,
                },
            ],
        }
    }

    #[test]
    fn choices_are_trimmed_and_empty_ones_dropped() {
        assert_eq!(parse_choices(" a, b ,,c ,"), ["a", "b", "c"]);
        assert!(parse_choices(" , ").is_empty());
    }

    #[test]
    fn builds_the_create_body() {
        let body = serde_json::to_value(draft().to_input().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({
                "name": "Weekly check",
                "source": {"kind": "filter", "filter_id": 7},
                "sampling": {"rule": "all"},
                "assignees": ["ann"],
                "reviewers_per_conversation": 2,
                "reservation_seconds": 900,
                "paused": false,
                "rubric": [
                    {"id": "resolved", "prompt": "Resolved?", "kind": "pass_fail", "choices": [], "required": true},
                    {"id": "topic", "prompt": "Topic", "kind": "label", "choices": ["billing", "login"], "required": false}
                ]
            })
        );
    }

    #[test]
    fn choices_only_for_label_questions() {
        let mut d = draft();
        d.rubric[0].choices = "x, y".into();
        d.filter_id = None;
        let input = d.to_input().unwrap();
        assert!(input.rubric[0].choices.is_empty());
        assert_eq!(input.source, QueueSource::Explicit);
    }

    #[test]
    fn sampling_rules() {
        let mut d = draft();
        d.rule = SamplingRule::Share;
        d.seed = "42".into();
        assert_eq!(
            d.sampling().unwrap(),
            Sampling::Share {
                share: 0.1,
                seed: 42
            }
        );
        d.rule = SamplingRule::Stratified;
        d.by = StratifyBy::Intent;
        d.per_stratum_count = true;
        d.count = "25".into();
        assert_eq!(
            serde_json::to_value(d.sampling().unwrap()).unwrap(),
            json!({"rule": "stratified", "by": "intent", "seed": 42, "count": 25})
        );
        assert_eq!(sampling_text(&d.sampling().unwrap()), "25 of each intent");
        d.per_stratum_count = false;
        d.share = "0.25".into();
        assert_eq!(sampling_text(&d.sampling().unwrap()), "25% of each intent");
    }

    #[test]
    fn an_edit_sends_only_what_changed() {
        let queue: Queue = serde_json::from_value(json!({
            "id": 3, "name": "Weekly check", "source": {"kind": "explicit"}, "source_query": null,
            "sampling": {"rule": "all"}, "assignees": ["ann"], "reviewers_per_conversation": 2,
            "reservation_seconds": 90, "paused": false,
            "rubric": [{"id": "resolved", "prompt": "Resolved?", "kind": "pass_fail", "choices": [], "required": true}],
            "population": 0, "sampled": 0, "created_by": "ann",
            "created_at": "2026-12-04T00:00:00Z", "updated_at": "2026-12-04T00:00:00Z"
        }))
        .unwrap();
        let mut d = draft();
        d.rubric = queue.rubric.iter().map(QuestionDraft::of).collect();
        d.reservation_minutes = minutes_of(&queue);
        assert_eq!(d.reservation_minutes, "2");
        // Unchanged but for a name with spaces around it: nothing is sent.
        assert_eq!(d.to_update(&queue).unwrap(), QueueUpdate::default());
        d.rubric.push(QuestionDraft::of(&RubricQuestion {
            id: "topic".into(),
            prompt: "Topic".into(),
            kind: QuestionKind::Label,
            choices: vec!["billing".into(), "login".into()],
            required: false,
        }));
        assert_eq!(d.rubric[1].choices, "billing, login");
        d.reservation_minutes = "20".into();
        d.reviewers = 3;
        let update = serde_json::to_value(d.to_update(&queue).unwrap()).unwrap();
        assert_eq!(update["reservation_seconds"], 1200);
        assert_eq!(update["reviewers_per_conversation"], 3);
        assert_eq!(update["rubric"][1]["choices"], json!(["billing", "login"]));
        assert_eq!(
            (update["name"].clone(), update["assignees"].clone()),
            (Value::Null, Value::Null)
        );
        d.reservation_minutes = "soon".into();
        assert_eq!(d.to_update(&queue).unwrap_err().0, "reservation_seconds");
    }

    #[test]
    fn numbers_that_are_not_name_their_field() {
        let mut d = draft();
        d.rule = SamplingRule::Share;
        d.share = "a tenth".into();
        assert_eq!(d.to_input().unwrap_err().0, "sampling.share");
        d.share = "0.1".into();
        d.seed = "-1".into();
        assert_eq!(d.to_input().unwrap_err().0, "sampling.seed");
        d.seed = String::new();
        d.reservation_minutes = "half an hour".into();
        assert_eq!(d.to_input().unwrap_err().0, "reservation_seconds");
        d.reservation_minutes = "30".into();
        d.rule = SamplingRule::Stratified;
        d.per_stratum_count = true;
        d.count = "many".into();
        assert_eq!(d.to_input().unwrap_err().0, "sampling.count");
    }
}
