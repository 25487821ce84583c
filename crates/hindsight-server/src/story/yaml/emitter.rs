//! A port of ruamel.yaml 0.19's `Emitter` state machine (block style; no anchors, explicit
//! tags or comments, which Rasa's stories never have): the part that decides indentation
//! and line breaks. Style decisions are in `analysis.rs`, the scalar writers in
//! `scalar.rs`, output and indentation primitives in `output.rs`. Names follow the Python
//! source so the two can be read side by side.

use super::analysis::Analysis;
use super::Style;

/// A serializer event.
#[derive(Clone, Debug)]
pub(crate) enum Ev {
    StreamStart,
    StreamEnd,
    DocStart,
    DocEnd,
    SeqStart {
        flow: bool,
    },
    SeqEnd,
    MapStart {
        flow: bool,
    },
    MapEnd,
    /// `implicit0`: the value reads back with its own tag when written plain.
    /// `tag_len`: length of the prepared tag (counts towards simple-key length).
    Scalar {
        value: Vec<char>,
        style: Style,
        implicit0: bool,
        tag_len: usize,
    },
}

/// The style the emitter chose for a scalar.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Chosen {
    Plain,
    Single,
    Double,
    Literal,
}

#[derive(Clone, Copy, Debug)]
pub(super) enum State {
    StreamStart,
    FirstDocumentStart,
    DocumentStart,
    DocumentEnd,
    DocumentRoot,
    Nothing,
    FirstFlowSequenceItem,
    FlowSequenceItem,
    FirstFlowMappingKey,
    FlowMappingKey,
    FlowMappingSimpleValue,
    FlowMappingValue,
    FirstBlockSequenceItem,
    BlockSequenceItem,
    FirstBlockMappingKey,
    BlockMappingKey,
    BlockMappingSimpleValue,
    BlockMappingValue,
}

/// ruamel's `Emitter` with the settings Rasa's `write_yaml` uses.
pub(crate) struct Emitter {
    pub(super) out: String,
    pub(super) events: Vec<Ev>,
    pub(super) pos: usize,
    pub(super) states: Vec<State>,
    pub(super) state: State,
    /// `Indents.values`: (previous indent, is a sequence).
    pub(super) indents: Vec<(Option<usize>, bool)>,
    pub(super) indent: Option<usize>,
    pub(super) flow_context: Vec<&'static str>,
    pub(super) root_context: bool,
    pub(super) sequence_context: bool,
    pub(super) mapping_context: bool,
    pub(super) simple_key_context: bool,
    pub(super) column: usize,
    pub(super) whitespace: bool,
    pub(super) indention: bool,
    pub(super) no_newline: bool,
    pub(super) open_ended: bool,
    pub(super) analysis: Option<Analysis>,
    pub(super) style: Option<Chosen>,
    pub(super) best_width: usize,
}

pub(super) const BEST_INDENT: usize = 2; // best_sequence_indent == best_map_indent

impl Emitter {
    pub fn new(events: Vec<Ev>) -> Self {
        Emitter {
            out: String::new(),
            events,
            pos: 0,
            states: Vec::new(),
            state: State::StreamStart,
            indents: Vec::new(),
            indent: None,
            flow_context: Vec::new(),
            root_context: false,
            sequence_context: false,
            mapping_context: false,
            simple_key_context: false,
            column: 0,
            whitespace: true,
            indention: true,
            no_newline: false,
            open_ended: false,
            analysis: None,
            style: None,
            best_width: 4096, // Rasa's YAML_LINE_MAX_WIDTH
        }
    }

    /// Feeds every event through the state machine and returns the text.
    pub fn run(mut self) -> String {
        while self.pos < self.events.len() {
            self.step();
            self.pos += 1;
        }
        self.out
    }

    pub(super) fn event(&self) -> &Ev {
        &self.events[self.pos]
    }

    pub(super) fn next_event(&self) -> Option<&Ev> {
        self.events.get(self.pos + 1)
    }

    pub(super) fn pop_state(&mut self) -> State {
        self.states.pop().unwrap_or(State::Nothing)
    }

    fn step(&mut self) {
        match self.state {
            State::StreamStart => self.state = State::FirstDocumentStart,
            State::FirstDocumentStart => self.expect_document_start(),
            State::DocumentStart => self.expect_document_start(),
            State::DocumentEnd => self.expect_document_end(),
            State::DocumentRoot => {
                self.states.push(State::DocumentEnd);
                self.expect_node(true, false, false, false);
            }
            State::Nothing => {}
            State::FirstFlowSequenceItem => self.expect_flow_sequence_item(true),
            State::FlowSequenceItem => self.expect_flow_sequence_item(false),
            State::FirstFlowMappingKey => self.expect_flow_mapping_key(true),
            State::FlowMappingKey => self.expect_flow_mapping_key(false),
            State::FlowMappingSimpleValue => {
                self.write_indicator(":", false, false, false);
                self.states.push(State::FlowMappingKey);
                self.expect_node(false, false, true, false);
            }
            State::FlowMappingValue => {
                if self.column > self.best_width {
                    self.write_indent();
                }
                self.write_indicator(":", true, false, false);
                self.states.push(State::FlowMappingKey);
                self.expect_node(false, false, true, false);
            }
            State::FirstBlockSequenceItem => self.expect_block_sequence_item(true),
            State::BlockSequenceItem => self.expect_block_sequence_item(false),
            State::FirstBlockMappingKey => self.expect_block_mapping_key(true),
            State::BlockMappingKey => self.expect_block_mapping_key(false),
            State::BlockMappingSimpleValue => {
                self.write_indicator(":", false, false, false);
                self.states.push(State::BlockMappingKey);
                self.expect_node(false, false, true, false);
            }
            State::BlockMappingValue => {
                self.write_indent();
                self.write_indicator(":", true, false, true);
                self.states.push(State::BlockMappingKey);
                self.expect_node(false, false, true, false);
            }
        }
    }

    fn expect_document_start(&mut self) {
        match self.event() {
            // Rasa's document is a non-empty mapping: the start is implicit (no `---`).
            Ev::DocStart => self.state = State::DocumentRoot,
            Ev::StreamEnd => {
                if self.open_ended {
                    self.write_indicator("...", true, false, false);
                    self.write_indent();
                }
                self.state = State::Nothing;
            }
            _ => {}
        }
    }

    fn expect_document_end(&mut self) {
        if matches!(self.event(), Ev::DocEnd) {
            self.write_indent();
            self.state = State::DocumentStart;
        }
    }

    pub(super) fn expect_node(
        &mut self,
        root: bool,
        sequence: bool,
        mapping: bool,
        simple_key: bool,
    ) {
        self.root_context = root;
        self.sequence_context = sequence;
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match self.event().clone() {
            Ev::Scalar { .. } => {
                // process_tag(): chooses the style; Rasa's tags are always implicit.
                if self.style.is_none() {
                    self.style = Some(self.choose_scalar_style());
                }
                self.expect_scalar();
            }
            Ev::SeqStart { flow } => {
                if !self.flow_context.is_empty() || flow || self.check_empty_sequence() {
                    self.expect_flow_sequence();
                } else {
                    self.expect_block_sequence();
                }
                if self.seq_seq() {
                    self.indention = true;
                    self.no_newline = false;
                }
            }
            Ev::MapStart { flow } => {
                if !self.flow_context.is_empty() || flow || self.check_empty_mapping() {
                    self.expect_flow_mapping();
                } else {
                    self.expect_block_mapping();
                }
            }
            _ => {}
        }
    }

    fn expect_scalar(&mut self) {
        self.increase_indent(true, false, false);
        self.process_scalar();
        self.pop_indent();
        self.state = self.pop_state();
    }

    fn expect_flow_sequence(&mut self) {
        let ind = self.seq_flow_align();
        self.write_indicator(&format!("{}[", " ".repeat(ind)), true, true, false);
        self.increase_indent(true, true, false);
        self.flow_context.push("[");
        self.state = State::FirstFlowSequenceItem;
    }

    fn expect_flow_sequence_item(&mut self, first: bool) {
        if matches!(self.event(), Ev::SeqEnd) {
            self.pop_indent();
            self.flow_context.pop();
            self.write_indicator("]", false, false, false);
            if first && self.flow_context.is_empty() {
                self.write_line_break(None);
            } else if !first {
                self.no_newline = false;
            }
            self.state = self.pop_state();
        } else {
            if !first {
                self.write_indicator(",", false, false, false);
            }
            if self.column > self.best_width {
                self.write_indent();
            }
            self.states.push(State::FlowSequenceItem);
            self.expect_node(false, true, false, false);
        }
    }

    fn expect_flow_mapping(&mut self) {
        let ind = self.seq_flow_align();
        self.write_indicator(&format!("{}{{", " ".repeat(ind)), true, true, false);
        self.flow_context.push("{");
        self.increase_indent(true, false, false);
        self.state = State::FirstFlowMappingKey;
    }

    fn expect_flow_mapping_key(&mut self, first: bool) {
        if matches!(self.event(), Ev::MapEnd) {
            self.pop_indent();
            self.flow_context.pop();
            self.write_indicator("}", false, false, false);
            if first && self.flow_context.is_empty() {
                self.write_line_break(None);
            } else if !first {
                self.no_newline = false;
            }
            self.state = self.pop_state();
        } else {
            if !first {
                self.write_indicator(",", false, false, false);
            }
            if self.column > self.best_width {
                self.write_indent();
            }
            if self.check_simple_key() {
                self.states.push(State::FlowMappingSimpleValue);
                self.expect_node(false, false, true, true);
            } else {
                self.write_indicator("?", true, false, false);
                self.states.push(State::FlowMappingValue);
                self.expect_node(false, false, true, false);
            }
        }
    }

    fn expect_block_sequence(&mut self) {
        // compact_seq_seq is on, so a nested sequence starts on the dash's line.
        let indentless = self.mapping_context && !self.indention;
        self.increase_indent(false, true, indentless);
        self.state = State::FirstBlockSequenceItem;
    }

    fn expect_block_sequence_item(&mut self, first: bool) {
        if !first && matches!(self.event(), Ev::SeqEnd) {
            self.pop_indent();
            self.state = self.pop_state();
            self.no_newline = false;
        } else {
            let nonl = self.column == 0 && self.no_newline;
            self.write_indent();
            self.write_indicator("-", true, false, true);
            if nonl {
                self.no_newline = true;
            }
            self.states.push(State::BlockSequenceItem);
            self.expect_node(false, true, false, false);
        }
    }

    fn expect_block_mapping(&mut self) {
        // compact_seq_map is on: no line break before a mapping inside a sequence item.
        self.increase_indent(false, false, false);
        self.state = State::FirstBlockMappingKey;
    }

    fn expect_block_mapping_key(&mut self, first: bool) {
        if !first && matches!(self.event(), Ev::MapEnd) {
            self.pop_indent();
            self.state = self.pop_state();
        } else {
            self.write_indent();
            if self.check_simple_key() {
                self.states.push(State::BlockMappingSimpleValue);
                self.expect_node(false, false, true, true);
            } else {
                self.write_indicator("?", true, false, true);
                self.states.push(State::BlockMappingValue);
                self.expect_node(false, false, true, false);
            }
        }
    }

    pub(super) fn check_empty_sequence(&self) -> bool {
        matches!(self.event(), Ev::SeqStart { .. }) && matches!(self.next_event(), Some(Ev::SeqEnd))
    }

    pub(super) fn check_empty_mapping(&self) -> bool {
        matches!(self.event(), Ev::MapStart { .. }) && matches!(self.next_event(), Some(Ev::MapEnd))
    }
}
