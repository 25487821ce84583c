//! ruamel.yaml's scalar writers (`process_scalar`, `write_plain`, `write_single_quoted`,
//! `write_double_quoted`, `write_literal`) and the low-level output helpers, ported line
//! by line. Positions and columns count code points, as in Python.

use super::analysis::{analyze, is_break};
use super::emitter::{Chosen, Emitter, Ev};

fn escape(ch: char) -> String {
    let short = match ch {
        '\0' => Some('0'),
        '\u{7}' => Some('a'),
        '\u{8}' => Some('b'),
        '\t' => Some('t'),
        '\n' => Some('n'),
        '\u{B}' => Some('v'),
        '\u{C}' => Some('f'),
        '\r' => Some('r'),
        '\u{1B}' => Some('e'),
        '"' => Some('"'),
        '\\' => Some('\\'),
        '\u{85}' => Some('N'),
        '\u{A0}' => Some('_'),
        '\u{2028}' => Some('L'),
        '\u{2029}' => Some('P'),
        _ => None,
    };
    match short {
        Some(c) => format!("\\{c}"),
        None if ch <= '\u{FF}' => format!("\\x{:02X}", ch as u32),
        None if ch <= '\u{FFFF}' => format!("\\u{:04X}", ch as u32),
        None => format!("\\U{:08X}", ch as u32),
    }
}

impl Emitter {
    /// `process_scalar`: writes the current scalar in the chosen style.
    pub(super) fn process_scalar(&mut self) {
        let Ev::Scalar { value, .. } = &self.events[self.pos] else {
            return;
        };
        let value = value.clone();
        if self.analysis.is_none() {
            self.analysis = Some(analyze(&value));
        }
        if self.style.is_none() {
            self.style = Some(self.choose_scalar_style());
        }
        let split = !self.simple_key_context;
        if self.sequence_context && self.flow_context.is_empty() {
            self.write_indent();
        }
        match self.style {
            Some(Chosen::Double) => self.write_double_quoted(&value, split),
            Some(Chosen::Single) => self.write_single_quoted(&value, split),
            Some(Chosen::Literal) => self.write_literal(&value),
            _ => self.write_plain(&value, split),
        }
        self.analysis = None;
        self.style = None;
    }

    pub(super) fn write_plain(&mut self, text: &[char], split: bool) {
        if self.root_context {
            self.open_ended = true;
        }
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.column += 1;
            self.write(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let (mut spaces, mut breaks) = (false, false);
        let (mut start, mut end) = (0usize, 0usize);
        while end <= text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column >= self.best_width && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.column += end - start;
                        self.write_chars(&text[start..end]);
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(is_break) {
                    if text[start] == '\n' {
                        self.write_line_break(None);
                    }
                    for &br in &text[start..end] {
                        self.write_line_break(if br == '\n' { None } else { Some(br) });
                    }
                    self.write_indent();
                    self.whitespace = false;
                    self.indention = false;
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || is_break(c)) {
                let len = end - start;
                if len + self.column > self.best_width
                    && self.indent.is_some_and(|i| self.column > i)
                {
                    // words longer than the line width get a line of their own
                    self.write_indent();
                }
                self.column += len;
                self.write_chars(&text[start..end]);
                start = end;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
            end += 1;
        }
    }

    pub(super) fn write_single_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let (mut start, mut end) = (0usize, 0usize);
        while end <= text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end
                        && self.column > self.best_width
                        && split
                        && start != 0
                        && end != text.len()
                    {
                        self.write_indent();
                    } else {
                        self.column += end - start;
                        self.write_chars(&text[start..end]);
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(is_break) {
                    if text[start] == '\n' {
                        self.write_line_break(None);
                    }
                    for &br in &text[start..end] {
                        self.write_line_break(if br == '\n' { None } else { Some(br) });
                    }
                    self.write_indent();
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || c == '\'' || is_break(c)) && start < end {
                self.column += end - start;
                self.write_chars(&text[start..end]);
                start = end;
            }
            if ch == Some('\'') {
                self.column += 2;
                self.write("''");
                start = end + 1;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
            end += 1;
        }
        self.write_indicator("'", false, false, false);
    }

    pub(super) fn write_double_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("\"", true, false, false);
        let (mut start, mut end) = (0usize, 0usize);
        while end <= text.len() {
            let ch = text.get(end).copied();
            let needs_escape = match ch {
                None => true,
                Some(c) => {
                    "\"\\\u{85}\u{2028}\u{2029}\u{FEFF}".contains(c)
                        || !((' '..='~').contains(&c) || is_unicode_ok(c))
                }
            };
            if needs_escape {
                if start < end {
                    self.column += end - start;
                    self.write_chars(&text[start..end]);
                    start = end;
                }
                if let Some(c) = ch {
                    let data = escape(c);
                    self.column += data.chars().count();
                    self.write(&data);
                    start = end + 1;
                }
            }
            if 0 < end
                && end + 1 < text.len()
                && (ch == Some(' ') || start >= end)
                // `end - start` is -1 right after an escape, as in Python
                && (self.column + end) as isize - start as isize > self.best_width as isize
                && split
            {
                self.split_double_quoted(text, &mut start, end);
            }
            end += 1;
        }
        self.write_indicator("\"", false, false, false);
    }

    /// The line-folding branch of `write_double_quoted` (ruamel's SO 75634614 variant).
    fn split_double_quoted(&mut self, text: &[char], start: &mut usize, end: usize) {
        let mut need_backslash = true;
        if let Some(space_pos) = (end..text.len()).find(|&i| text[i] == ' ') {
            let space_pos = (end..space_pos)
                .find(|&i| text[i] == '\n')
                .unwrap_or(space_pos);
            // `text[space_pos + 1]` raises IndexError at the end: need_backslash stays.
            if let Some(&after) = text.get(space_pos + 1) {
                if text[space_pos] == '\n' && after != ' ' {
                } else if !text[end..space_pos].contains(&'"')
                    && !text[end..space_pos].contains(&'\'')
                    && after != ' '
                    && after != '\n'
                    && text[end - 1..=end] != [' ', ' ']
                    && *start != end
                {
                    need_backslash = false;
                }
            }
        }
        let mut data: String = if *start < end {
            text[*start..end].iter().collect()
        } else {
            String::new()
        };
        if need_backslash {
            data.push('\\');
        }
        if *start < end {
            *start = end;
        }
        self.column += data.chars().count();
        self.write(&data);
        self.write_indent();
        self.whitespace = false;
        self.indention = false;
        if text[*start] == ' ' {
            if !need_backslash {
                // the leading space comes back from the line break when read
                *start += 1;
            }
            if need_backslash {
                self.column += 1;
                self.write("\\");
            }
        }
    }

    pub(super) fn write_literal(&mut self, text: &[char]) {
        let (hints, indent_hint, chomp) = determine_block_hints(text);
        self.write_indicator(&format!("|{hints}"), true, false, false);
        if chomp == '+' {
            self.open_ended = true;
        }
        self.write_line_break(None);
        let mut breaks = true;
        let (mut start, mut end) = (0usize, 0usize);
        while end <= text.len() {
            let ch = text.get(end).copied();
            if breaks {
                if !ch.is_some_and(is_break) {
                    for &br in &text[start..end] {
                        self.write_line_break(if br == '\n' { None } else { Some(br) });
                    }
                    if ch.is_some() {
                        if self.root_context {
                            let pad = " ".repeat(indent_hint + self.indent.unwrap_or(0));
                            self.write(&pad);
                        } else {
                            self.write_indent();
                        }
                    }
                    start = end;
                }
            } else if ch.is_none_or(is_break) {
                self.write_chars(&text[start..end]);
                if ch.is_none() {
                    self.write_line_break(None);
                }
                start = end;
            }
            if let Some(c) = ch {
                breaks = is_break(c);
            }
            end += 1;
        }
    }
}

fn is_unicode_ok(c: char) -> bool {
    ('\u{A0}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c)
        || ('\u{10000}'..='\u{10FFFF}').contains(&c)
}

/// `determine_block_hints` outside the root context: (hints, indent, chomping indicator).
fn determine_block_hints(text: &[char]) -> (String, usize, char) {
    let mut hints = String::new();
    let mut indent = 0;
    let mut indicator = ' ';
    if let (Some(&first), Some(&last)) = (text.first(), text.last()) {
        if first == ' ' || is_break(first) {
            indent = 2;
            hints.push('2');
        }
        if !is_break(last) {
            indicator = '-';
        } else if text.len() == 1 || is_break(text[text.len() - 2]) {
            indicator = '+';
        }
    }
    if indicator != ' ' {
        hints.push(indicator);
    }
    (hints, indent, indicator)
}
