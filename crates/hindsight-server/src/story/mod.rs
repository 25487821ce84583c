//! Rasa story generation and slot replay, byte for byte equal to Rasa 3.
//!
//! Given the events of a Rasa tracker (the JSON objects of a tracker's `"events"` list),
//! this module reproduces what Rasa Pro 3.21 computes for the tracker made of the first
//! events of a conversation, without Rasa and without the assistant's domain:
//!
//! * [`story_until`] / [`story_until_named`]: the YAML story
//!   `DialogueStateTracker.export_stories(YAMLStoryWriter(), e2e=…)` returns;
//! * [`slots_at`]: the slot values `DialogueStateTracker` holds.
//!
//! The tracker is the one `DialogueStateTracker.from_dict(sender_id, events)` builds with
//! no slots given, so every slot is an untyped `AnySlot` created on first use with no
//! initial value. The pipeline mirrors Rasa's:
//!
//! 1. `events`: Rasa's event deserialisation (unknown types are dropped);
//! 2. `tracker`: `tracker.update(event)` for each event, including the replays that
//!    `rewind`/`undo` trigger (which depend on loops, see `applied_events`) and the ways
//!    later events modify the latest user message (`entities`, `user_featurization`);
//! 3. `writer`: `YAMLStoryWriter` turning the logged events into story steps, with
//!    `annotate` for the entity-annotated user text of end-to-end stories;
//! 4. `yaml`: ruamel.yaml's representer, serializer, resolver and emitter as
//!    configured by Rasa's `write_yaml`, ported so quoting, block scalars, indentation
//!    and line folding come out identical.
//!
//! Some things to know about Rasa's behaviour (all verified against Rasa):
//!
//! * the story contains *every* logged event: `rewind`, `undo`, `restart` and
//!   `session_started` change slots but remove nothing from the story, and a
//!   `slot_was_set` step is written for every `slot` event (slots need no domain) except
//!   Rasa Pro's built-in `flow_hashes`;
//! * `session_ended` makes the tracker ignore every later event;
//! * an anonymised user message (`anonymized_at` set) is written as an end-to-end `user:`
//!   text without its intent, because Rasa passes `anonymized_at` into the
//!   `use_text_for_featurization` parameter.
//!
//! Where Rasa itself would raise an exception on malformed input (a user event without
//! `parse_data`, an invalid entity annotation typed by a user, …) these functions still
//! return a best-effort result instead; see the notes on the individual modules.
//!
//! Floats are printed with Python's `repr`, exactly, for the `f64` they hold; parse event
//! JSON with serde_json's `float_roundtrip` feature, or 16–17 digit floats may already be
//! one ulp off before they get here.
//!
//! The golden tests in `tests.rs` compare against output recorded with Rasa by
//! `tools/goldens/make_goldens.py`.

pub(crate) mod annotate;
mod events;
pub(crate) mod pyvalue;
mod tracker;
mod writer;
pub(crate) mod yaml;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

/// The story name [`story_until`] uses: Rasa's `DEFAULT_SENDER_ID`, the sender id of a
/// tracker that has none.
pub const DEFAULT_STORY_NAME: &str = "default";

/// The generated story of a conversation up to and including `events[until]`, byte-for-byte
/// what Rasa 3's `DialogueStateTracker.export_stories(YAMLStoryWriter(), e2e=…)` writes for
/// the tracker made of `events[..=until]`.
///
/// The story is named [`DEFAULT_STORY_NAME`]; Rasa names it after the tracker's sender id,
/// which [`story_until_named`] takes. An `until` past the end means all events.
pub fn story_until(events: &[Value], until: usize, e2e: bool) -> String {
    story_until_named(events, until, e2e, DEFAULT_STORY_NAME)
}

/// [`story_until`] for a tracker whose sender id is `story_name`: exactly Rasa's output for
/// `DialogueStateTracker.from_dict(story_name, events[..=until]).export_stories(...)`.
pub fn story_until_named(events: &[Value], until: usize, e2e: bool, story_name: &str) -> String {
    let tracker = tracker::Tracker::from_events(prefix(events, until));
    writer::write_story(&tracker.events, story_name, e2e)
}

/// The value of every slot named anywhere in `events` (not only up to `until`), as Rasa's
/// tracker computes it after applying `events[..=until]`: the domain is unknown, so every
/// slot counts as an untyped slot with no initial value (null).
/// Key order: the order in which slot names first appear in `events`.
///
/// A slot is named by a `slot` event's `name` or a `memory_set`/`memory_cleared` event's
/// `key` (Rasa Pro's engine writes slots with those too).
pub fn slots_at(events: &[Value], until: usize) -> Map<String, Value> {
    let tracker = tracker::Tracker::from_events(prefix(events, until));
    events::slot_names(events)
        .into_iter()
        .map(|name| {
            let value = tracker.slot(&name);
            (name, value)
        })
        .collect()
}

fn prefix(events: &[Value], until: usize) -> &[Value] {
    &events[..events.len().min(until.saturating_add(1))]
}
