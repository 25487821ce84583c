"""Computes the training-data goldens for the Rust `training` module with Rasa itself.

Input: crates/hindsight-server/tests/fixtures/training/cases.json, made by hand:

    nlu            sets of annotated examples {text, intent, entities}; entity offsets are
                   Python string indices (Unicode code points), as Rasa's
    conversations  a tracker of tests/fixtures/trackers, annotations by event index
                   ({intent, entities}) and the items saved from it ({name, until}; `until`
                   null means the whole conversation)

Output: crates/hindsight-server/tests/fixtures/training/goldens.json with, per NLU set,

    nlu_yaml   RasaYAMLWriter().dumps(TrainingData([Message.build(text, intent, entities)]))

and, over all conversations' saved items in order,

    stories_yaml       YAMLStoryWriter().dumps(story steps of every item, is_test_story=False)
    test_stories_yaml  the same with is_test_story=True (Rasa 3 test stories)
    e2e_yaml           write_yaml({"test_cases": [case, ...]}, preserving key order), each case
                       `{"test_case": NAME, "steps": [...]}` (not through `TestCase.as_dict()`,
                       which writes a `slot_was_set` list back as a mapping the schema rejects)
    e2e_steps          what rasa.e2e_test's read_test_cases reads back from e2e_yaml

Every file is read back with Rasa's readers and checked against what was written: the NLU
file with RasaYAMLReader (same examples, intents and entities, each example once), the
stories with YAMLStoryReader (one story per item, named as saved), the test cases with
read_test_cases (the same steps). The script fails if anything does not come back.

How a correction is applied to a user event (the Rust side does the same,
`training::corrections`): `parse_data.intent.name` becomes the corrected intent,
`parse_data.entities` the corrected entities (`value` defaults to the annotated text),
`parse_data.response_selector` is dropped (it would rename a retrieval intent).

How a test case is made from events (`training::e2e`): a user event with text is
`- user: TEXT`; a bot event is `- utter: NAME` when its metadata names the response
(`utter_action`), else `- bot: TEXT`; consecutive slot events are one `- slot_was_set:` list
of `{name: value}`, leaving out Rasa's own slots (DEFAULT_SLOT_NAMES and `dialogue_stack`).

Setup (once): see make_goldens.py. Run from anywhere:
    /opt/rasa-venv/bin/python tools/goldens/make_training_goldens.py
"""

import copy
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import structlog  # noqa: E402

import rasa.dialogue_understanding.commands  # noqa: E402,F401  (breaks an import cycle)
from rasa.e2e_test.e2e_test_case import TestCase  # noqa: E402
from rasa.e2e_test.utils.io import read_test_cases  # noqa: E402
from rasa.shared.core.constants import DEFAULT_SLOT_NAMES  # noqa: E402
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402
from rasa.shared.core.training_data.story_reader.yaml_story_reader import (  # noqa: E402
    YAMLStoryReader,
)
from rasa.shared.core.training_data.story_writer.yaml_story_writer import (  # noqa: E402
    YAMLStoryWriter,
)
from rasa.shared.nlu.training_data.formats.rasa_yaml import (  # noqa: E402
    RasaYAMLReader,
    RasaYAMLWriter,
)
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402
from rasa.shared.utils.yaml import write_yaml  # noqa: E402
from ruamel.yaml import StringIO  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "crates" / "hindsight-server" / "tests" / "fixtures"
TRAINING = FIXTURES / "training"
SKIPPED_SLOTS = set(DEFAULT_SLOT_NAMES) | {"dialogue_stack"}

structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(50))


def entity(text, e):
    """An annotation as the message's entity dict: value defaults to the annotated text."""
    out = {"start": e["start"], "end": e["end"], "value": e.get("value", text[e["start"] : e["end"]])}
    out["entity"] = e["entity"]
    for key in ("role", "group"):
        if e.get(key) is not None:
            out[key] = e[key]
    return out


def canonical(text, intent, entities):
    keep = ("start", "end", "entity", "value", "role", "group")
    ents = sorted(
        (json.dumps({k: e[k] for k in keep if e.get(k) is not None}, sort_keys=True) for e in entities)
    )
    return (text, intent, tuple(ents))


def nlu_golden(case):
    messages = [
        Message.build(ex["text"], ex["intent"], [entity(ex["text"], e) for e in ex["entities"]])
        for ex in case["examples"]
    ]
    written = RasaYAMLWriter().dumps(TrainingData(messages))
    back = RasaYAMLReader().reads(written)
    got = [canonical(m.get("text"), m.get_full_intent(), m.get("entities") or []) for m in back.training_examples]
    want = []
    for ex in case["examples"]:
        key = canonical(ex["text"], ex["intent"], [entity(ex["text"], e) for e in ex["entities"]])
        if key not in want:
            want.append(key)
    if sorted(got) != sorted(want):
        raise SystemExit(f"{case['name']}: read back differently:\n{got}\n!=\n{want}")
    return written


def corrected(events, annotations):
    events = copy.deepcopy(events)
    for index, note in annotations.items():
        event = events[int(index)]
        parse = event.setdefault("parse_data", {})
        parse.setdefault("intent", {})["name"] = note["intent"]
        parse["entities"] = [entity(event["text"], e) for e in note["entities"]]
        parse.pop("response_selector", None)
    return events


def prefix(events, until):
    return events if until is None else events[: until + 1]


def test_case(name, events):
    steps = []
    for event in events:
        kind = event.get("event")
        if kind == "user" and event.get("text"):
            steps.append({"user": event["text"]})
        elif kind == "bot":
            utter = (event.get("metadata") or {}).get("utter_action")
            if isinstance(utter, str) and utter:
                steps.append({"utter": utter})
            elif event.get("text"):
                steps.append({"bot": event["text"]})
        elif kind == "slot" and event.get("name") not in SKIPPED_SLOTS:
            slot = {event["name"]: event.get("value")}
            if steps and "slot_was_set" in steps[-1]:
                steps[-1]["slot_was_set"].append(slot)
            else:
                steps.append({"slot_was_set": [slot]})
    return {"test_case": name, "steps": steps}


def step_view(step):
    return {
        "actor": step.actor,
        "text": step.text,
        "template": step.template,
        "slot_name": step.get_slot_name(),
        "slot_value": step.get_slot_value(),
    }


def main() -> None:
    cases = json.loads((TRAINING / "cases.json").read_text(encoding="utf-8"))
    out = {"nlu": [], "stories_yaml": None, "test_stories_yaml": None, "e2e_yaml": None}
    for case in cases["nlu"]:
        out["nlu"].append({"name": case["name"], "nlu_yaml": nlu_golden(case)})
    steps, test_steps, e2e, names = [], [], [], []
    for conv in cases["conversations"]:
        tracker = json.loads((FIXTURES / "trackers" / conv["tracker"]).read_text(encoding="utf-8"))
        events = corrected(tracker["events"], conv["annotations"])
        for save in conv["saves"]:
            part = prefix(events, save["until"])
            t = DialogueStateTracker.from_dict(save["name"], copy.deepcopy(part))
            steps.extend(t.as_story().story_steps)
            test_steps.extend(t.as_story().story_steps)
            e2e.append(test_case(save["name"], part))
            names.append(save["name"])
    out["stories_yaml"] = YAMLStoryWriter().dumps(steps, is_test_story=False)
    out["test_stories_yaml"] = YAMLStoryWriter().dumps(test_steps, is_test_story=True)
    stream = StringIO()
    write_yaml({"test_cases": e2e}, stream, True)
    out["e2e_yaml"] = stream.getvalue()

    with tempfile.TemporaryDirectory() as tmp:
        for key, is_test in (("stories_yaml", False), ("test_stories_yaml", True)):
            path = Path(tmp) / ("test_stories.yml" if is_test else "stories.yml")
            path.write_text(out[key], encoding="utf-8")
            read = YAMLStoryReader().read_from_file(str(path))
            if [s.block_name for s in read] != names:
                raise SystemExit(f"{key}: read back {[s.block_name for s in read]}")
        path = Path(tmp) / "e2e_test_cases.yml"
        path.write_text(out["e2e_yaml"], encoding="utf-8")
        suite = read_test_cases(str(path))
        read = [{"name": c.name, "steps": [step_view(s) for s in c.steps]} for c in suite.test_cases]
        want = [
            {"name": c["test_case"], "steps": [step_view(s) for s in TestCase.from_dict(c).steps]} for c in e2e
        ]
        if read != want:
            raise SystemExit(f"e2e read back differently:\n{read}\n!=\n{want}")
        out["e2e_steps"] = read

    target = TRAINING / "goldens.json"
    target.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{target.relative_to(ROOT)}: {len(out['nlu'])} NLU sets, {len(names)} saved items")


if __name__ == "__main__":
    sys.exit(main())
