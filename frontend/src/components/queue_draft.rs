//! The admin's new-queue form as plain values, and the `POST /api/queues` body built from
//! it. A value that is not a number is refused here, naming the same field the server would
//! (`sampling.share`, `sampling.strata.slack.count`, `rubric[1].choices`…), so both kinds of
//! error show in the same place; ranges and the rest are the server's to check.

use std::collections::BTreeMap;

use hindsight_types::{
    QuestionKind, Queue, QueueInput, QueueSource, QueueUpdate, RubricQuestion, Sampling,
    StratifyBy, StratumRule,
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

/// One stratum's own share or count, overriding the rule's for every other stratum.
#[derive(Debug, Clone, PartialEq)]
pub struct StratumDraft {
    /// The stratum's value (a channel, an environment, an intent); `""` is the stratum of
    /// the conversations without one.
    pub value: String,
    /// Whether the stratum takes a count rather than a share.
    pub per_count: bool,
    /// The share (0 to 1) or the count, as typed.
    pub amount: String,
}

impl StratumDraft {
    /// The field the server names for this stratum's rule (`sampling.strata.slack`).
    pub fn field(&self) -> String {
        format!("sampling.strata.{}", self.value)
    }

    fn rule(&self) -> Result<StratumRule, FieldError> {
        let field = self.field();
        Ok(if self.per_count {
            StratumRule {
                share: None,
                count: Some(number(
                    &self.amount,
                    &format!("{field}.count"),
                    "The count",
                )?),
            }
        } else {
            StratumRule {
                share: Some(number(
                    &self.amount,
                    &format!("{field}.share"),
                    "The share",
                )?),
                count: None,
            }
        })
    }

    /// The overrides of a stored rule, as the form would show them (in stratum order). The
    /// form never loads a stored rule (a queue's sampling is fixed): the tests read a rule
    /// back through the draft with it, so what the form sends is what it would show.
    #[cfg(test)]
    pub fn all_of(strata: &BTreeMap<String, StratumRule>) -> Vec<StratumDraft> {
        strata
            .iter()
            .map(|(value, rule)| StratumDraft {
                value: value.clone(),
                per_count: rule.count.is_some(),
                amount: match (rule.share, rule.count) {
                    (_, Some(c)) => c.to_string(),
                    (Some(s), None) => s.to_string(),
                    (None, None) => String::new(),
                },
            })
            .collect()
    }
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
    /// Strata with a share or count of their own (a stratified rule only).
    pub strata: Vec<StratumDraft>,
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
                let mut strata = BTreeMap::new();
                for stratum in &self.strata {
                    if strata
                        .insert(stratum.value.clone(), stratum.rule()?)
                        .is_some()
                    {
                        return Err((
                            stratum.field(),
                            format!(
                                "The stratum {} has two overrides: keep one.",
                                stratum_name(&stratum.value)
                            ),
                        ));
                    }
                }
                Sampling::Stratified {
                    by: self.by,
                    seed: seed()?,
                    share,
                    count,
                    strata,
                }
            }
        })
    }

    /// Fills the sampling fields from a stored rule (the other fields stay as they are); see
    /// [`StratumDraft::all_of`].
    #[cfg(test)]
    pub fn set_sampling(&mut self, sampling: &Sampling) {
        self.strata.clear();
        match sampling {
            Sampling::All => self.rule = SamplingRule::All,
            Sampling::Share { share, seed } => {
                self.rule = SamplingRule::Share;
                self.share = share.to_string();
                self.seed = seed.to_string();
            }
            Sampling::Stratified {
                by,
                seed,
                share,
                count,
                strata,
            } => {
                self.rule = SamplingRule::Stratified;
                self.by = *by;
                self.seed = seed.to_string();
                self.per_stratum_count = count.is_some();
                if let Some(share) = share {
                    self.share = share.to_string();
                }
                if let Some(count) = count {
                    self.count = count.to_string();
                }
                self.strata = StratumDraft::all_of(strata);
            }
        }
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

/// A queue's sampling rule, said briefly, with its per-stratum overrides.
pub fn sampling_text(s: &Sampling) -> String {
    let pct = |x: f64| format!("{}%", (x * 1000.0).round() / 10.0);
    let amount = |share: Option<f64>, count: Option<i64>| match (share, count) {
        (_, Some(c)) => format!("{c}"),
        (Some(s), None) => pct(s),
        (None, None) => "?".into(),
    };
    match s {
        Sampling::All => "all".into(),
        Sampling::Share { share, seed } => format!("{} (seed {seed})", pct(*share)),
        Sampling::Stratified {
            by,
            share,
            count,
            strata,
            ..
        } => {
            let each = amount(*share, *count);
            let mut text = format!("{each} of each {}", by_name(*by));
            if !strata.is_empty() {
                let own: Vec<String> = strata
                    .iter()
                    .map(|(v, r)| format!("{}: {}", stratum_name(v), amount(r.share, r.count)))
                    .collect();
                text.push_str(&format!(", but {}", own.join(", ")));
            }
            text
        }
    }
}

/// A stratum's value as the form says it: `""` is the stratum of conversations without one.
pub fn stratum_name(value: &str) -> String {
    if value.is_empty() {
        "(none)".to_owned()
    } else {
        value.to_owned()
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
mod tests;
