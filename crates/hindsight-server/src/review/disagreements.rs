//! Where the reviews of one conversation disagree: a pass/fail, label or scale question two
//! of them answered differently (a free text is not compared; a reviewer who left a question
//! open does not disagree with one who answered it).

use std::collections::{BTreeMap, BTreeSet};

use hindsight_types::{QuestionKind, RubricQuestion};

/// One review's answers: question id → the answer as stored text.
pub type Answers = BTreeMap<String, String>;

/// A question answered differently: its id, and each reviewer's answer by username.
pub type Disputed = (String, BTreeMap<String, String>);

/// Whether answers to a question of this kind are compared.
pub fn compared(kind: QuestionKind) -> bool {
    matches!(
        kind,
        QuestionKind::PassFail | QuestionKind::Label | QuestionKind::Scale1To5
    )
}

/// The questions of `rubric` (in its order) that `reviews` (reviewer, answers) answered with
/// two or more different values.
pub fn disputed(rubric: &[RubricQuestion], reviews: &[(&str, &Answers)]) -> Vec<Disputed> {
    rubric
        .iter()
        .filter(|q| compared(q.kind))
        .filter_map(|q| {
            let by_reviewer: BTreeMap<String, String> = reviews
                .iter()
                .filter_map(|(who, a)| a.get(&q.id).map(|v| ((*who).to_owned(), v.clone())))
                .collect();
            let distinct: BTreeSet<&String> = by_reviewer.values().collect();
            (distinct.len() > 1).then(|| (q.id.clone(), by_reviewer))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(id: &str, kind: QuestionKind) -> RubricQuestion {
        RubricQuestion {
            id: id.into(),
            prompt: "?".into(),
            kind,
            choices: Vec::new(),
            required: false,
        }
    }

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs
            .iter()
            .map(|(q, v)| ((*q).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn only_compared_questions_answered_differently_are_disputed() {
        let rubric = [
            question("outcome", QuestionKind::Label),
            question("resolved", QuestionKind::PassFail),
            question("tone", QuestionKind::Scale1To5),
            question("notes", QuestionKind::Text),
        ];
        let a = answers(&[
            ("outcome", "success"),
            ("resolved", "true"),
            ("tone", "4"),
            ("notes", "x"),
        ]);
        let b = answers(&[("outcome", "failure"), ("resolved", "true"), ("notes", "y")]);
        let c = answers(&[("outcome", "success"), ("tone", "2")]);
        let found = disputed(&rubric, &[("ann", &a), ("bob", &b), ("cy", &c)]);
        let ids: Vec<&str> = found.iter().map(|d| d.0.as_str()).collect();
        // resolved: bob agrees with ann and cy left it open; notes: text is not compared.
        assert_eq!(ids, ["outcome", "tone"]);
        assert_eq!(
            found[1].1,
            BTreeMap::from([("ann".into(), "4".into()), ("cy".into(), "2".into())])
        );
        assert!(disputed(
            &rubric,
            &[("ann", &a), ("cy", &answers(&[("outcome", "success")]))]
        )
        .is_empty());
    }
}
