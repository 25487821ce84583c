"""Writes the Rasa tracker fixtures used by the story golden tests.

Every tracker lands in crates/hindsight-server/tests/fixtures/trackers/<name>.json as a
Rasa tracker dump (`{"sender_id", "slots", ..., "events": [...]}`). Most events are
built with Rasa's own `rasa.shared.core.events` classes and serialised with
`.as_dict()`, so they are exactly what a Rasa 3 tracker store holds; a few are written by
hand on purpose (Rasa 2.x exports, unknown event types, malformed events).

Setup (once):
    python3.11 -m venv /opt/rasa-venv
    /opt/rasa-venv/bin/pip install 'rasa-pro==3.21.*'
Run from the repository root:
    /opt/rasa-venv/bin/python tools/goldens/make_fixtures.py
then regenerate the goldens with tools/goldens/make_goldens.py.

The timestamps are fixed so that re-running the script gives identical files.
"""

import datetime
import json
import os
import sys
import zlib
from pathlib import Path

# Rasa Pro pulls in LiteLLM, which otherwise tries to download a price list.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import jsonpatch  # noqa: E402  (installed with rasa-pro)

import rasa.dialogue_understanding.commands  # noqa: E402,F401  (breaks an import cycle)
from rasa.shared.core.events import (  # noqa: E402
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AgentUttered,
    AllSlotsReset,
    BotUttered,
    ConversationInactive,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    DialogueStackUpdated,
    EntitiesAdded,
    FlowCancelled,
    FlowCompleted,
    FlowInterrupted,
    FlowResumed,
    FlowStarted,
    FollowupAction,
    LoopInterrupted,
    MemoryCleared,
    MemorySet,
    ReminderCancelled,
    ReminderScheduled,
    Restarted,
    RoutingSessionEnded,
    SessionEnded,
    SessionStarted,
    SlotSet,
    StoryExported,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "crates" / "hindsight-server" / "tests" / "fixtures" / "trackers"


class Builder:
    """Collects events of one conversation with deterministic timestamps and ids."""

    def __init__(self, sender_id: str, t0: float = 1_700_000_000.0) -> None:
        self.sender_id = sender_id
        self.t = t0
        self.events = []
        self.n = 0

    def _ts(self, dt: float) -> float:
        self.t = round(self.t + dt, 6)
        return self.t

    def _id(self) -> str:
        self.n += 1
        return f"{zlib.crc32(self.sender_id.encode()) & 0xFFFF:04x}{self.n:028x}"

    def add(self, event, dt: float = 1.25):
        event.timestamp = self._ts(dt)
        self.events.append(event.as_dict())
        return self

    def raw(self, d: dict, dt: float = 1.25):
        d = dict(d)
        if "timestamp" not in d:
            d["timestamp"] = self._ts(dt)
        self.events.append(d)
        return self

    # -- common building blocks -------------------------------------------------------
    def session_start(self, metadata=None):
        self.add(ActionExecuted("action_session_start", policy=None, confidence=1.0))
        self.add(SessionStarted(), dt=0.01)
        if metadata is not None:
            self.add(SlotSet("session_started_metadata", metadata), dt=0.01)
        return self.listen()

    def listen(self, policy="RulePolicy", confidence=1.0):
        return self.add(ActionExecuted("action_listen", policy=policy, confidence=confidence), dt=0.02)

    def user(self, text, intent=None, entities=None, confidence=0.97, extra=None, channel="rest"):
        parse = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence} if intent else {},
            "entities": entities or [],
            "message_id": self._id(),
            "metadata": {},
        }
        if intent:
            parse["intent_ranking"] = [
                {"name": intent, "confidence": confidence},
                {"name": "nlu_fallback", "confidence": round(1 - confidence, 4)},
            ]
        if extra:
            parse.update(extra)
        ev = UserUttered(
            text,
            parse["intent"],
            parse["entities"],
            parse_data=parse,
            input_channel=channel,
            message_id=parse["message_id"],
        )
        return self.add(ev)

    def act(self, name, policy="TEDPolicy", confidence=0.95, dt=0.1, **kw):
        return self.add(ActionExecuted(name, policy=policy, confidence=confidence, **kw), dt=dt)

    def bot(self, text, utter=None, data=None):
        meta = {"utter_action": utter} if utter else {}
        return self.add(BotUttered(text, data or {}, meta), dt=0.05)

    def utter(self, name, text, policy="TEDPolicy"):
        self.act(name, policy=policy)
        return self.bot(text, utter=name)

    def slot(self, name, value, **kw):
        return self.add(SlotSet(name, value, **kw), dt=0.01)

    # -- output ----------------------------------------------------------------------
    def save(self, name: str, envelope_extra=None, envelope=None) -> None:
        if envelope is None:
            tracker = DialogueStateTracker.from_dict(self.sender_id, self.events)
            envelope = tracker.current_state(EventVerbosity.ALL)
        envelope = dict(envelope)
        envelope["events"] = self.events
        if envelope_extra:
            envelope.update(envelope_extra)
        path = OUT / f"{name}.json"
        path.write_text(json.dumps(envelope, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)} ({len(self.events)} events)")


def ent(entity, value, start=None, end=None, extractor="DIETClassifier", **extra):
    e = {"entity": entity}
    if start is not None:
        e["start"] = start
        e["end"] = end
    e["value"] = value
    e["extractor"] = extractor
    e.update(extra)
    return e


# ----------------------------------------------------------------------------------------
def basic_greet():
    b = Builder("4c6e3f0a9d2b4f7e8a1c5b3d2e6f7a8b")
    b.session_start()
    b.user("Hi!", "greet", confidence=0.998)
    b.utter("utter_greet", "Hey! How are you?")
    b.listen(policy="TEDPolicy")
    b.user("I am good, thanks", "mood_great", confidence=0.91)
    b.utter("utter_happy", "Great, carry on!")
    b.listen(policy="TEDPolicy")
    b.user("what can you do?", "bot_challenge", confidence=0.77)
    b.act("action_unlikely_intent", policy="UnexpecTEDIntentPolicy", confidence=0.31)
    b.utter("utter_iamabot", "I am a bot, powered by Rasa.")
    b.listen()
    b.user("bye", "goodbye")
    b.utter("utter_goodbye", "Bye")
    b.listen()
    b.save("basic_greet")


def form_restaurant():
    b = Builder("restaurant-form-7")
    b.session_start()
    b.user("I want to book a table", "request_restaurant", confidence=0.93)
    b.act("restaurant_form", policy="RulePolicy", confidence=1.0)
    b.add(ActiveLoop("restaurant_form"), dt=0.01)
    b.slot("requested_slot", "cuisine")
    b.bot("What cuisine?", utter="utter_ask_cuisine")
    b.listen()
    b.user("italian please", "inform", [ent("cuisine", "italian", 0, 7)])
    b.slot("cuisine", "italian")
    b.act("restaurant_form", policy="RulePolicy", confidence=1.0)
    b.slot("cuisine", "italian")
    b.slot("requested_slot", "num_people")
    b.bot("How many people?", utter="utter_ask_num_people")
    b.listen()
    # unhappy path: chitchat inside the form
    b.user("are you a bot?", "bot_challenge", confidence=0.88)
    b.add(ActionExecutionRejected("restaurant_form", policy="RulePolicy", confidence=1.0))
    b.act("utter_iamabot", policy="TEDPolicy", confidence=0.83)
    b.bot("I am a bot, powered by Rasa.", utter="utter_iamabot")
    b.add(LoopInterrupted(True), dt=0.01)
    b.act("restaurant_form", policy="RulePolicy", confidence=1.0)
    b.add(LoopInterrupted(False), dt=0.01)
    b.slot("requested_slot", "num_people")
    b.bot("How many people?", utter="utter_ask_num_people")
    b.listen()
    b.user("for 4", "inform", [ent("number", 4, 4, 5, extractor="DucklingEntityExtractor")])
    b.act("restaurant_form", policy="RulePolicy", confidence=1.0)
    b.slot("num_people", 4.0)
    b.slot("requested_slot", "outdoor_seating")
    b.bot("Do you want to sit outside?", utter="utter_ask_outdoor_seating")
    b.listen()
    b.user("yes", "affirm", confidence=0.99)
    b.act("restaurant_form", policy="RulePolicy", confidence=1.0)
    b.slot("outdoor_seating", True)
    b.slot("requested_slot", "preferences")
    b.bot("Any preferences?", utter="utter_ask_preferences")
    b.listen()
    # the user corrects themselves: rewind then a new message, still inside the loop
    b.user("no wait", "deny", confidence=0.51)
    b.act("action_default_fallback", policy="RulePolicy", confidence=0.3)
    b.bot("Sorry, I didn't get that.", utter="utter_default")
    b.add(UserUtteranceReverted(), dt=0.01)
    b.listen()
    b.user("no additional preferences", "deny", confidence=0.96)
    b.act("restaurant_form", policy="RulePolicy", confidence=1.0)
    b.slot("preferences", "no additional preferences")
    b.slot("requested_slot", None)
    b.add(ActiveLoop(None), dt=0.01)
    b.act("utter_submit", policy="RulePolicy", confidence=1.0)
    b.bot("All done!", utter="utter_submit")
    b.act("utter_slots_values", policy="RulePolicy", confidence=1.0)
    b.bot("I am going to run a restaurant search using the following parameters", utter="utter_slots_values")
    b.listen()
    b.user("thanks", "thankyou")
    b.utter("utter_noworries", "You're welcome :)")
    b.listen()
    b.save("form_restaurant")


def form_undo_in_loop():
    """A second form whose undo/rewind go through the loop-aware replay of Rasa."""
    b = Builder("loop-undo")
    b.session_start()
    b.user("book a flight", "book_flight")
    b.act("flight_form", policy="RulePolicy", confidence=1.0)
    b.add(ActiveLoop("flight_form"), dt=0.01)
    b.slot("requested_slot", "origin")
    b.listen()
    b.user("from Berlin", "inform", [ent("city", "Berlin", 5, 11, role="from")])
    b.act("flight_form", policy="RulePolicy", confidence=1.0)
    b.slot("origin", "Berlin")
    b.slot("requested_slot", "destination")
    b.listen()
    b.user("to Rome", "inform", [ent("city", "Rome", 3, 7, role="to")])
    b.act("flight_form", policy="RulePolicy", confidence=1.0)
    b.slot("destination", "Rome")
    b.slot("requested_slot", "date")
    b.add(ActionReverted())
    b.slot("undo_marker", 1)
    b.listen()
    b.user("to Paris", "inform", [ent("city", "Paris", 3, 8, role="to")])
    b.act("flight_form", policy="RulePolicy", confidence=1.0)
    b.slot("destination", "Paris")
    b.slot("requested_slot", "date")
    b.listen()
    b.user("tomorrow", "inform", [ent("time", "2023-11-15T00:00:00.000+01:00", 0, 8, extractor="DucklingEntityExtractor")])
    b.add(UserUtteranceReverted())
    b.add(UserUtteranceReverted())
    b.listen()
    b.user("on friday", "inform", [ent("time", "2023-11-17T00:00:00.000+01:00", 3, 9, extractor="DucklingEntityExtractor")])
    b.act("flight_form", policy="RulePolicy", confidence=1.0)
    b.slot("date", "2023-11-17T00:00:00.000+01:00")
    b.slot("requested_slot", None)
    b.add(ActiveLoop(None))
    b.act("action_book_flight", policy="RulePolicy", confidence=1.0)
    b.slot("booking", {"id": "FL-001", "legs": [{"from": "Berlin", "to": "Paris"}], "price": 129.99})
    b.add(ActionReverted())
    b.listen()
    b.save("form_undo_in_loop")


def entities_roles_groups():
    b = Builder("entities-roles-groups")
    b.session_start()
    text = "fly from Berlin to San Francisco with 2 adults"
    b.user(
        text,
        "book_flight",
        [
            ent("city", "Berlin", 9, 15, role="departure"),
            ent("city", "San Francisco", 19, 32, role="destination"),
            ent("number", 2, 38, 39, extractor="DucklingEntityExtractor"),
        ],
    )
    b.act("action_search_flights")
    b.listen()
    text = "one large pizza with pepperoni and a small one with mushrooms"
    b.user(
        text,
        "order_pizza",
        [
            ent("size", "large", 4, 9, group="1"),
            ent("topping", "pepperoni", 21, 30, group="1"),
            ent("size", "small", 37, 42, group="2"),
            ent("topping", "mushrooms", 52, 61, group="2"),
        ],
    )
    b.act("action_order")
    b.listen()
    # several entities on one span, a synonym value and a value-less entity
    b.user(
        "I live in NYC",
        "inform",
        [
            ent("city", "New York City", 10, 13),
            ent("location", "New York City", 10, 13, role="home"),
            {"entity": "mood", "start": 0, "end": 1, "extractor": "RegexEntityExtractor"},
        ],
    )
    b.add(EntitiesAdded([{"entity": "country", "value": "USA"}, ent("city", "New York City", 10, 13)]), dt=0.01)
    b.act("action_remember_home")
    b.listen()
    # unicode offsets are code points, values of other JSON types
    b.user(
        "Grüße aus München 👋 um 5",
        "inform",
        [
            ent("city", "München", 10, 17),
            ent("time", {"from": 5, "to": 6, "grain": "hour"}, 23, 24),
            ent("flag", True, 18, 19),
            ent("nums", [1, 2.5, None], 0, 5, role="greeting", group="g"),
        ],
    )
    b.act("action_answer")
    b.listen()
    # a message whose own text looks like Markdown entity annotations
    b.user("[Berlin](city) is my [home]{\"entity\": \"place\"} town", "inform", [ent("city", "Berlin", 1, 7)])
    b.user("/greet{\"name\": \"Ann\"}", "greet", [ent("name", "Ann", 6, 21)])
    b.act("utter_greet")
    b.listen()
    b.save("entities_roles_groups")


def restarts_and_sessions():
    b = Builder("restart-sessions", t0=1_690_000_000.0)
    b.session_start(metadata={"channel": "web", "lang": "de"})
    b.user("hello", "greet")
    b.slot("name", "Ann")
    b.slot("visits", 1)
    b.utter("utter_greet", "Hello Ann!")
    b.add(FollowupAction("action_check_profile"))
    b.act("action_check_profile", policy=None, confidence=None)
    b.add(ReminderScheduled("EXTERNAL_reminder", datetime.datetime(2023, 11, 14, 10, 30), name="remind_me", entities=[{"entity": "topic", "value": "tea"}]))
    b.listen()
    b.user("/restart", "restart")
    b.act("action_restart", policy="RulePolicy", confidence=1.0)
    b.add(Restarted(), dt=0.01)
    b.act("action_session_start", policy=None, confidence=None)
    b.add(SessionStarted(), dt=0.01)
    b.listen()
    b.user("hi again", "greet")
    b.slot("visits", 2)
    b.add(ConversationPaused())
    b.bot("A human will take over now.")
    b.add(ConversationResumed())
    b.add(ReminderCancelled(name="remind_me"))
    b.add(StoryExported())
    b.add(AgentUttered("Hi, this is Jane from support.", {"agent": "jane"}))
    b.add(AllSlotsReset())
    b.slot("name", "Bob")
    b.listen()
    b.add(ConversationInactive(), dt=3600)
    # a new session: session_started resets the slots but not the story
    b.act("action_session_start", policy=None, confidence=None, dt=3600)
    b.add(SessionStarted(), dt=0.01)
    b.slot("session_started_metadata", {"channel": "web"})
    b.listen()
    b.user("it's me", "greet")
    b.utter("utter_greet", "Welcome back!")
    b.listen()
    b.save("restarts_and_sessions")


def rewind_undo():
    b = Builder("rewind-undo")
    b.session_start()
    b.user("set my color to blue", "set_color", [ent("color", "blue", 16, 20)])
    b.slot("color", "blue")
    b.act("action_set_color")
    b.slot("color_confirmed", True)
    b.listen()
    b.user("go back", "back")
    b.act("action_back", policy="RulePolicy", confidence=1.0)
    b.bot("Undid what you said")
    b.add(UserUtteranceReverted(), dt=0.01)
    b.add(UserUtteranceReverted(), dt=0.01)
    b.listen()
    b.user("actually red", "set_color", [ent("color", "red", 9, 12)])
    b.slot("color", "red")
    b.act("action_set_color")
    b.slot("color_confirmed", False)
    b.add(ActionReverted())
    b.act("action_ask_confirmation")
    b.slot("asked", 1)
    b.listen()
    b.user("asdfgh", "nlu_fallback", confidence=0.21)
    b.act("action_two_stage_fallback", policy="RulePolicy", confidence=1.0)
    b.add(ActiveLoop("action_two_stage_fallback"))
    b.bot("Did you mean 'set color'?")
    b.listen()
    b.user("yes", "affirm")
    b.act("action_two_stage_fallback", policy="RulePolicy", confidence=1.0)
    b.add(ActiveLoop(None))
    b.add(UserUtteranceReverted())
    b.add(DefinePrevUserUtteredFeaturization(False))
    b.act("action_set_color")
    b.add(ActionReverted())
    b.add(ActionReverted())
    b.listen()
    b.save("rewind_undo")


def slot_types():
    b = Builder("slot-types")
    b.session_start()
    b.user("fill all the slots", "fill")
    values = [
        ("s_null", None),
        ("s_true", True),
        ("s_false", False),
        ("s_int", 42),
        ("s_negative", -7),
        ("s_zero", 0),
        ("s_big_int", 12345678901234567),
        ("s_float", 3.14),
        ("s_float_whole", 5.0),
        ("s_float_small", 1e-07),
        ("s_float_tiny", 0.0001),
        ("s_float_big", 1e16),
        ("s_float_huge", 1.5e300),
        ("s_float_neg", -2.5e-05),
        ("s_float_neg_zero", -0.0),
        ("s_float_digits", 0.1 + 0.2),
        ("s_float_almost", 999999999999999.9),
        ("s_string", "hello"),
        ("s_empty", ""),
        ("s_space", " "),
        ("s_list", [1, "two", 3.0, None, True, [], {}]),
        ("s_nested", {"a": {"b": [1, {"c": "d"}]}, "e": [], "f": {}, "g": [[1, 2], [3]]}),
        ("s_list_of_lists", [[], [[]], ["x", ["y"]]]),
        ("s_dict_weird_keys", {"with space": 1, "colon: key": 2, "123": 3, "yes": 4, "": 5, "-dash": 6, "ümlaut": 7}),
        ("s_empty_list", []),
        ("s_empty_dict", {}),
        ("requested_slot", "s_int"),
        ("s with space", "v"),
        ("123", "numeric slot name"),
        ("s_null", "now set"),
        ("s_int", None),
    ]
    for name, value in values:
        b.slot(name, value)
    b.act("action_show_slots")
    b.add(SlotSet("flow_hashes", {"transfer_money": "3f2a"}), dt=0.01)
    b.slot("s_float", 2.71828)
    b.listen()
    b.add(AllSlotsReset())
    b.slot("s_string", "after reset")
    b.listen()
    b.save("slot_types")


def retrieval_intents():
    b = Builder("faq-retrieval")
    b.session_start()

    def rs(intent, key, text, conf=0.95):
        return {
            "response_selector": {
                "all_retrieval_intents": ["faq", "chitchat"],
                intent: {
                    "response": {
                        "id": -2160447484211016957,
                        "responses": [{"text": text}],
                        "response_templates": [{"text": text}],
                        "confidence": conf,
                        "intent_response_key": key,
                        "utter_action": f"utter_{key}",
                        "template_name": f"utter_{key}",
                    },
                    "ranking": [{"id": 1, "confidence": conf, "intent_response_key": key}],
                },
                "default": {"response": {"id": None, "responses": None, "confidence": 0.0, "intent_response_key": None, "utter_action": "utter_None"}, "ranking": []},
            }
        }

    ev = dict(rs("faq", "faq/ask_name", "I'm Sara."))
    b.user("what is your name?", "faq", extra=ev)
    b.events[-1]["parse_data"]["intent"]["full_retrieval_intent_name"] = "faq/ask_name"
    b.act("utter_faq", policy="RulePolicy", confidence=1.0)
    b.bot("I'm Sara.", utter="utter_faq/ask_name")
    b.listen()
    ev = dict(rs("chitchat", "chitchat/ask_weather", "It's sunny where I live"))
    b.user("how's the weather?", "chitchat", extra=ev)
    b.events[-1]["parse_data"]["intent"]["full_retrieval_intent_name"] = "chitchat/ask_weather"
    b.act("utter_chitchat", policy="RulePolicy", confidence=1.0)
    b.bot("It's sunny where I live", utter="utter_chitchat/ask_weather")
    b.listen()
    # Rasa 2.x stored only the response selector output, no full retrieval intent name
    ev = dict(rs("faq", "faq/ask_languages", "I speak English."))
    b.user("which languages do you speak?", "faq", extra=ev)
    b.act("utter_faq", policy="TEDPolicy", confidence=0.99)
    b.bot("I speak English.", utter="utter_faq/ask_languages")
    b.listen()
    b.user("and in German?", "faq/ask_languages", confidence=0.8)
    b.act("utter_faq/ask_languages", policy="RulePolicy", confidence=1.0)
    b.listen()
    b.save("retrieval_intents")


TRICKY = [
    "hello: world",
    "key:value",
    "- starts with a dash",
    "-dash no space",
    "# looks like a comment",
    "text # with hash",
    "a#b",
    "'single quoted'",
    '"double quoted"',
    "it's",
    'say "hi"',
    "ünïcödé Ωmega",
    "emoji 😀 here",
    "multi\nline",
    "multi\n  indented second line",
    "trailing newline\n",
    "two trailing newlines\n\n",
    "\nleading newline",
    " leading space",
    "trailing space ",
    "tab\there",
    "123",
    "-1.5",
    "1e3",
    "0x1F",
    "0o17",
    "1_000",
    "yes",
    "No",
    "null",
    "~",
    "true",
    "FALSE",
    "on",
    "2024-01-01",
    "2024-01-01 10:00:00",
    "@mention",
    "`backtick`",
    "!important",
    "&anchor",
    "*alias",
    "|pipe",
    "> quote",
    "%percent",
    "[bracket]",
    "{brace}",
    "a, b",
    "?question",
    "? spaced question",
    ": colon first",
    "ends with colon:",
    "...",
    "---",
    "--- document",
    "windows\r\nline",
    "bell\x07char",
    "nbsp\u00a0here",
    "zero\u200bwidth",
    "line\u2028separator",
    "double  space",
    "<<",
    "=",
    ".inf",
    "a: b\nc: d",
    "   ",
]


def e2e_texts():
    b = Builder("e2e-texts")
    b.session_start()
    for i, text in enumerate(TRICKY):
        if i % 3 == 0:
            b.user(text, None)  # end-to-end message without an intent
        else:
            b.user(text, "inform" if i % 2 else "chitchat")
        if i % 4 == 0:
            b.add(ActionExecuted(action_text=text, policy="TEDPolicy", confidence=0.8), dt=0.1)
        elif i % 4 == 1:
            b.act("utter_echo")
            b.bot(text, utter="utter_echo")
        else:
            b.act("action_echo")
            b.slot("last_text", text)
        b.listen()
    b.save("e2e_texts")


def long_texts():
    b = Builder("long-texts")
    b.session_start()
    words = " ".join(f"word{i}" for i in range(900))
    b.user(words, None)
    b.add(ActionExecuted(action_text=words, policy="TEDPolicy", confidence=0.8), dt=0.1)
    b.slot("long_plain", words)
    b.slot("long_quoted", "it's " + words)
    b.slot("long_double", "x\t" + words + ' "end"')
    b.slot("long_unbroken", "y" * 5000)
    b.listen()
    b.save("long_texts")


def rasa2_legacy():
    """A Rasa 2.x tracker export, written by hand: legacy `form` events, policy names."""
    b = Builder("rasa2-legacy", t0=1_600_000_000.0)
    raw = b.raw
    raw({"event": "action", "name": "action_session_start", "policy": None, "confidence": None})
    raw({"event": "session_started"})
    raw({"event": "action", "name": "action_listen", "policy": None, "confidence": None})
    raw({
        "event": "user", "text": "i want to order a pizza",
        "parse_data": {
            "intent": {"id": -4386447484211016957, "name": "order_pizza", "confidence": 0.9923},
            "entities": [],
            "intent_ranking": [{"id": -4386447484211016957, "name": "order_pizza", "confidence": 0.9923}],
            "response_selector": {"all_retrieval_intents": [], "default": {"response": {"id": None, "response_templates": None, "confidence": 0.0, "intent_response_key": None, "template_name": "utter_None"}, "ranking": []}},
            "text": "i want to order a pizza",
        },
        "input_channel": "socketio", "message_id": "b5f1b1e3c2a64e9bb1b8b2d1a3c4e5f6", "metadata": {},
    })
    raw({"event": "action", "name": "pizza_form", "policy": "policy_2_RulePolicy", "confidence": 1.0})
    raw({"event": "form", "name": "pizza_form"})
    raw({"event": "slot", "name": "requested_slot", "value": "pizza_size"})
    raw({"event": "bot", "text": "What size?", "data": {"elements": None, "quick_replies": None, "buttons": [{"title": "large", "payload": "/inform{\"pizza_size\": \"large\"}"}], "attachment": None, "image": None, "custom": None}, "metadata": {"template_name": "utter_ask_pizza_size"}})
    raw({"event": "action", "name": "action_listen", "policy": "policy_2_RulePolicy", "confidence": 1.0})
    raw({
        "event": "user", "text": "/inform{\"pizza_size\": \"large\"}",
        "parse_data": {"intent": {"name": "inform", "confidence": 1.0}, "entities": [{"entity": "pizza_size", "start": 7, "end": 31, "value": "large"}], "text": "/inform{\"pizza_size\": \"large\"}", "message_id": "c1", "metadata": {}, "intent_ranking": [{"name": "inform", "confidence": 1.0}]},
        "input_channel": "socketio", "message_id": "c1", "metadata": {},
    })
    raw({"event": "user_featurization", "use_text_for_featurization": False})
    raw({"event": "action", "name": "pizza_form", "policy": "policy_2_RulePolicy", "confidence": 1.0})
    raw({"event": "form_validation", "validate": False})
    raw({"event": "slot", "name": "pizza_size", "value": "large"})
    raw({"event": "form_validation", "validate": True})
    raw({"event": "slot", "name": "requested_slot", "value": None})
    raw({"event": "form", "name": None})
    raw({"event": "action", "name": "utter_submit", "policy": "policy_1_TEDPolicy", "confidence": 0.9876543})
    raw({"event": "bot", "text": "Thanks, your large pizza is on its way!", "data": {}, "metadata": {"template_name": "utter_submit"}})
    raw({"event": "action", "name": "action_listen", "policy": "policy_1_TEDPolicy", "confidence": 0.99})
    raw({
        "event": "user", "text": "thank you",
        "parse_data": {"intent": {"name": "thankyou", "confidence": 0.99}, "entities": [], "text": "thank you", "message_id": "c2", "metadata": {}},
        "input_channel": "socketio", "message_id": "c2", "metadata": {},
    })
    raw({"event": "user_featurization", "use_text_for_featurization": True})
    raw({"event": "action", "name": None, "action_text": "You're welcome!", "policy": "policy_1_TEDPolicy", "confidence": 0.7})
    raw({"event": "bot", "text": "You're welcome!", "data": {}, "metadata": {}})
    raw({"event": "action", "name": "action_listen", "policy": "policy_1_TEDPolicy", "confidence": 0.99})
    envelope = {
        "sender_id": b.sender_id,
        "slots": {"pizza_size": "large", "requested_slot": None},
        "latest_message": b.events[-5]["parse_data"],
        "latest_event_time": b.events[-1]["timestamp"],
        "followup_action": None,
        "paused": False,
        "latest_input_channel": "socketio",
        "active_loop": {},
        "active_form": {},
        "latest_action": {"action_name": "action_listen"},
        "latest_action_name": "action_listen",
    }
    b.save("rasa2_legacy", envelope=envelope)


def calm_flows():
    """A Rasa Pro (CALM) conversation: commands, dialogue stack patches, flow events."""
    b = Builder("calm-flows", t0=1_710_000_000.0)
    stack = []

    def set_stack(new):
        nonlocal stack
        patch = jsonpatch.JsonPatch.from_diff(stack, new).to_string()
        stack = json.loads(json.dumps(new))
        b.add(DialogueStackUpdated(patch), dt=0.01)

    def frame(fid, flow, step, typ="flow", frame_type="regular"):
        f = {"frame_id": fid, "flow_id": flow, "step_id": step, "frame_type": frame_type, "type": typ}
        return f

    b.session_start()
    b.slot("flow_hashes", {"transfer_money": "a1b2c3", "check_balance": "d4e5f6"})
    b.user(
        "I want to send money to John",
        None,
        extra={"commands": [{"command": "start flow", "flow": "transfer_money"}, {"command": "set slot", "name": "recipient", "value": "John", "extractor": "LLM"}]},
    )
    set_stack([frame("ZQ1", "transfer_money", "START")])
    b.add(FlowStarted("transfer_money"), dt=0.01)
    b.slot("recipient", "John", filled_by="CompactLLMCommandGenerator")
    set_stack([frame("ZQ1", "transfer_money", "ask_amount")])
    b.act("action_run_slot_rejections", policy="FlowPolicy", confidence=1.0)
    b.act("utter_ask_amount", policy="FlowPolicy", confidence=1.0)
    b.bot("How much money do you want to send?", utter="utter_ask_amount")
    b.listen(policy="FlowPolicy")
    b.user("wait, what's my balance?", None, extra={"commands": [{"command": "start flow", "flow": "check_balance"}]})
    set_stack([frame("ZQ1", "transfer_money", "ask_amount"), frame("AB2", "check_balance", "START", frame_type="interrupt")])
    b.add(FlowInterrupted("transfer_money", "ask_amount"), dt=0.01)
    b.add(FlowStarted("check_balance"), dt=0.01)
    set_stack([frame("ZQ1", "transfer_money", "ask_amount"), frame("AB2", "check_balance", "show_balance", frame_type="interrupt")])
    b.act("action_check_balance", policy="FlowPolicy", confidence=1.0)
    b.slot("balance", 1234.5)
    b.bot("Your balance is $1,234.50.")
    set_stack([frame("ZQ1", "transfer_money", "ask_amount"), frame("AB2", "check_balance", "END", frame_type="interrupt")])
    b.add(FlowCompleted("check_balance", "show_balance"), dt=0.01)
    set_stack([frame("ZQ1", "transfer_money", "ask_amount"), {"frame_id": "CI3", "flow_id": "pattern_continue_interrupted", "step_id": "START", "frame_type": "regular", "type": "pattern_continue_interrupted", "previous_flow_name": "transfer money"}])
    b.act("utter_flow_continue_interrupted", policy="FlowPolicy", confidence=1.0)
    b.bot("Let's continue with transfer money.")
    set_stack([frame("ZQ1", "transfer_money", "ask_amount")])
    b.add(FlowResumed("transfer_money", "ask_amount"), dt=0.01)
    b.act("utter_ask_amount", policy="FlowPolicy", confidence=1.0)
    b.bot("How much money do you want to send?", utter="utter_ask_amount")
    b.listen(policy="FlowPolicy")
    b.user("50", None, extra={"commands": [{"command": "set slot", "name": "amount", "value": 50, "extractor": "LLM"}]})
    b.slot("amount", 50, filled_by="CompactLLMCommandGenerator")
    set_stack([frame("ZQ1", "transfer_money", "confirm")])
    b.act("utter_confirm", policy="FlowPolicy", confidence=1.0)
    b.bot("Send $50 to John?", utter="utter_confirm")
    b.listen(policy="FlowPolicy")
    b.user("no, cancel", None, extra={"commands": [{"command": "cancel flow"}]})
    b.add(FlowCancelled("transfer_money", "confirm"), dt=0.01)
    set_stack([])
    b.slot("recipient", None)
    b.slot("amount", None)
    b.add(MemorySet("preferred_currency", "USD"), dt=0.01)
    b.add(MemoryCleared("balance"), dt=0.01)
    b.utter("utter_flow_cancelled_rasa", "Okay, stopping transfer money.", policy="FlowPolicy")
    b.add(RoutingSessionEnded())
    b.listen(policy="FlowPolicy")
    b.user("thanks", "thankyou", extra={"commands": []})
    b.utter("utter_you_are_welcome", "You're welcome!", policy="FlowPolicy")
    b.listen(policy="FlowPolicy")
    b.save("calm_flows")


def unknown_and_malformed():
    b = Builder("unknown-and-malformed", t0=1_700_500_000.0)
    b.session_start()
    b.user("hello", "greet")
    b.raw({"event": "my_custom_event", "payload": {"x": 1}})
    b.raw({"event": "topic", "topic": "smalltalk"})
    b.raw({"event": "action", "policy": "TEDPolicy", "confidence": 0.4})  # no name: skipped
    b.raw({"event": "action", "name": "", "policy": "TEDPolicy", "confidence": 0.4})
    b.act("utter_greet")
    b.raw({"event": "bot", "text": "Hi!", "data": None}, dt=-30.0)  # out-of-order timestamp
    b.raw({"event": "slot", "name": "late", "value": "set"}, dt=-500.0)
    b.raw({"event": "error", "error_code": "rasa_internal_error_default"})
    b.raw({"event": "flow_started"})  # missing flow id: skipped by Rasa
    b.raw({"event": "memory_set", "key": "no_value"})  # missing value: skipped
    b.raw({"event": "inactive"})
    b.raw({"event": "resume"})
    b.raw({"event": "user", "text": None, "parse_data": {"intent": {"name": "greet", "confidence": 1.0}, "entities": []}})
    b.raw({"event": "user", "text": "", "parse_data": {"intent": None, "entities": None}})
    b.raw({"event": "user", "text": "only entities", "parse_data": {"intent": {"name": None}, "entities": [{"entity": "thing", "start": 5, "end": 13, "value": "entities"}]}})
    b.raw({"event": "entities", "entities": [{"entity": "extra", "value": 1}, {"entity": "no_value"}]})
    b.raw({"event": "user_featurization", "use_text_for_featurization": True})
    b.listen()
    b.raw({"event": "user", "text": "late featurization", "parse_data": {"intent": {"name": "inform", "confidence": 0.5}, "entities": []}})
    b.act("action_x")
    b.raw({"event": "user_featurization", "use_text_for_featurization": True})
    b.raw({"event": "entities", "entities": [{"entity": "ignored", "value": 1}]})
    b.listen()
    b.save("unknown_and_malformed")


def anonymized():
    b = Builder("anonymized")
    b.session_start()
    b.add(UserUttered("my name is [REDACTED]", {"name": "inform", "confidence": 0.9}, [ent("name", "[REDACTED]", 11, 21)], parse_data={"text": "my name is [REDACTED]", "intent": {"name": "inform", "confidence": 0.9}, "entities": [ent("name", "[REDACTED]", 11, 21)], "message_id": "a1", "metadata": {}}, input_channel="rest", message_id="a1", anonymized_at=1_700_000_100.0))
    b.add(SlotSet("name", "[REDACTED]", anonymized_at=1_700_000_100.0))
    b.act("utter_greet_name")
    b.add(BotUttered("Hi [REDACTED]!", {}, {"utter_action": "utter_greet_name"}, anonymized_at=1_700_000_100.0))
    b.listen()
    b.user("thanks", "thankyou")
    b.listen()
    b.save("anonymized")


def session_ended():
    b = Builder("12345")  # a sender id that YAML has to quote
    b.session_start()
    b.user("bye", "goodbye")
    b.slot("closing", True)
    b.utter("utter_goodbye", "Goodbye!")
    b.add(SessionEnded())
    b.slot("after_end", "ignored by Rasa")
    b.user("hello?", "greet")
    b.act("utter_greet")
    b.save("session_ended", envelope_extra={})


def weird_sender():
    b = Builder("user: 42 #1 'quoted'")
    b.session_start()
    b.user("hi", "greet")
    b.act("utter_greet")
    b.slot("yes", "no")
    b.slot("null", None)
    b.listen()
    b.save("weird_sender")


def empty_and_minimal():
    b = Builder("minimal")
    b.raw({"event": "action", "name": "action_listen"})
    b.raw({"event": "user", "text": "hey", "parse_data": {"intent": {"name": "greet"}, "entities": []}})
    b.save("minimal")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for fn in [
        basic_greet,
        form_restaurant,
        form_undo_in_loop,
        entities_roles_groups,
        restarts_and_sessions,
        rewind_undo,
        slot_types,
        retrieval_intents,
        e2e_texts,
        long_texts,
        rasa2_legacy,
        calm_flows,
        unknown_and_malformed,
        anonymized,
        session_ended,
        weird_sender,
        empty_and_minimal,
    ]:
        fn()


if __name__ == "__main__":
    sys.exit(main())
