//! ruamel.yaml's scalar analysis (`analyze_scalar`) and the style decisions built on it
//! (`check_simple_key`, `choose_scalar_style`). Text is handled as code points, as Python
//! does.

use super::emitter::{Chosen, Emitter, Ev};
use super::Style;

const MAX_SIMPLE_KEY_LENGTH: usize = 128;

/// What `analyze_scalar` found out about a scalar.
#[derive(Clone, Debug)]
pub(super) struct Analysis {
    pub empty: bool,
    pub multiline: bool,
    pub allow_flow_plain: bool,
    pub allow_block_plain: bool,
    pub allow_single_quoted: bool,
    pub allow_double_quoted: bool,
    pub allow_block: bool,
}

pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_space_or_break(c: char) -> bool {
    matches!(
        c,
        '\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Printable for YAML with `allow_unicode=True`.
fn is_printable_unicode(c: char) -> bool {
    (c == '\u{85}'
        || ('\u{A0}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c)
        || ('\u{10000}'..='\u{10FFFF}').contains(&c))
        && c != '\u{FEFF}'
}

/// `Emitter.analyze_scalar` (YAML 1.2, `allow_unicode=True`).
pub(super) fn analyze(scalar: &[char]) -> Analysis {
    if scalar.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            allow_flow_plain: false,
            allow_block_plain: true,
            allow_single_quoted: true,
            allow_double_quoted: true,
            allow_block: false,
        };
    }
    let (mut block_indicators, mut flow_indicators, mut line_breaks, mut special_characters) =
        (false, false, false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let starts = |p: &str| scalar.iter().take(3).copied().eq(p.chars());
    if scalar.len() >= 3 && (starts("---") || starts("...")) {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut followed_by_whitespace = scalar.len() == 1 || is_space_or_break(scalar[1]);
    let (mut previous_space, mut previous_break) = (false, false);
    let n = scalar.len();
    for index in 0..n {
        let ch = scalar[index];
        if index == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) {
                flow_indicators = true;
                block_indicators = true;
            }
            if ch == '?' || ch == ':' {
                if n == 1 {
                    flow_indicators = true;
                }
                if followed_by_whitespace {
                    block_indicators = true;
                }
            }
            if ch == '-' && followed_by_whitespace {
                flow_indicators = true;
                block_indicators = true;
            }
        } else {
            if ",[]{}".contains(ch) {
                flow_indicators = true;
            }
            if ch == ':' && followed_by_whitespace {
                flow_indicators = true;
                block_indicators = true;
            }
            if ch == '#' && preceded_by_whitespace {
                flow_indicators = true;
                block_indicators = true;
            }
        }
        if is_break(ch) {
            line_breaks = true;
        }
        if !(ch == '\n' || (' '..='~').contains(&ch) || is_printable_unicode(ch)) {
            special_characters = true;
        }
        if ch == ' ' {
            if index == 0 {
                leading_space = true;
            }
            if index == n - 1 {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(ch) {
            if index == 0 {
                leading_break = true;
            }
            if index == n - 1 {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_space_or_break(ch);
        followed_by_whitespace = index + 2 >= n || is_space_or_break(scalar[index + 2]);
    }
    let mut a = Analysis {
        empty: false,
        multiline: line_breaks,
        allow_flow_plain: true,
        allow_block_plain: true,
        allow_single_quoted: true,
        allow_double_quoted: true,
        allow_block: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.allow_flow_plain = false;
        a.allow_block_plain = false;
    }
    if trailing_space {
        a.allow_block = false;
    }
    if break_space {
        a.allow_flow_plain = false;
        a.allow_block_plain = false;
        a.allow_single_quoted = false;
    }
    if special_characters {
        a.allow_flow_plain = false;
        a.allow_block_plain = false;
        a.allow_single_quoted = false;
        a.allow_block = false;
    } else if space_break {
        a.allow_flow_plain = false;
        a.allow_block_plain = false;
        a.allow_single_quoted = false;
        a.allow_block = false; // allow_space_break is off
    }
    if line_breaks {
        a.allow_flow_plain = false;
        a.allow_block_plain = false;
    }
    if flow_indicators {
        a.allow_flow_plain = false;
    }
    if block_indicators {
        a.allow_block_plain = false;
    }
    a
}

impl Emitter {
    /// `check_simple_key`: can the current key be written as `key: value`? (Scalars of
    /// 128 characters or more, prepared tag included, and multi-line ones cannot.)
    pub(super) fn check_simple_key(&mut self) -> bool {
        match &self.events[self.pos] {
            Ev::Scalar { value, tag_len, .. } => {
                let length = tag_len + value.len();
                if self.analysis.is_none() {
                    self.analysis = Some(analyze(value));
                }
                let multiline = self.analysis.as_ref().is_some_and(|a| a.multiline);
                // `self.style` is None here, so an empty scalar is always a simple key.
                length < MAX_SIMPLE_KEY_LENGTH && !multiline
            }
            // collection keys (`!!map`/`!!seq`) only qualify when empty
            Ev::SeqStart { .. } | Ev::MapStart { .. } => {
                self.check_empty_sequence() || self.check_empty_mapping()
            }
            _ => false,
        }
    }

    /// `choose_scalar_style`: plain if the scalar can be read back as the same string,
    /// else the representer's style, else double quotes for `'` and newlines, else single.
    pub(super) fn choose_scalar_style(&mut self) -> Chosen {
        let Ev::Scalar {
            value,
            style,
            implicit0,
            ..
        } = &self.events[self.pos]
        else {
            return Chosen::Plain;
        };
        let (style, implicit0) = (*style, *implicit0);
        let has_quote_or_newline = value.iter().any(|&c| c == '\'' || c == '\n');
        if self.analysis.is_none() {
            self.analysis = Some(analyze(value));
        }
        let flow = !self.flow_context.is_empty();
        let simple_key = self.simple_key_context;
        let Some(a) = self.analysis.as_mut() else {
            return Chosen::Double;
        };
        if style == Style::Double {
            return Chosen::Double;
        }
        if style == Style::Auto
            && implicit0
            && !(simple_key && (a.empty || a.multiline))
            && ((flow && a.allow_flow_plain) || (!flow && a.allow_block_plain))
        {
            return Chosen::Plain;
        }
        a.allow_block = true;
        if style == Style::Literal && !flow && !simple_key {
            return Chosen::Literal;
        }
        if style == Style::Auto && a.allow_double_quoted && has_quote_or_newline {
            return Chosen::Double;
        }
        if style == Style::Auto && a.allow_single_quoted && !(simple_key && a.multiline) {
            return Chosen::Single;
        }
        Chosen::Double
    }
}
