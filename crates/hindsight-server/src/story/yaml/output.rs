//! The emitter's output primitives and indentation bookkeeping (`write_indicator`,
//! `write_indent`, `write_line_break`, `increase_indent`, `Indents`), ported from
//! ruamel.yaml. Columns count code points, as in Python.

use super::emitter::{Emitter, BEST_INDENT};

impl Emitter {
    pub(super) fn increase_indent(&mut self, flow: bool, sequence: bool, indentless: bool) {
        self.indents.push((self.indent, sequence));
        match self.indent {
            // top level: a flow node gets `requested_indent`, which Rasa leaves at None
            None => self.indent = if flow { None } else { Some(0) },
            Some(i) if !indentless => self.indent = Some(i + BEST_INDENT),
            Some(_) => {}
        }
    }

    pub(super) fn pop_indent(&mut self) {
        self.indent = self.indents.pop().and_then(|(i, _)| i);
    }

    /// `Indents.seq_seq()`: the two innermost levels are both sequences.
    pub(super) fn seq_seq(&self) -> bool {
        let n = self.indents.len();
        n >= 2 && self.indents[n - 2].1 && self.indents[n - 1].1
    }

    /// `Indents.seq_flow_align()` without a pre-comment: extra spaces before `[`/`{`.
    pub(super) fn seq_flow_align(&self) -> usize {
        let n = self.indents.len();
        if n < 2 || !self.indents[n - 1].1 {
            return 0;
        }
        let base = self.indents[n - 1].0.unwrap_or(0);
        // Python's `' ' * negative` is the empty string.
        (base + BEST_INDENT).saturating_sub(self.column + 1)
    }

    pub(super) fn write(&mut self, s: &str) {
        self.out.push_str(s);
    }

    pub(super) fn write_chars(&mut self, s: &[char]) {
        self.out.extend(s.iter());
    }

    pub(super) fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        whitespace: bool,
        indention: bool,
    ) {
        let data = if self.whitespace || !need_whitespace {
            indicator.to_owned()
        } else {
            format!(" {indicator}")
        };
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
        self.column += data.chars().count();
        self.open_ended = false;
        self.write(&data);
    }

    pub(super) fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            if self.no_newline {
                self.no_newline = false;
            } else {
                self.write_line_break(None);
            }
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = " ".repeat(indent - self.column);
            self.column = indent;
            self.write(&pad);
        }
    }

    pub(super) fn write_line_break(&mut self, data: Option<char>) {
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
        self.out.push(data.unwrap_or('\n'));
    }
}
