//! The YAML document model Rasa's story writer hands to ruamel.yaml, and ruamel's
//! representer/serializer/resolver steps that turn it into emitter events.
//!
//! Rasa dumps with `ruamel.yaml.YAML()` (round-trip, YAML 1.2, width 4096, unicode
//! allowed) plus two representers of its own: `None` is written as `null`, and a string
//! containing a newline whose second line is not indented becomes a literal block.

mod analysis;
mod emitter;
mod output;
mod resolver;
mod scalar;

use super::pyvalue::number_repr;
use emitter::{Emitter, Ev};
use resolver::resolve;
use serde_json::Value;

/// The tag of a scalar, which ruamel uses to decide whether a plain scalar would be read
/// back as something else.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Tag {
    Str,
    Null,
    Bool,
    Int,
    Float,
}

impl Tag {
    /// Length of the tag as the emitter prepares it (`!!str`, ...); it counts towards the
    /// 128 characters a simple mapping key may have.
    fn prepared_len(self) -> usize {
        match self {
            Tag::Str | Tag::Int => 5,
            Tag::Null | Tag::Bool => 6,
            Tag::Float => 7,
        }
    }
}

/// The style a scalar is represented with (`ScalarNode.style`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Style {
    /// No style: the emitter picks plain, single or double quotes.
    Auto,
    /// `|` (ruamel's `LiteralScalarString`, or Rasa's multi-line representer).
    Literal,
    /// `"` (ruamel's `DoubleQuotedScalarString`).
    Double,
}

/// A YAML node.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    Scalar {
        value: String,
        tag: Tag,
        style: Style,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A Python `str`, through Rasa's `multiline_str_representer`.
    pub fn str(s: &str) -> Node {
        let literal = s
            .split_once('\n')
            .is_some_and(|(_, rest)| !rest.starts_with([' ', '\t']));
        let style = if literal { Style::Literal } else { Style::Auto };
        Node::Scalar {
            value: s.to_owned(),
            tag: Tag::Str,
            style,
        }
    }

    /// A `LiteralScalarString`.
    pub fn literal(s: &str) -> Node {
        Node::Scalar {
            value: s.to_owned(),
            tag: Tag::Str,
            style: Style::Literal,
        }
    }

    /// A `DoubleQuotedScalarString`.
    pub fn double_quoted(s: &str) -> Node {
        Node::Scalar {
            value: s.to_owned(),
            tag: Tag::Str,
            style: Style::Double,
        }
    }

    /// A mapping with string keys.
    pub fn map<const N: usize>(entries: [(&str, Node); N]) -> Node {
        Node::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Node::str(k), v))
                .collect(),
        )
    }

    /// The object `json.loads` builds for `v`, as ruamel represents it.
    pub fn json(v: &Value) -> Node {
        let scalar = |value: String, tag| Node::Scalar {
            value,
            tag,
            style: Style::Auto,
        };
        match v {
            Value::Null => scalar("null".into(), Tag::Null),
            Value::Bool(b) => scalar(if *b { "true" } else { "false" }.into(), Tag::Bool),
            Value::Number(n) => {
                let tag = if n.is_f64() { Tag::Float } else { Tag::Int };
                let text = number_repr(n);
                // ruamel writes float('inf') and nan as .inf / .nan
                let text = match text.as_str() {
                    "inf" => ".inf".into(),
                    "-inf" => "-.inf".into(),
                    "nan" => ".nan".into(),
                    _ => text,
                };
                scalar(text, tag)
            }
            Value::String(s) => Node::str(s),
            Value::Array(items) => Node::Seq(items.iter().map(Node::json).collect()),
            Value::Object(o) => Node::Map(
                o.iter()
                    .map(|(k, v)| (Node::str(k), Node::json(v)))
                    .collect(),
            ),
        }
    }
}

/// Dumps `root` as a YAML document, byte for byte as Rasa's `write_yaml` does.
pub(crate) fn dump(root: &Node) -> String {
    let mut events = vec![Ev::StreamStart, Ev::DocStart];
    serialize(root, &mut events);
    events.push(Ev::DocEnd);
    events.push(Ev::StreamEnd);
    Emitter::new(events).run()
}

fn serialize(node: &Node, out: &mut Vec<Ev>) {
    match node {
        Node::Scalar { value, tag, style } => out.push(Ev::Scalar {
            // `implicit[0]`: would the value read back with its own tag if written plain?
            implicit0: resolve(value) == Some(*tag)
                || (*tag == Tag::Str && resolve(value).is_none()),
            value: value.chars().collect(),
            style: *style,
            tag_len: tag.prepared_len(),
        }),
        Node::Seq(items) => {
            // ruamel's round-trip representer only uses flow style for empty collections.
            out.push(Ev::SeqStart {
                flow: items.is_empty(),
            });
            for item in items {
                serialize(item, out);
            }
            out.push(Ev::SeqEnd);
        }
        Node::Map(entries) => {
            out.push(Ev::MapStart {
                flow: entries.is_empty(),
            });
            for (k, v) in entries {
                serialize(k, out);
                serialize(v, out);
            }
            out.push(Ev::MapEnd);
        }
    }
}
