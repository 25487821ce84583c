//! Reading a pattern's text, with the character where it goes wrong.

use super::{
    Comparison, Condition, Link, Matches, SequenceElement, SequenceError, SequencePattern,
    SlotValue, MAX_REPEAT, MAX_SEQUENCE_ELEMENTS, MAX_SLOT_VALUE_CHARS, MAX_WITHIN_TURNS,
};

pub(super) struct Parser {
    pub(super) chars: Vec<char>,
    pub(super) pos: usize,
}

/// Characters that end a bare name.
pub(super) fn ends_name(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '>' | '&' | '!' | '{' | '}' | '"' | '~' | '<' | '=' | '|' | '(' | ')'
        )
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

    pub(super) fn pattern(mut self) -> Result<SequencePattern, SequenceError> {
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
            if self.peek() == Some('!') && self.chars.get(self.pos + 1) == Some(&'(') {
                if negated {
                    return self.error(start, "`*!(…)` cannot be negated");
                }
                self.pos += 2;
                Matches::AnyBut(self.alternatives()?)
            } else {
                Matches::Step(Vec::new())
            }
        } else {
            Matches::Step(self.conditions()?)
        };
        self.skip_space();
        let (mut at_least, mut at_most) = (1, None);
        if self.peek() == Some('{') {
            let at = self.pos;
            self.pos += 1;
            if negated || !matches!(what, Matches::Step(_) | Matches::AnyBut(_)) {
                return self.error(at, "only a step that must happen can repeat");
            }
            (at_least, at_most) = self.repetition()?;
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
            at_most,
            within_turns,
        })
    }

    /// The bounds of `{N,}`, `{N,M}` or `{N}`, after its `{`, up to and with its `}`.
    fn repetition(&mut self) -> Result<(u32, Option<u32>), SequenceError> {
        let at_least = self.count("a repetition", MAX_REPEAT)?;
        if self.eat("}") {
            return Ok((at_least, Some(at_least)));
        }
        if !self.eat(",") {
            return self.error(
                self.pos,
                "a repetition is written `{N,}` (at least N times), `{N,M}` (N to M times) or \
                 `{N}` (exactly N times)",
            );
        }
        if self.eat("}") {
            return Ok((at_least, None));
        }
        let at = self.pos;
        let at_most = self.count("a repetition's upper bound", MAX_REPEAT)?;
        if at_most < at_least {
            return self.error(
                at,
                format!("a repetition's upper bound must be at least its lower bound ({at_least})"),
            );
        }
        if !self.eat("}") {
            return self.error(self.pos, "expected `}` to close the repetition");
        }
        Ok((at_least, Some(at_most)))
    }

    /// One step's conditions, joined by `&`.
    fn conditions(&mut self) -> Result<Vec<Condition>, SequenceError> {
        let mut conditions = vec![self.condition()?];
        loop {
            self.skip_space();
            if !self.eat("&") {
                return Ok(conditions);
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
    }

    /// The steps of `*!(S | S | …)`, after its `(`, up to and with its `)`.
    fn alternatives(&mut self) -> Result<Vec<Vec<Condition>>, SequenceError> {
        let mut out = Vec::new();
        loop {
            self.skip_space();
            out.push(self.conditions()?);
            self.skip_space();
            if self.eat(")") {
                return Ok(out);
            }
            if !self.eat("|") {
                return self.error(self.pos, "expected `|` or `)` after a step of `*!(…)`");
            }
        }
    }

    /// A name, bare or quoted; `""` is the empty name (a user message without an intent, a
    /// bot message without an action or response), which only quotes can write.
    fn name(&mut self) -> Result<String, SequenceError> {
        if self.peek() == Some('"') {
            return self.quoted_text(true);
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
        self.quoted_text(false)
    }

    fn quoted_text(&mut self, may_be_empty: bool) -> Result<String, SequenceError> {
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
        if out.contains(['\n', '\t']) || (out.is_empty() && !may_be_empty) {
            return self.error(
                start,
                "the quoted text must not be empty or hold tabs or line breaks",
            );
        }
        Ok(out)
    }

    /// The value after `slot:NAME=` (see [`SlotValue`]).
    fn slot_value(&mut self) -> Result<SlotValue, SequenceError> {
        let start = self.pos;
        if self.peek() == Some('"') {
            let text = self.quoted()?;
            if text.chars().count() > MAX_SLOT_VALUE_CHARS {
                return self.error(
                    start,
                    format!("a slot's text value has at most {MAX_SLOT_VALUE_CHARS} characters"),
                );
            }
            return Ok(SlotValue::Text(text));
        }
        let word = self.word();
        match word.as_str() {
            "true" => return Ok(SlotValue::Bool(true)),
            "false" => return Ok(SlotValue::Bool(false)),
            "null" => return Ok(SlotValue::Null),
            _ => {}
        }
        self.pos = start;
        let negative = self.eat("-");
        let (_, digits) = self.number();
        let ends = self.peek().is_none_or(ends_name);
        match digits.parse::<f64>() {
            Ok(v) if ends && v.is_finite() && digits.starts_with(|c: char| c.is_ascii_digit()) => {
                Ok(SlotValue::Number(if negative { -v } else { v }))
            }
            _ => self.error(
                start,
                "a slot's value is text in double quotes (`slot:cuisine=\"thai\"`), a number, \
                 true, false or null",
            ),
        }
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
            "slot" => {
                if !self.eat(":") {
                    return self.error(self.pos, "expected `:` and a name after `slot`");
                }
                let at = self.pos;
                let name = self.name()?;
                if name.is_empty() {
                    return self.error(at, "a slot's name must not be empty");
                }
                let value = if self.eat("=") {
                    Some(self.slot_value()?)
                } else {
                    None
                };
                Ok(Condition::Slot(name, value))
            }
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
                "expected a step: intent:, action:, bot:, slot:, user_text~, confidence, *, start or end",
            ),
            other => self.error(
                start,
                format!(
                    "unknown step `{other}`: expected intent:, action:, bot:, slot:, \
                     user_text~, confidence, *, start or end"
                ),
            ),
        }
    }
}
