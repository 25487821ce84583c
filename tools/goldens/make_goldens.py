"""Computes the story/slot goldens for the Rust `story` module with Rasa itself.

For every tracker in crates/hindsight-server/tests/fixtures/trackers/*.json and for a set
of cut points `until`, this builds the tracker Rasa would build from the first
`until + 1` events and records

    story      tracker.export_stories(YAMLStoryWriter(), e2e=False)
    story_e2e  tracker.export_stories(YAMLStoryWriter(), e2e=True)
    slots      the value of every slot named anywhere in the tracker's events, in
               order of first appearance, as the tracker holds it after those events

into crates/hindsight-server/tests/fixtures/stories/<name>.json as
`[{"until": i, "story": ..., "story_e2e": ..., "slots": {...}}, ...]`.

The tracker is made the way a tool that does not know the assistant's domain makes it:
`DialogueStateTracker.from_dict(sender_id, events)` without slots, so every slot is an
untyped `AnySlot` created on first use, with no initial value. The story name is the
tracker's `sender_id`.

Every cut point is kept while a golden file stays under MAX_BYTES; longer conversations
keep an even spread of cut points that always includes the last event.

Setup (once):
    python3.11 -m venv /opt/rasa-venv
    /opt/rasa-venv/bin/pip install 'rasa-pro==3.21.*'
(`rasa.shared` runs offline and needs no licence.) Run from anywhere:
    /opt/rasa-venv/bin/python tools/goldens/make_goldens.py
"""

import copy
import json
import os
import sys
import tempfile
from pathlib import Path

# Rasa Pro pulls in LiteLLM, which otherwise tries to download a price list.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import structlog  # noqa: E402

import rasa.dialogue_understanding.commands  # noqa: E402,F401  (breaks an import cycle)
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402
from rasa.shared.core.training_data.story_writer.yaml_story_writer import (  # noqa: E402
    YAMLStoryWriter,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "crates" / "hindsight-server" / "tests" / "fixtures"
TRACKERS = FIXTURES / "trackers"
STORIES = FIXTURES / "stories"
MAX_BYTES = 160_000

# Rasa warns about every unknown or malformed event; the fixtures contain some on purpose.
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(50))


def slot_names(events):
    """Names of the slots that events write, in order of first appearance."""
    names = []
    for event in events:
        if not isinstance(event, dict):
            continue
        kind = event.get("event")
        name = event.get("name") if kind == "slot" else None
        if kind in ("memory_set", "memory_cleared"):
            name = event.get("key")
        if isinstance(name, str) and name not in names:
            names.append(name)
    return names


def golden(sender_id, events, until, names):
    # Rasa mutates the event dicts it loads (an `entities` event appends to the user
    # message's entity list), so every cut point gets its own copy.
    tracker = DialogueStateTracker.from_dict(sender_id, copy.deepcopy(events[: until + 1]))
    story = tracker.export_stories(YAMLStoryWriter(), e2e=False)
    story_e2e = tracker.export_stories(YAMLStoryWriter(), e2e=True)
    # `get_slot` goes through the tracker's AnySlotDict: a slot nobody set yet is
    # created on the fly with its initial value, None.
    slots = {name: tracker.get_slot(name) for name in names}
    return {"until": until, "story": story, "story_e2e": story_e2e, "slots": slots}


def size(entries):
    return len(json.dumps(entries, ensure_ascii=False, indent=1))


def main() -> None:
    STORIES.mkdir(parents=True, exist_ok=True)
    total = 0
    # StoryExported events with a path make Rasa write a file: keep that out of the repo.
    os.chdir(tempfile.mkdtemp(prefix="hindsight-goldens-"))
    for path in sorted(TRACKERS.glob("*.json")):
        tracker = json.loads(path.read_text(encoding="utf-8"))
        events = tracker["events"]
        names = slot_names(events)
        entries = [golden(tracker["sender_id"], events, i, names) for i in range(len(events))]
        step = 1
        kept = entries
        while size(kept) > MAX_BYTES and step < len(entries):
            step += 1
            kept = [e for e in entries if e["until"] % step == 0 or e["until"] == len(entries) - 1]
        out = STORIES / path.name
        out.write_text(json.dumps(kept, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        total += len(kept)
        print(f"{out.relative_to(ROOT)}: {len(kept)} of {len(entries)} cut points")
    print(f"{total} cut points")


if __name__ == "__main__":
    sys.exit(main())
