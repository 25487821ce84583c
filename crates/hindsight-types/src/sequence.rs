//! The sequence filter (`seq=`): a pattern over a conversation's steps, in order.
//!
//! A conversation's steps are its user messages, the actions the assistant ran (a message the
//! bot sent belongs to the action that sent it; `action_listen` is not a step) and the slots
//! it set. A pattern lists steps with how each follows the one before:
//!
//! ```text
//! intent:request_restaurant > action:action_default_fallback > end within 2 turns
//! bot:utter_ask_cuisine{3,}
//! confidence<0.5 >> action:action_handover
//! intent:greet > !slot:name > intent:goodbye
//! ```
//!
//! - `intent:NAME`, `action:NAME`, `bot:NAME` (the response the bot sent, e.g.
//!   `utter_ask_cuisine`), `slot:NAME`; `*` as NAME is any; a name with spaces or symbols goes
//!   in double quotes.
//! - `user_text~"words"`: a user message containing the text (case ignored).
//! - `confidence<0.5` (also `<=`, `>`, `>=`): a user message whose intent confidence compares
//!   so, at six decimal places.
//! - `&` joins conditions on one step: `intent:affirm & confidence<0.6`.
//! - `end`: the conversation ends there; `start`, first, where it starts (`start >> S`: S
//!   is the first step); `*`: any one step (`start >> * >> intent:greet`: the second).
//! - `A > B`: B happens after A, later; `A >> B`: B is the very next step.
//! - `B within N turns` (after `>`): B comes with at most N user messages after A, counting B.
//! - `S{3,}`: the step happens at least 3 times from there on.
//! - `!S`: no such step between its neighbours (`A > !S > B`), until the end (`A > !S`),
//!   before (`!S > A`), or as the very next step (`A >> !S`); alone, never.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The most elements a pattern may have: each adds to the expression every conversation is
/// tested against.
pub const MAX_SEQUENCE_ELEMENTS: usize = 12;

/// The most characters a pattern may have.
pub const MAX_SEQUENCE_CHARS: usize = 1_000;

/// The largest `{N,}`.
pub const MAX_REPEAT: u32 = 20;

/// The largest `within N turns`.
pub const MAX_WITHIN_TURNS: u32 = 50;

/// A parsed sequence pattern; its text form ([`fmt::Display`]) is canonical.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SequencePattern {
    /// The elements, in order.
    pub elements: Vec<SequenceElement>,
}

/// How an element follows the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// `>`: later, with any steps between (for the first element: anywhere).
    Later,
    /// `>>`: the very next step.
    Next,
}

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceElement {
    /// How it follows the element before it.
    pub link: Link,
    /// `!`: no step matching it (see the module's documentation).
    pub negated: bool,
    /// What it matches.
    pub what: Matches,
    /// `{N,}`: at least this many times (1 when not given).
    pub at_least: u32,
    /// `within N turns`: at most N user messages after the element before, counting this one.
    pub within_turns: Option<u32>,
}

/// What an element matches.
#[derive(Debug, Clone, PartialEq)]
pub enum Matches {
    /// One step meeting every condition (`*`, no condition: any step).
    Step(Vec<Condition>),
    /// The end of the conversation.
    End,
    /// The start of the conversation (only first: `start >> intent:greet`).
    Start,
}

/// A condition on one step.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// A user message with this intent (`*`: any user message).
    Intent(String),
    /// An action of this name (`*`: any action).
    Action(String),
    /// An action that sent this response (`*`: any bot message).
    Bot(String),
    /// A slot of this name was set.
    Slot(String),
    /// A user message containing this text, case ignored (held lower-cased).
    UserText(String),
    /// A user message whose intent confidence compares so with the value.
    Confidence(Comparison, f64),
}

/// A comparison of a confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
}

/// The kind of step a condition tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// A user message.
    User,
    /// An action (and the messages it sent).
    Action,
    /// A slot being set.
    Slot,
}

impl Comparison {
    fn as_str(self) -> &'static str {
        match self {
            Comparison::Less => "<",
            Comparison::LessOrEqual => "<=",
            Comparison::Greater => ">",
            Comparison::GreaterOrEqual => ">=",
        }
    }

    /// Whether `value` compares so with `bound`.
    pub fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Comparison::Less => value < bound,
            Comparison::LessOrEqual => value <= bound,
            Comparison::Greater => value > bound,
            Comparison::GreaterOrEqual => value >= bound,
        }
    }
}

impl Condition {
    /// The kind of step this condition is about.
    pub fn step_kind(&self) -> StepKind {
        match self {
            Condition::Intent(_) | Condition::UserText(_) | Condition::Confidence(..) => {
                StepKind::User
            }
            Condition::Action(_) | Condition::Bot(_) => StepKind::Action,
            Condition::Slot(_) => StepKind::Slot,
        }
    }
}

impl SequencePattern {
    /// Features every matching conversation has: `(kind, name)` of the conversation feature
    /// index (`intent`, `action`, `slot`), from the steps that must occur. The server narrows
    /// by them before testing the order.
    pub fn required_features(&self) -> Vec<(&'static str, &str)> {
        let mut out = Vec::new();
        for e in self.elements.iter().filter(|e| !e.negated) {
            if let Matches::Step(conditions) = &e.what {
                for c in conditions {
                    let (kind, name) = match c {
                        Condition::Intent(n) => ("intent", n),
                        Condition::Action(n) => ("action", n),
                        Condition::Slot(n) => ("slot", n),
                        _ => continue,
                    };
                    if name != "*" && !out.contains(&(kind, name.as_str())) {
                        out.push((kind, name.as_str()));
                    }
                }
            }
        }
        out
    }
}

/// Where and why a pattern could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceError {
    /// The character (1-based) the problem starts at.
    pub at: usize,
    /// What is wrong there.
    pub message: String,
}

impl fmt::Display for SequenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.at, self.message)
    }
}

impl std::str::FromStr for SequencePattern {
    type Err = SequenceError;
    fn from_str(s: &str) -> Result<Self, SequenceError> {
        let chars = s.chars().count();
        if chars > MAX_SEQUENCE_CHARS {
            return Err(SequenceError {
                at: MAX_SEQUENCE_CHARS + 1,
                message: format!("a pattern has at most {MAX_SEQUENCE_CHARS} characters"),
            });
        }
        Parser {
            chars: s.chars().collect(),
            pos: 0,
        }
        .pattern()
    }
}

impl TryFrom<String> for SequencePattern {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse().map_err(|e: SequenceError| e.to_string())
    }
}

impl From<SequencePattern> for String {
    fn from(p: SequencePattern) -> String {
        p.to_string()
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

/// Characters that end a bare name.
fn ends_name(c: char) -> bool {
    c.is_whitespace() || matches!(c, '>' | '&' | '!' | '{' | '}' | '"' | '~' | '<' | '=')
}

impl Parser {
    fn error<T>(&self, at: usize, message: impl Into<String>) -> Result<T, SequenceError> {
        Err(SequenceError {
            at: at + 1,
            message: message.into(),
        })
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, s: &str) -> bool {
        let n = s.chars().count();
        let matches = self.chars.len() >= self.pos + n
            && self.chars[self.pos..self.pos + n]
                .iter()
                .copied()
                .eq(s.chars());
        if matches {
            self.pos += n;
        }
        matches
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn number(&mut self) -> (usize, String) {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
            self.pos += 1;
        }
        (start, self.chars[start..self.pos].iter().collect())
    }

    fn count(&mut self, what: &str, max: u32) -> Result<u32, SequenceError> {
        let (start, digits) = self.number();
        match digits.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => self.error(
                start,
                format!("{what} must be a whole number from 1 to {max}"),
            ),
        }
    }

    fn pattern(mut self) -> Result<SequencePattern, SequenceError> {
        let mut elements: Vec<SequenceElement> = Vec::new();
        self.skip_space();
        if self.peek().is_none() {
            return self.error(0, "the pattern is empty");
        }
        let mut link = Link::Later;
        loop {
            let start = self.pos;
            let element = self.element(link, elements.is_empty())?;
            if let Some(last) = elements.last() {
                if last.what == Matches::End {
                    return self.error(start, "nothing can follow `end`");
                }
                if last.negated && link == Link::Next {
                    return self.error(
                        start,
                        "`>>` cannot follow a negated step: use `>` (the negation covers the gap)",
                    );
                }
            }
            elements.push(element);
            if elements.len() > MAX_SEQUENCE_ELEMENTS {
                return self.error(
                    start,
                    format!("a pattern has at most {MAX_SEQUENCE_ELEMENTS} steps"),
                );
            }
            self.skip_space();
            if self.peek().is_none() {
                break;
            }
            let at = self.pos;
            link = if self.eat(">>") {
                Link::Next
            } else if self.eat(">") {
                Link::Later
            } else {
                return self.error(at, "expected `>` or `>>` between steps");
            };
            self.skip_space();
            if self.peek().is_none() {
                return self.error(self.pos, "a step must follow `>`");
            }
        }
        Ok(SequencePattern { elements })
    }

    fn element(&mut self, link: Link, first: bool) -> Result<SequenceElement, SequenceError> {
        let start = self.pos;
        let negated = self.eat("!");
        self.skip_space();
        let word_start = self.pos;
        let word = self.word();
        let keyword = (word == "end" || word == "start") && self.peek() != Some(':');
        if !keyword {
            self.pos = word_start;
        }
        let what = if keyword && word == "end" {
            if negated {
                return self.error(start, "`end` cannot be negated");
            }
            Matches::End
        } else if keyword {
            if negated || !first {
                return self.error(start, "`start` can only begin a pattern, and not negated");
            }
            Matches::Start
        } else if self.eat("*") {
            Matches::Step(Vec::new())
        } else {
            let mut conditions = vec![self.condition()?];
            loop {
                self.skip_space();
                if !self.eat("&") {
                    break;
                }
                self.skip_space();
                let at = self.pos;
                let c = self.condition()?;
                let twice = conditions.iter().any(|d: &Condition| {
                    std::mem::discriminant(d) == std::mem::discriminant(&c)
                        && !matches!(c, Condition::Confidence(..))
                });
                if twice {
                    return self.error(at, "a step can have each kind of condition once (only `confidence` twice, for a band)");
                }
                if c.step_kind() != conditions[0].step_kind() {
                    return self.error(
                        at,
                        "conditions joined by `&` must be about one kind of step (a user \
                         message, an action or a slot)",
                    );
                }
                conditions.push(c);
            }
            Matches::Step(conditions)
        };
        self.skip_space();
        let mut at_least = 1;
        if self.peek() == Some('{') {
            let at = self.pos;
            self.pos += 1;
            if negated || !matches!(what, Matches::Step(_)) {
                return self.error(at, "only a step that must happen can repeat");
            }
            at_least = self.count("a repetition", MAX_REPEAT)?;
            if !self.eat(",}") {
                return self.error(
                    self.pos,
                    "a repetition is written `{N,}` (at least N times)",
                );
            }
            self.skip_space();
        }
        let mut within_turns = None;
        let at = self.pos;
        if self.eat("within") {
            if first || link == Link::Next || negated {
                return self.error(
                    at,
                    "`within N turns` bounds a step that follows another with `>`",
                );
            }
            self.skip_space();
            within_turns = Some(self.count("`within`", MAX_WITHIN_TURNS)?);
            self.skip_space();
            if !(self.eat("turns") || self.eat("turn")) {
                return self.error(self.pos, "expected `turns` after `within N`");
            }
        }
        Ok(SequenceElement {
            link,
            negated,
            what,
            at_least,
            within_turns,
        })
    }

    fn name(&mut self) -> Result<String, SequenceError> {
        if self.peek() == Some('"') {
            return self.quoted();
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| !ends_name(c)) {
            self.pos += 1;
        }
        if self.pos == start {
            return self.error(start, "expected a name");
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    fn quoted(&mut self) -> Result<String, SequenceError> {
        let start = self.pos;
        if !self.eat("\"") {
            return self.error(start, "expected text in double quotes");
        }
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return self.error(start, "the quoted text is not closed"),
                Some('"') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c) => out.push(c),
                        None => return self.error(self.pos, "nothing after `\\`"),
                    }
                    self.pos += 1;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        if out.contains(['\n', '\t']) || out.is_empty() {
            return self.error(
                start,
                "the quoted text must not be empty or hold tabs or line breaks",
            );
        }
        Ok(out)
    }

    fn condition(&mut self) -> Result<Condition, SequenceError> {
        let start = self.pos;
        let word = self.word();
        let named = |this: &mut Self, make: fn(String) -> Condition| {
            if !this.eat(":") {
                return this.error(this.pos, format!("expected `:` and a name after `{word}`"));
            }
            Ok(make(this.name()?))
        };
        match word.as_str() {
            "intent" => named(self, Condition::Intent),
            "action" => named(self, Condition::Action),
            "bot" => named(self, Condition::Bot),
            "slot" => named(self, Condition::Slot),
            "user_text" => {
                if !self.eat("~") {
                    return self.error(self.pos, "expected `~` and quoted text after `user_text`");
                }
                Ok(Condition::UserText(self.quoted()?.to_lowercase()))
            }
            "confidence" => {
                let at = self.pos;
                let op = if self.eat("<=") {
                    Comparison::LessOrEqual
                } else if self.eat(">=") {
                    Comparison::GreaterOrEqual
                } else if self.eat("<") {
                    Comparison::Less
                } else if self.eat(">") {
                    Comparison::Greater
                } else {
                    return self.error(at, "expected `<`, `<=`, `>` or `>=` after `confidence`");
                };
                let (at, digits) = self.number();
                let decimals = digits.split_once('.').map_or(0, |(_, d)| d.len());
                match digits.parse::<f64>() {
                    Ok(v) if (0.0..=1.0).contains(&v) && decimals <= 6 => {
                        Ok(Condition::Confidence(op, v))
                    }
                    _ => self.error(
                        at,
                        "a confidence is a number from 0 to 1 with at most six decimals",
                    ),
                }
            }
            "" => self.error(
                start,
                "expected a step: intent:, action:, bot:, slot:, user_text~, confidence or end",
            ),
            other => self.error(
                start,
                format!(
                    "unknown step `{other}`: expected intent:, action:, bot:, slot:, \
                     user_text~, confidence or end"
                ),
            ),
        }
    }
}

fn write_name(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    if name.chars().any(ends_name) || name.is_empty() {
        write_quoted(f, name)
    } else {
        f.write_str(name)
    }
}

fn write_quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in text.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (prefix, name) = match self {
            Condition::Intent(n) => ("intent:", n),
            Condition::Action(n) => ("action:", n),
            Condition::Bot(n) => ("bot:", n),
            Condition::Slot(n) => ("slot:", n),
            Condition::UserText(t) => {
                f.write_str("user_text~")?;
                return write_quoted(f, t);
            }
            Condition::Confidence(op, v) => return write!(f, "confidence{}{v}", op.as_str()),
        };
        f.write_str(prefix)?;
        write_name(f, name)
    }
}

impl fmt::Display for SequencePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.elements.iter().enumerate() {
            if i > 0 {
                f.write_str(match e.link {
                    Link::Later => " > ",
                    Link::Next => " >> ",
                })?;
            }
            if e.negated {
                f.write_str("!")?;
            }
            match &e.what {
                Matches::End => f.write_str("end")?,
                Matches::Start => f.write_str("start")?,
                Matches::Step(conditions) if conditions.is_empty() => f.write_str("*")?,
                Matches::Step(conditions) => {
                    for (j, c) in conditions.iter().enumerate() {
                        if j > 0 {
                            f.write_str(" & ")?;
                        }
                        write!(f, "{c}")?;
                    }
                }
            }
            if e.at_least > 1 {
                write!(f, "{{{},}}", e.at_least)?;
            }
            if let Some(n) = e.within_turns {
                write!(f, " within {n} {}", if n == 1 { "turn" } else { "turns" })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> SequencePattern {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn error(s: &str) -> SequenceError {
        s.parse::<SequencePattern>().unwrap_err()
    }

    #[test]
    fn reads_the_issue_examples() {
        let p = parse(
            "intent:request_restaurant > action:action_default_fallback > end within 2 turns",
        );
        assert_eq!(p.elements.len(), 3);
        assert_eq!(p.elements[2].what, Matches::End);
        assert_eq!(p.elements[2].within_turns, Some(2));
        let p = parse("bot:utter_ask_cuisine{3,}");
        assert_eq!(p.elements[0].at_least, 3);
        let p = parse("confidence<0.5 >> action:action_handover");
        assert_eq!(
            p.elements[0].what,
            Matches::Step(vec![Condition::Confidence(Comparison::Less, 0.5)])
        );
        assert_eq!(p.elements[1].link, Link::Next);
        let p = parse(r#"user_text~"Human" > !slot:name"#);
        assert_eq!(
            p.elements[0].what,
            Matches::Step(vec![Condition::UserText("human".into())])
        );
        assert!(p.elements[1].negated);
    }

    #[test]
    fn canonical_text_round_trips() {
        for s in [
            "intent:greet > action:utter_greet >> intent:affirm & confidence<=0.75",
            "!action:action_default_fallback",
            "bot:utter_ask_cuisine{3,} > end within 1 turn",
            r#"intent:"odd name" > user_text~"say \"hi\"" > slot:*"#,
            "intent:greet > !slot:name > intent:goodbye within 4 turns",
            "start >> * >> intent:greet > end",
        ] {
            let p = parse(s);
            assert_eq!(p.to_string(), s);
            assert_eq!(parse(&p.to_string()), p);
        }
        assert_eq!(
            parse("  intent:a>action:b>>end ").to_string(),
            "intent:a > action:b >> end"
        );
    }

    #[test]
    fn errors_point_at_the_character() {
        let e = error("intent:greet > acton:x");
        assert_eq!(e.at, 16);
        assert!(e.message.contains("unknown step `acton`"), "{}", e.message);
        assert_eq!(error("intent:greet >").at, 15);
        assert_eq!(error("intent:a action:b").at, 10);
        assert_eq!(error("confidence<2").at, 12);
        assert_eq!(error("confidence<0.1234567").at, 12);
        assert_eq!(error("end > intent:a").at, 7);
        assert_eq!(error("!end").at, 1);
        assert_eq!(error("intent:a within 2 turns").at, 10);
        assert_eq!(error("intent:a >> action:b within 2 turns").at, 22);
        assert_eq!(error("intent:a & action:b").at, 12);
        assert_eq!(error("intent:a{3}").at, 11);
        assert_eq!(error("intent:a{21,}").at, 10);
        assert_eq!(error("intent:a & intent:b").at, 12);
        assert!("confidence>=0.3 & confidence<0.6"
            .parse::<SequencePattern>()
            .is_ok());
        assert_eq!(error("!intent:a >> action:b").at, 14);
        assert_eq!(error("user_text~\"open").at, 11);
        assert_eq!(error("   ").at, 1);
        assert_eq!(error("intent:a > start").at, 12);
        assert_eq!(error("!start").at, 1);
        let long: Vec<String> = (0..13).map(|i| format!("intent:a{i}")).collect();
        assert!(error(&long.join(" > ")).message.contains("at most 12"));
    }

    #[test]
    fn required_features_skip_negations_and_wildcards() {
        let p = parse("intent:a > !action:b > slot:c > intent:* > bot:utter_x > slot:c");
        assert_eq!(p.required_features(), vec![("intent", "a"), ("slot", "c")]);
    }
}
