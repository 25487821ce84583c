"""Differential fuzzing of the Rust `story` module against Rasa.

Generates random (often absurd) trackers, has Rasa compute the story, the end-to-end
story and the slots at a few cut points of each, and writes the cases to a JSON file in
the golden format (plus `sender_id` and `events` per case). The Rust side checks them with
an ignored test:

    /opt/rasa-venv/bin/python tools/goldens/fuzz_against_rasa.py --seed 1 --cases 1500 /tmp/fuzz.json
    STORY_FUZZ_CASES=/tmp/fuzz.json cargo test -p hindsight-server story::tests::fuzz -- --ignored --nocapture

`--loops` biases the events towards forms, rewinds and undos (the loop-aware replay of
`DialogueStateTracker.applied_events`). Cut points where Rasa itself raises (invalid
entity spans, malformed stack patches, ...) are left out: the Rust module returns a
best-effort answer there instead. Setup as in make_goldens.py.
"""

import argparse
import copy
import json
import os
import random
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import jsonpatch  # noqa: E402
import structlog  # noqa: E402

import rasa.dialogue_understanding.commands  # noqa: E402,F401  (breaks an import cycle)
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402
from rasa.shared.core.training_data.story_writer.yaml_story_writer import (  # noqa: E402
    YAMLStoryWriter,
)

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).parent))
from make_goldens import slot_names  # noqa: E402

structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(50))

CHARS = list("abcXYZ09 \n\t:#-?'\"[](){},&*!|>%@`\\.~/=<_+") + [
    "\r", "\x00", "\x07", "\x1b", "\x7f", "\x85", "\xa0", "\u2028", "\u2029", "\ufeff",
    "ü", "😀", "\u200b", "  ", "\n\n", " \n", "\n ",
]
WORDS = [
    "yes", "no", "null", "Null", "~", "true", "False", "123", "-1", "1.5", "1e5", "0x1F",
    "0o7", "0b1", "1_0", "2024-01-01", "2024-1-1 10:00:00", "---", "...", "- x", "? x",
    ": x", "#x", "a #b", "a:b", "a: b", "<<", "=", "!", "&", "*", ".inf", "-.inf", ".nan",
    ".5", "+1", "-_", "", " ", "x ", " x",
]
LOOPS = ["form_a", "form_b"]
ACTIONS = ["action_listen"] * 4 + [
    "utter_x", "action_y", "action_session_start", "action_unlikely_intent", "...", "",
] + LOOPS * 2


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.stack = []

    def text(self, maxlen=10):
        r = self.r.random()
        if r < 0.25:
            return self.r.choice(WORDS)
        if r < 0.27:  # long enough to be folded at Rasa's line width of 4096
            words = ["w" * self.r.randint(1, 12), "it's", 'a"b', "x"]
            return " ".join(self.r.choice(words) for _ in range(self.r.randint(600, 900)))
        if r < 0.28:
            return "y" * self.r.randint(4090, 4200)
        return "".join(self.r.choice(CHARS) for _ in range(self.r.randint(0, maxlen)))

    def number(self):
        r = self.r.random()
        if r < 0.3:
            return self.r.randint(-1000, 1000)
        if r < 0.4:
            return self.r.randint(-(2**63), 2**64 - 1)
        if r < 0.5:
            return self.r.choice([0.0, -0.0, 1e16, 1e15, 1e-4, 1e-5, 0.1, 1.5e300, 5e-324])
        return self.r.uniform(-1, 1) * 10 ** self.r.randint(-10, 20)

    def value(self, depth=0):
        r = self.r.random()
        if r < 0.1:
            return None
        if r < 0.2:
            return self.r.random() < 0.5
        if r < 0.4:
            return self.number()
        if r < 0.7 or depth > 2:
            return self.text()
        if r < 0.85:
            return [self.value(depth + 1) for _ in range(self.r.randint(0, 3))]
        return {
            (self.text(6) if self.r.random() < 0.9 else "k" * self.r.randint(118, 130)): self.value(depth + 1)
            for _ in range(self.r.randint(0, 3))
        }

    def user(self):
        r = self.r
        text = self.text(14) if r.random() < 0.9 else None
        if text and r.random() < 0.1:
            text = f"[{self.text(4)}]({self.text(3)}){text}"
        intent = None
        if r.random() < 0.75:
            name = r.choice(["greet", "inform", "faq", None, "", "a/b", self.text(6), "x" * 130])
            intent = {"name": name, "confidence": 0.5}
            if r.random() < 0.2:
                intent["full_retrieval_intent_name"] = r.choice(["faq/x", None, "", self.text(5)])
        entities = []
        length = len(text) if text else 5
        for _ in range(r.randint(0, 3) if r.random() < 0.5 else 0):
            e = {"entity": r.choice(["city", "n", self.text(4)])}
            if r.random() < 0.8:
                e["start"] = r.randint(-2, length + 1)
                e["end"] = e["start"] + r.randint(0, 4)
            if r.random() < 0.8:
                if r.random() < 0.3:
                    e["value"] = self.value(2)
                elif text and r.random() < 0.5:
                    e["value"] = text[e.get("start", 0) : e.get("end", 0)]
                else:
                    e["value"] = self.text(5)
            if r.random() < 0.3:
                e["role"] = r.choice(["from", "to", self.text(3)])
            if r.random() < 0.3:
                e["group"] = r.choice(["1", "2"])
            entities.append(e)
        parse_data = {"intent": intent, "entities": entities, "text": text}
        if r.random() < 0.1:
            parse_data["commands"] = [{"command": "set slot", "name": self.text(4), "value": self.value(1)}]
        event = {"event": "user", "text": text, "parse_data": parse_data}
        if r.random() < 0.05:
            event["anonymized_at"] = r.choice([1700000000.0, 0, None])
        return event

    def stack_event(self):
        new = copy.deepcopy(self.stack)
        if new and self.r.random() < 0.4:
            new.pop()
        else:
            new.append({"frame_id": self.text(3), "flow_id": self.r.choice(["f1", "f2"]), "step_id": self.text(4), "frame_type": "regular", "type": "flow"})
        patch = jsonpatch.JsonPatch.from_diff(self.stack, new).to_string()
        self.stack = new
        return {"event": "stack", "update": patch}

    def event(self):
        r = self.r.random()
        table = [
            (0.25, lambda: {"event": "action", "name": self.r.choice(ACTIONS)} if self.r.random() < 0.93 else {"event": "action", "name": None, "action_text": self.text(10)}),
            (0.45, self.user),
            (0.60, lambda: {"event": "slot", "name": self.r.choice(["s1", "s2", "s3", "requested_slot", self.text(5)]), "value": self.value()}),
            (0.66, lambda: {"event": self.r.choice(["active_loop", "form"]), "name": self.r.choice(LOOPS + [None])}),
            (0.70, lambda: {"event": "rewind"}),
            (0.74, lambda: {"event": "undo"}),
            (0.76, lambda: {"event": "restart"}),
            (0.78, lambda: {"event": "session_started"}),
            (0.80, lambda: {"event": "reset_slots"}),
            (0.83, lambda: {"event": "entities", "entities": [{"entity": self.r.choice(["e", "city"]), "value": self.value(2)} for _ in range(self.r.randint(0, 2))]}),
            (0.86, lambda: {"event": "user_featurization", "use_text_for_featurization": self.r.choice([True, False, None, 1])}),
            (0.88, lambda: {"event": "action_execution_rejected", "name": self.r.choice(LOOPS)}),
            (0.90, lambda: {"event": "memory_set", "key": self.r.choice(["s1", "m1"]), "value": self.value()}),
            (0.91, lambda: {"event": "memory_cleared", "key": self.r.choice(["s1", "m1"])}),
            (0.92, lambda: {"event": "routing_session_ended"}),
            (0.925, lambda: {"event": "session_ended"}),
            (0.94, self.stack_event),
            (0.96, lambda: {"event": self.r.choice(["bot", "loop_interrupted", "pause", "resume", "followup", "agent", "inactive", "error"]), "text": self.text(4)}),
            (1.01, lambda: {"event": self.r.choice(["weird", "topic", "flow_started"])}),
        ]
        return next(make for limit, make in table if r < limit)()

    def loop_event(self):
        r = self.r.random()
        table = [
            (0.20, lambda: {"event": "action", "name": self.r.choice(LOOPS)}),
            (0.30, lambda: {"event": "action", "name": "action_listen"}),
            (0.40, lambda: {"event": "action", "name": self.r.choice(["utter_x", "action_y"])}),
            (0.45, lambda: {"event": "action", "name": None, "action_text": "hi"}),
            (0.60, lambda: {"event": "user", "text": self.r.choice(["a", "b", None]), "parse_data": {"intent": {"name": self.r.choice(["i1", "i2", None])}, "entities": []}}),
            (0.70, lambda: {"event": "slot", "name": self.r.choice(["s1", "s2", "requested_slot"]), "value": self.r.randint(0, 9)}),
            (0.77, lambda: {"event": self.r.choice(["active_loop", "form"]), "name": self.r.choice(LOOPS + [None])}),
            (0.82, lambda: {"event": "action_execution_rejected", "name": self.r.choice(LOOPS)}),
            (0.87, lambda: {"event": "rewind"}),
            (0.92, lambda: {"event": "undo"}),
            (0.95, lambda: {"event": "user_featurization", "use_text_for_featurization": self.r.choice([True, False])}),
            (0.98, lambda: {"event": "entities", "entities": [{"entity": "e", "value": self.r.randint(0, 3)}]}),
            (1.01, lambda: {"event": self.r.choice(["restart", "session_started", "reset_slots"])}),
        ]
        return next(make for limit, make in table if r < limit)()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--loops", action="store_true", help="forms, rewinds and undos")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    g = Gen(args.seed)
    cases, failures = [], 0
    os.chdir(tempfile.mkdtemp(prefix="hindsight-fuzz-"))
    for k in range(args.cases):
        g.stack = []
        make = g.loop_event if args.loops else g.event
        events = [make() for _ in range(g.r.randint(1, 60 if args.loops else 25))]
        for e in events:
            e["timestamp"] = 1_700_000_000.0 + g.r.random()
        sender = g.text(8) if g.r.random() < 0.3 else f"s{k}"
        names = slot_names(events)
        cuts = []
        for until in sorted({len(events) - 1, g.r.randrange(len(events)), g.r.randrange(len(events))}):
            try:
                tracker = DialogueStateTracker.from_dict(sender, copy.deepcopy(events[: until + 1]))
                story = tracker.export_stories(YAMLStoryWriter(), e2e=False)
                story_e2e = tracker.export_stories(YAMLStoryWriter(), e2e=True)
                slots = {name: tracker.get_slot(name) for name in names}
            except Exception:  # Rasa rejects this tracker: nothing to compare with
                failures += 1
                continue
            cuts.append({"until": until, "story": story, "story_e2e": story_e2e, "slots": slots})
        if cuts:
            cases.append({"sender_id": sender, "events": events, "cuts": cuts})
    out.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    print(f"{len(cases)} cases, {sum(len(c['cuts']) for c in cases)} cut points; Rasa raised on {failures}")


if __name__ == "__main__":
    sys.exit(main())
