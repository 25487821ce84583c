#!/usr/bin/env python3
"""Generate Hindsight's sample Rasa conversations into samples/.

Run it with a Python that has Rasa Pro 3.21 installed:

    just samples
    # or: /opt/rasa-venv/bin/python tools/samples/make_samples.py

Every event is a real Rasa event object (``rasa.shared.core.events``)
serialised by its own ``as_dict()``; every tracker is
``DialogueStateTracker.current_state(EventVerbosity.ALL)``, which is what
``GET /conversations/{id}/tracker`` returns; the SQLite database is written by
Rasa's own ``SQLTrackerStore``. So the JSON is what Rasa itself writes, with a
few documented exceptions for trackers that imitate older Rasa versions
(see ``shape_oss3``, ``shape_rasa2`` and ``shape_legacy`` below).

The output is deterministic: one seeded RNG, and all timestamps are relative
to REFERENCE_DATE (2026-11-20), never to "now".

The bot is "Wayfarer", the travel assistant of the fictional Northwind Travel:
flights (a form), hotels (a form), booking look-ups, cancellations, FAQs
and chitchat through a ResponseSelector, weather, hand-off to a human agent,
and (in the Rasa Pro CALM conversations) an "add a checked bag" flow.

Outputs (relative to the repository root):
    samples/trackers/NN-channel-slug.json   40 trackers
    samples/events.jsonl                     4 conversations, one event per line
    samples/tracker_store.sqlite             10 conversations, Rasa SQLTrackerStore
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import sqlite3
import sys
import tempfile
import uuid
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

warnings.filterwarnings("ignore")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
logging.disable(logging.WARNING)

try:
    import numpy as np
    import structlog
    from rasa.core.tracker_stores.sql_tracker_store import SQLTrackerStore
    from rasa.dialogue_understanding.commands import (
        CancelFlowCommand,
        CorrectSlotsCommand,
        SetSlotCommand,
        StartFlowCommand,
    )
    from rasa.dialogue_understanding.commands.correct_slots_command import (
        CorrectedSlot,
    )
    from rasa.dialogue_understanding.patterns.cancel import (
        CancelPatternFlowStackFrame,
    )
    from rasa.dialogue_understanding.patterns.collect_information import (
        CollectInformationPatternFlowStackFrame,
    )
    from rasa.dialogue_understanding.patterns.completed import (
        CompletedPatternFlowStackFrame,
    )
    from rasa.dialogue_understanding.patterns.correction import (
        CorrectionPatternFlowStackFrame,
    )
    from rasa.dialogue_understanding.stack.dialogue_stack import DialogueStack
    from rasa.dialogue_understanding.stack.frames import UserFlowStackFrame
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionExecutionRejected,
        ActiveLoop,
        BotUttered,
        ConversationPaused,
        DialogueStackUpdated,
        Event,
        FlowCancelled,
        FlowCompleted,
        FlowStarted,
        LegacyForm,
        LegacyFormValidation,
        ReminderScheduled,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUttered,
        UserUtteranceReverted,
    )
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
except ImportError as error:  # pragma: no cover - only without Rasa
    sys.exit(
        f"make_samples.py needs Rasa Pro 3.21 ({error}); run it with "
        "/opt/rasa-venv/bin/python or set RASA_PYTHON for `just samples`"
    )

structlog.configure(
    wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL)
)

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
REFERENCE_DATE = datetime(2026, 11, 20, 12, 0, 0, tzinfo=timezone.utc)
SEED = 20261120
CDN = "https://static.northwind-travel.example"

# ---------------------------------------------------------------------------
# The bot's domain
# ---------------------------------------------------------------------------

INTENTS = [
    "greet", "goodbye", "affirm", "deny", "thank", "start", "restart",
    "book_flight", "search_hotel", "check_booking", "cancel_booking",
    "change_seat", "inform", "select_flight", "ask_weather", "faq",
    "chitchat", "bot_challenge", "human_handoff", "out_of_scope",
    "mood_great", "mood_unhappy", "nlu_fallback", "EXTERNAL_checkin_reminder",
]

FLIGHT_FORM = ["origin", "destination", "departure_date", "passengers", "seat_class"]
HOTEL_FORM = ["hotel_city", "checkin_date", "nights"]


def _slot(slot_type: str, **extra: Any) -> Dict[str, Any]:
    return {
        "type": slot_type,
        "influence_conversation": False,
        "mappings": [{"type": "custom"}],
        **extra,
    }


def make_domain(pro_flows: bool) -> Domain:
    slots: Dict[str, Any] = {
        "origin": _slot("text"),
        "destination": _slot("text"),
        "departure_date": _slot("text"),
        "passengers": _slot("float", min_value=1, max_value=9),
        "seat_class": _slot(
            "categorical", values=["economy", "premium_economy", "business"]
        ),
        "selected_flight": _slot("text"),
        "booking_reference": _slot("text"),
        "hotel_city": _slot("text"),
        "checkin_date": _slot("text"),
        "nights": _slot("float", min_value=1, max_value=60),
        "loyalty_tier": _slot("categorical", values=["blue", "silver", "gold"]),
    }
    if pro_flows:
        slots["bag_count"] = _slot("float", min_value=1, max_value=5)
        slots["confirm_add_bag"] = _slot("bool")
    return Domain.from_dict(
        {
            "version": "3.1",
            "intents": INTENTS,
            "entities": [
                {"city": {"roles": ["origin", "destination"]}},
                "time", "number", "booking_reference", "seat_class",
                "seat_number", "flight_number",
            ],
            "slots": slots,
            "forms": {
                "flight_booking_form": {"required_slots": FLIGHT_FORM},
                "hotel_form": {"required_slots": HOTEL_FORM},
            },
            "session_config": {
                "session_expiration_time": 60,
                "carry_over_slots_to_new_session": True,
            },
        }
    )


DOMAIN = make_domain(pro_flows=False)
DOMAIN_PRO = make_domain(pro_flows=True)

CITIES = [
    ("Berlin", "BER"), ("Lisbon", "LIS"), ("Madrid", "MAD"), ("Paris", "CDG"),
    ("London", "LHR"), ("New York", "JFK"), ("Tokyo", "HND"),
    ("Barcelona", "BCN"), ("Rome", "FCO"), ("Amsterdam", "AMS"),
    ("Vienna", "VIE"), ("Prague", "PRG"), ("Dublin", "DUB"),
    ("Reykjavik", "KEF"), ("Athens", "ATH"), ("Istanbul", "IST"),
    ("Singapore", "SIN"), ("Toronto", "YYZ"), ("Chicago", "ORD"),
    ("San Francisco", "SFO"), ("Mexico City", "MEX"), ("Cape Town", "CPT"),
]
CITY_SYNONYMS = {"NYC": "New York", "SF": "San Francisco", "Lisboa": "Lisbon"}
FIRST_NAMES = ["Ana", "Jonas", "Priya", "Tom", "Mei", "Lukas", "Sofia", "Omar",
               "Chloe", "Mateo", "Ines", "Kenji", "Fatima", "Ben"]
WEATHER = [("sunny", 24), ("partly cloudy", 17), ("rainy", 12), ("windy", 15),
           ("clear", 8), ("foggy", 11), ("snowing", -2)]

# Responses: text, plus optional buttons given as (title, payload).
RESPONSES: Dict[str, Tuple[str, Optional[List[Tuple[str, str]]]]] = {
    "utter_greet": (
        "Hi{name}! I'm Wayfarer, Northwind Travel's assistant \u2708\ufe0f "
        "What can I do for you?",
        [("Book a flight", "/book_flight"), ("Check a booking", "/check_booking"),
         ("Find a hotel", "/search_hotel"), ("Talk to an agent", "/human_handoff")],
    ),
    "utter_ask_origin": ("Where will you be flying from?", None),
    "utter_ask_destination": ("And where would you like to go?", None),
    "utter_ask_departure_date": ("When do you want to leave?", None),
    "utter_ask_passengers": ("How many passengers are travelling?", None),
    "utter_ask_seat_class": (
        "Which cabin would you like?",
        [("Economy", '/inform{"seat_class":"economy"}'),
         ("Premium economy", '/inform{"seat_class":"premium_economy"}'),
         ("Business", '/inform{"seat_class":"business"}')],
    ),
    "utter_ask_hotel_city": ("Which city are you staying in?", None),
    "utter_ask_checkin_date": ("What's your check-in date?", None),
    "utter_ask_nights": ("How many nights will you stay?", None),
    "utter_ask_booking_reference": (
        "What's your 6-character booking reference? It's in your "
        "confirmation email.", None),
    "utter_invalid_date": (
        "That date is in the past. Please give me a date from today onwards.",
        None),
    "utter_invalid_city": (
        "Sorry, Northwind doesn't fly to {city} yet. Could you pick another "
        "city?", None),
    "utter_please_rephrase": (
        "Sorry, I didn't quite understand that. Could you rephrase?", None),
    "utter_default": (
        "Sorry, I can't help with that yet. I can help with flights, hotels "
        "and your bookings.", None),
    "utter_goodbye": ("Bye! Have a great trip \U0001F30D", None),
    "utter_you_are_welcome": ("You're welcome! Anything else?", None),
    "utter_iamabot": (
        "I'm a bot, powered by Rasa. A human agent is one message away if "
        "you need one.", None),
    "utter_out_of_scope": (
        "I'm afraid that's outside what I can do. I can help with flights, "
        "hotels and bookings.", None),
    "utter_confirm_cancel": (
        "Are you sure you want to cancel booking {ref}? This can't be undone.",
        [("Yes, cancel it", "/affirm"), ("No, keep it", "/deny")]),
    "utter_cancel_kept": ("No problem, your booking stays as it is.", None),
    "utter_handoff": (
        "I'm connecting you with a travel agent. The typical wait is about "
        "4 minutes.", None),
    "utter_restart": ("Okay, let's start over.", None),
    "utter_anything_else": ("Is there anything else I can help you with?", None),
    "utter_cheer_up": ("Oh no, sorry to hear that. Here's something to cheer you up:", None),
    "utter_happy": ("Great, carry on!", None),
}

RETRIEVAL = {
    "faq/baggage_allowance": "Economy includes one 8 kg cabin bag. Checked bags (23 kg) can be added from \u20ac35.",
    "faq/checkin": "Online check-in opens 30 hours before departure and closes 2 hours before.",
    "faq/pets": "Small pets (up to 8 kg with carrier) can travel in the cabin for \u20ac60 per flight.",
    "faq/refunds": "Refunds go back to the original payment method within 5\u20137 working days.",
    "faq/wifi": "Wi-Fi is free on all long-haul flights and \u20ac4.99 on short-haul.",
    "chitchat/ask_name": "I'm Wayfarer, Northwind Travel's assistant.",
    "chitchat/ask_howdoing": "All systems go! How can I help?",
    "chitchat/ask_weather_here": "I can't look outside, but I can tell you the weather at your destination.",
    "chitchat/tell_joke": "Why don't planes ever get tired? Because they have plenty of rest on the runway.",
}

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def f32(x: float) -> float:
    """A float as DIET/TED report it (float32 widened to a Python float)."""
    return float(np.float32(x))


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


POLICIES = {
    # style -> kind -> policy name
    "pro": {"rule": "RulePolicy", "ted": "TEDPolicy", "memo": "MemoizationPolicy",
            "flow": "FlowPolicy", "fallback": "RulePolicy"},
    "oss3": {"rule": "RulePolicy", "ted": "TEDPolicy", "memo": "MemoizationPolicy",
             "flow": "FlowPolicy", "fallback": "RulePolicy"},
    "rasa2": {"rule": "policy_1_RulePolicy", "ted": "policy_2_TEDPolicy",
              "memo": "policy_0_MemoizationPolicy", "fallback": "policy_1_RulePolicy"},
    "legacy": {"rule": "policy_3_MappingPolicy", "ted": "policy_2_TEDPolicy",
               "memo": "policy_0_MemoizationPolicy", "form": "policy_1_FormPolicy",
               "fallback": "policy_4_FallbackPolicy"},
}


class Conv:
    """Builds one conversation's events with realistic timing."""

    def __init__(self, rng: random.Random, sender_id: str, channel: str,
                 start: datetime, style: str = "pro", name: Optional[str] = None,
                 metadata: Optional[Dict[str, Any]] = None) -> None:
        self.rng = rng
        self.sender_id = sender_id
        self.channel = channel
        self.t = start.timestamp() + rng.random()
        self.style = style
        self.name = name
        self.user_metadata = metadata or {}
        self.events: List[Event] = []
        self.slots: Dict[str, Any] = {}
        self.turns = 0
        self.stack = DialogueStack.empty()
        self.domain = DOMAIN_PRO if style == "pro" else DOMAIN

    # -- time -------------------------------------------------------------
    def wait(self, lo: float, hi: float) -> float:
        self.t += self.rng.uniform(lo, hi)
        return round(self.t, 6)

    def now(self) -> float:
        return self.wait(0.002, 0.06)

    def add(self, event: Event) -> Event:
        self.events.append(event)
        return event

    # -- policies -----------------------------------------------------------
    def policy(self, kind: str) -> str:
        return POLICIES[self.style].get(kind, POLICIES[self.style]["ted"])

    def conf(self, kind: str) -> float:
        if kind in ("rule", "memo", "flow", "form"):
            return 1.0
        return f32(self.rng.uniform(0.62, 0.995))

    # -- building blocks -------------------------------------------------------
    def session_start(self, metadata: Optional[Dict[str, Any]] = None) -> None:
        self.add(ActionExecuted("action_session_start", None, 1.0, timestamp=self.now()))
        self.add(SessionStarted(timestamp=self.now()))
        if metadata:
            self.add(SlotSet("session_started_metadata", metadata, timestamp=self.now()))
        for key, value in self.slots.items():  # carry_over_slots_to_new_session
            if value is not None:
                self.add(SlotSet(key, value, timestamp=self.now()))
        self.add(ActionExecuted("action_listen", None, None, timestamp=self.now()))

    def message_id(self) -> str:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4).hex

    def ranking(self, top: str, conf: float, n: int = 10) -> List[Dict[str, Any]]:
        others = [i for i in INTENTS if i not in (top, "nlu_fallback", "EXTERNAL_checkin_reminder")]
        picks = self.rng.sample(others, min(n - 1, len(others)))
        remaining, prev, values = 1.0 - conf, conf, []
        for _ in picks:
            v = min(prev * self.rng.uniform(0.25, 0.9), remaining * self.rng.uniform(0.3, 0.85))
            values.append(v)
            remaining -= v
            prev = v
        return [{"name": top, "confidence": f32(conf)}] + [
            {"name": p, "confidence": f32(v)} for p, v in zip(picks, values, strict=True)
        ]

    def user(self, text: str, intent: Optional[str], conf: Optional[float] = None,
             entities: Sequence[Dict[str, Any]] = (), think: Tuple[float, float] = (4, 45),
             response_selector: Optional[Dict[str, Any]] = None,
             commands: Optional[List[Dict[str, Any]]] = None,
             fallback_from: Optional[str] = None, payload: bool = False) -> None:
        """A user message. `fallback_from`: FallbackClassifier turned it into nlu_fallback."""
        ts = self.wait(*think)
        self.turns += 1
        mid = self.message_id()
        if commands is not None:  # CALM: no intent classifier, commands from the LLM
            intent_d: Dict[str, Any] = {"name": None, "confidence": 0.0}
            parse: Dict[str, Any] = {"intent": intent_d, "entities": list(entities),
                                     "text": text, "commands": commands}
        elif payload:  # a button payload, parsed by Rasa's RegexMessageHandler
            intent_d = {"name": intent, "confidence": 1.0}
            parse = {"intent": intent_d, "entities": list(entities), "text": text,
                     "intent_ranking": [dict(intent_d)]}
        else:
            if conf is None:
                conf = self.rng.uniform(0.86, 0.9995)
            intent_d = {"name": intent, "confidence": f32(conf)}
            ranking = self.ranking(intent, conf)
            if fallback_from is not None:
                threshold = 0.3  # FallbackClassifier threshold in config.yml
                ranking = self.ranking(fallback_from, conf)
                intent_d = {"name": "nlu_fallback", "confidence": threshold}
                ranking.insert(0, dict(intent_d))
            parse = {"intent": intent_d, "entities": list(entities), "text": text,
                     "intent_ranking": ranking}
            if response_selector is not None:
                parse["response_selector"] = response_selector
        meta = dict(self.user_metadata)
        self.add(UserUttered(text, intent_d, list(entities), parse, timestamp=ts,
                             input_channel=self.channel, message_id=mid, metadata=meta))

    def action(self, name: str, kind: str = "rule", conf: Optional[float] = None,
               hide_rule_turn: bool = False, latency: Tuple[float, float] = (0.05, 0.4)) -> None:
        ts = self.wait(*latency)
        self.add(ActionExecuted(name, self.policy(kind), self.conf(kind) if conf is None else conf,
                                timestamp=ts, hide_rule_turn=hide_rule_turn))

    def bot(self, utter: str, text: Optional[str] = None,
            buttons: Optional[List[Tuple[str, str]]] = None, **data: Any) -> None:
        """The BotUttered an action sends (response `utter`, or a custom action)."""
        if text is None:
            if utter in RESPONSES:
                text, default_buttons = RESPONSES[utter]
                buttons = buttons if buttons is not None else default_buttons
            else:
                text = RETRIEVAL[utter.replace("utter_", "", 1)]
        payload = {"elements": None, "quick_replies": None, "buttons": None,
                   "attachment": None, "image": None, "custom": None}
        if buttons:
            payload["buttons"] = [{"title": t, "payload": p} for t, p in buttons]
        payload.update(data)
        metadata = {"utter_action": utter} if utter.startswith("utter_") else {}
        self.add(BotUttered(text, payload, metadata, timestamp=self.now()))

    def utter(self, name: str, kind: str = "rule", **kwargs: Any) -> None:
        self.action(name, kind)
        self.bot(name, **kwargs)

    def listen(self, kind: str = "rule", hide_rule_turn: bool = False) -> None:
        self.action("action_listen", kind, hide_rule_turn=hide_rule_turn, latency=(0.01, 0.08))

    def slot(self, name: str, value: Any, filled_by: Optional[str] = None) -> None:
        self.slots[name] = value
        self.add(SlotSet(name, value, timestamp=self.now(), filled_by=filled_by))

    def loop(self, name: Optional[str]) -> None:
        self.add(ActiveLoop(name, timestamp=self.now()))

    # -- entities ------------------------------------------------------------------
    def diet(self, text: str, span: str, entity: str, value: Any = None,
             role: Optional[str] = None, synonym: bool = False) -> Dict[str, Any]:
        start = text.index(span)
        e: Dict[str, Any] = {"entity": entity, "start": start, "end": start + len(span),
                             "confidence_entity": f32(self.rng.uniform(0.9, 0.9999))}
        if role:
            e["role"] = role
            e["confidence_role"] = f32(self.rng.uniform(0.8, 0.999))
        e["value"] = span if value is None else value
        e["extractor"] = "DIETClassifier"
        if synonym:
            e["processors"] = ["EntitySynonymMapper"]
        return e

    @staticmethod
    def regex(text: str, span: str, entity: str) -> Dict[str, Any]:
        start = text.index(span)
        return {"entity": entity, "start": start, "end": start + len(span),
                "value": span, "extractor": "RegexEntityExtractor"}

    @staticmethod
    def duckling_time(text: str, span: str, when: datetime, grain: str = "day") -> Dict[str, Any]:
        start = text.index(span)
        value = iso(when)
        return {"start": start, "end": start + len(span), "text": span, "value": value,
                "confidence": 1.0,
                "additional_info": {"values": [{"value": value, "grain": grain, "type": "value"}],
                                    "value": value, "grain": grain, "type": "value"},
                "entity": "time", "extractor": "DucklingEntityExtractor"}

    @staticmethod
    def duckling_number(text: str, span: str, value: int) -> Dict[str, Any]:
        start = text.index(span)
        return {"start": start, "end": start + len(span), "text": span, "value": value,
                "confidence": 1.0, "additional_info": {"value": value, "type": "value"},
                "entity": "number", "extractor": "DucklingEntityExtractor"}

    @staticmethod
    def payload_entity(text: str, entity: str, value: Any) -> Dict[str, Any]:
        start = text.index("{")
        return {"entity": entity, "start": start, "end": len(text), "value": value}

    def today(self) -> datetime:
        return datetime.fromtimestamp(self.t, tz=timezone.utc)

    # -- CALM dialogue stack ----------------------------------------------------------
    def frame_id(self) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return "".join(self.rng.choice(alphabet) for _ in range(8))

    def set_stack(self, frames: List[Any]) -> None:
        new = DialogueStack(frames=[f for f in frames])
        patch = self.stack.create_stack_patch(new)
        if patch:
            self.add(DialogueStackUpdated(patch, timestamp=self.now()))
        self.stack = DialogueStack.from_dict(new.as_dict())

    def frames(self) -> List[Any]:
        return list(DialogueStack.from_dict(self.stack.as_dict()).frames)

    # -- output ------------------------------------------------------------------------
    def tracker(self) -> DialogueStateTracker:
        tracker = DialogueStateTracker.from_events(
            self.sender_id, self.events, slots=self.domain.slots)
        return tracker


# ---------------------------------------------------------------------------
# Conversation pieces. Each adds one or more user turns to a Conv.
# ---------------------------------------------------------------------------


def greet(c: Conv, text: Optional[str] = None) -> None:
    text = text or c.rng.choice(["hi", "hello", "Hey there", "good morning", "hallo",
                                 "Hi!", "hey wayfarer", "hello?"])
    c.user(text, "greet", think=(0.5, 3))
    name = f" {c.name}" if c.name else ""
    c.action("utter_greet", "rule")
    c.bot("utter_greet", text=RESPONSES["utter_greet"][0].format(name=name))
    c.listen("rule")


def telegram_start(c: Conv) -> None:
    c.user("/start", "start", payload=True, think=(0.2, 1))
    name = f" {c.name}" if c.name else ""
    c.action("utter_greet", "rule")
    c.bot("utter_greet", text=RESPONSES["utter_greet"][0].format(name=name))
    c.listen("rule")


def form_ask(c: Conv, slot: str) -> None:
    c.slot("requested_slot", slot)
    c.bot(f"utter_ask_{slot}")


def book_flight(c: Conv, *, interrupt: bool = False, invalid_date: bool = False,
                abandon_at: Optional[str] = None, via_button: bool = False,
                select: bool = True) -> None:
    """The flight booking form, from activation to the search results."""
    rng = c.rng
    (orig, _), (dest, _) = rng.sample(CITIES, 2)
    today = c.today()
    depart = (today + timedelta(days=rng.randint(3, 75))).replace(hour=0, minute=0, second=0)
    opening: List[Tuple[str, List[Dict[str, Any]]]] = []
    t1 = f"I want to fly from {orig} to {dest}"
    opening.append((t1, [c.diet(t1, orig, "city", role="origin"),
                         c.diet(t1, dest, "city", role="destination")]))
    t2 = f"book a flight to {dest} please"
    opening.append((t2, [c.diet(t2, dest, "city", role="destination")]))
    opening.append(("I need a flight", []))
    if dest == "New York":
        t4 = "any cheap flights to NYC?"
        opening.append((t4, [c.diet(t4, "NYC", "city", value="New York",
                                     role="destination", synonym=True)]))
    if via_button:
        text, ents = "/book_flight", []
        c.user(text, "book_flight", payload=True, think=(2, 10))
    else:
        text, ents = rng.choice(opening)
        c.user(text, "book_flight", entities=ents)
    if any(c.slots.get(s) is not None for s in FLIGHT_FORM):
        # a rule clears the previous search before the form starts again
        c.action("action_reset_flight_search", "rule")
        for s in FLIGHT_FORM + ["selected_flight"]:
            if c.slots.get(s) is not None:
                c.slot(s, None)
    c.action("flight_booking_form", "rule", hide_rule_turn=True)
    c.loop("flight_booking_form")
    for e in ents:
        c.slot(e["role"], e["value"])
    interrupted = False

    def next_slot() -> Optional[str]:
        return next((s for s in FLIGHT_FORM if c.slots.get(s) is None), None)

    def answer(want: str) -> Tuple[str, str, List[Dict[str, Any]], Any, bool]:
        """(text, intent, entities, slot value, is a button payload)"""
        if want == "origin":
            text = rng.choice([f"from {orig}", f"{orig}", f"I'm leaving from {orig}"])
            return text, "inform", [c.diet(text, orig, "city", role="origin")], orig, False
        if want == "destination":
            text = rng.choice([f"to {dest}", f"{dest}", f"{dest} please"])
            return text, "inform", [c.diet(text, dest, "city", role="destination")], dest, False
        if want == "departure_date":
            phrase = rng.choice([depart.strftime("%-d %B"), depart.strftime("%B %-d"),
                                 depart.strftime("%d/%m")])
            text = rng.choice([f"on {phrase}", phrase, f"leaving {phrase} if possible"])
            return text, "inform", [c.duckling_time(text, phrase, depart)], iso(depart), False
        if want == "passengers":
            n = rng.choice([1, 1, 2, 2, 3, 4])
            text = {1: "just me", 2: "2 adults", 3: "three of us", 4: "4 people"}[n]
            span = {1: None, 2: "2", 3: "three", 4: "4"}[n]
            ents = [c.duckling_number(text, span, n)] if span else []
            return text, "inform", ents, float(n), False
        cls = rng.choice(["economy", "economy", "premium_economy", "business"])
        text = f'/inform{{"seat_class":"{cls}"}}'
        return text, "inform", [c.payload_entity(text, "seat_class", cls)], cls, True

    form_ask(c, next_slot())
    c.listen("rule", hide_rule_turn=True)
    while (want := next_slot()) is not None:
        if abandon_at and FLIGHT_FORM.index(want) >= FLIGHT_FORM.index(abandon_at):
            return  # the user never answers: the form stays active
        if interrupt and not interrupted and want in ("departure_date", "passengers"):
            interrupted = True
            faq(c, "faq/baggage_allowance", in_form="flight_booking_form")
            continue
        if want == "departure_date" and invalid_date:
            invalid_date = False
            text = "yesterday"
            past = (today - timedelta(days=1)).replace(hour=0, minute=0, second=0)
            c.user(text, "inform", entities=[c.duckling_time(text, "yesterday", past)])
            c.action("flight_booking_form", "rule")
            c.slot("departure_date", None)  # rejected by validate_flight_booking_form
            c.bot("utter_invalid_date")
            form_ask(c, "departure_date")
            c.listen("rule", hide_rule_turn=True)
            continue
        text, intent, ents, value, payload = answer(want)
        if payload:
            c.user(text, intent, entities=ents, payload=True, think=(1.5, 8))
        else:
            c.user(text, intent, entities=ents)
        c.action("flight_booking_form", "rule")
        c.slot(want, value)
        nxt = next_slot()
        if nxt is not None:
            form_ask(c, nxt)
            c.listen("rule", hide_rule_turn=True)
    # completed
    c.slot("requested_slot", None)
    c.loop(None)
    c.action("action_search_flights", "rule", latency=(0.4, 2.5))
    codes = dict(CITIES)
    options = []
    for _ in range(3):
        hh = rng.randint(6, 21)
        dur = rng.randint(80, 720)
        dep = depart.replace(hour=hh, minute=rng.choice([0, 10, 25, 40, 55]))
        arr = dep + timedelta(minutes=dur)
        options.append({
            "flight": f"NW {rng.randint(100, 9899)}",
            "from": codes.get(c.slots.get("origin"), "BER"),
            "to": codes.get(c.slots.get("destination"), "LIS"),
            "depart": dep.strftime("%Y-%m-%dT%H:%M"),
            "arrive": arr.strftime("%Y-%m-%dT%H:%M"),
            "stops": 0 if dur < 240 else rng.choice([0, 1]),
            "price": {"amount": round(rng.uniform(59, 890), 2), "currency": "EUR"},
        })
    options.sort(key=lambda o: o["price"]["amount"])
    c.bot("action_search_flights",
          text=f"I found {len(options)} flights from {c.slots.get('origin')} to "
               f"{c.slots.get('destination')}. Tap one to book it:",
          buttons=[(f"{o['flight']} {o['depart'][11:]} \u20ac{o['price']['amount']:.0f}",
                    f'/select_flight{{"flight_number":"{o["flight"]}"}}') for o in options],
          custom={"type": "flight_options", "options": options})
    c.listen("rule")
    if not select:
        return
    pick = options[0]["flight"]
    text = f'/select_flight{{"flight_number":"{pick}"}}'
    c.user(text, "select_flight", payload=True, entities=[c.payload_entity(text, "flight_number", pick)],
           think=(5, 40))
    c.action("action_book_flight", "ted", latency=(0.5, 3.0))
    ref = booking_ref(rng)
    c.slot("selected_flight", pick)
    c.slot("booking_reference", ref)
    c.bot("action_book_flight",
          text=f"Booked! Your reference is {ref}. I've emailed you the e-ticket.",
          image=f"{CDN}/img/destinations/{(c.slots.get('destination') or 'lisbon').lower().replace(' ', '-')}.jpg")
    c.listen("ted")


def booking_ref(rng: random.Random) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(rng.choice(alphabet) for _ in range(6))


def search_hotel(c: Conv, *, facebook: bool = False, nights_text: bool = True) -> None:
    rng = c.rng
    city = rng.choice(CITIES)[0]
    text = rng.choice([f"I need a hotel in {city}", f"find me a hotel in {city}",
                       f"hotels in {city}?"])
    c.user(text, "search_hotel", entities=[c.diet(text, city, "city")])
    c.action("hotel_form", "rule", hide_rule_turn=True)
    c.loop("hotel_form")
    c.slot("hotel_city", city)
    form_ask(c, "checkin_date")
    c.listen("rule", hide_rule_turn=True)
    checkin = (c.today() + timedelta(days=rng.randint(2, 60))).replace(hour=0, minute=0, second=0)
    phrase = rng.choice(["next friday", "tomorrow", checkin.strftime("%-d %b")])
    if phrase == "tomorrow":
        checkin = (c.today() + timedelta(days=1)).replace(hour=0, minute=0, second=0)
    elif phrase == "next friday":
        days = (4 - c.today().weekday()) % 7 + 7
        checkin = (c.today() + timedelta(days=days)).replace(hour=0, minute=0, second=0)
    text = phrase if rng.random() < 0.5 else f"from {phrase}"
    c.user(text, "inform", entities=[c.duckling_time(text, phrase, checkin)])
    c.action("hotel_form", "rule")
    c.slot("checkin_date", iso(checkin))
    form_ask(c, "nights")
    c.listen("rule", hide_rule_turn=True)
    n = rng.randint(1, 9)
    text = f"{n} nights" if nights_text else str(n)
    c.user(text, "inform", entities=[c.duckling_number(text, str(n), n)])
    c.action("hotel_form", "rule")
    c.slot("nights", float(n))
    c.slot("requested_slot", None)
    c.loop(None)
    c.action("action_search_hotels", "rule", latency=(0.6, 3.0))
    hotels = []
    for i in range(3):
        hname = rng.choice(["Harbour View", "Old Town Suites", "Park Lane Inn",
                            "The Meridian", "Casa Azul", "Nordlicht", "The Foundry",
                            "Riverside Lodge"])
        price = rng.randint(70, 320)
        hotels.append({
            "title": f"{hname} {city}",
            "subtitle": f"\u20ac{price}/night \u00b7 {rng.choice([4.1, 4.4, 4.6, 4.8])}\u2605",
            "image_url": f"{CDN}/img/hotels/{hname.lower().replace(' ', '-')}-{i + 1}.jpg",
            "buttons": [{"type": "postback", "title": "Book",
                         "payload": f'/book_hotel{{"hotel_id":"H{rng.randint(10000, 99999)}"}}'}],
        })
    text = f"Here are 3 hotels in {city} for {n} night{'s' if n > 1 else ''} from {checkin:%-d %b}:"
    if facebook:
        c.bot("action_search_hotels", text=text,
              attachment={"type": "template",
                          "payload": {"template_type": "generic", "elements": hotels}})
    else:
        c.bot("action_search_hotels", text=text, elements=hotels)
    c.listen("rule")


def check_booking(c: Conv, *, ask_ref: bool = False, ref: Optional[str] = None) -> None:
    rng = c.rng
    ref = ref or c.slots.get("booking_reference") or booking_ref(rng)
    if ask_ref:
        c.user(rng.choice(["where is my booking", "check my booking", "booking status"]),
               "check_booking")
        c.utter("utter_ask_booking_reference", "ted")
        c.listen("ted")
        text = rng.choice([ref, f"it's {ref}", f"{ref.lower()}"])
        span = ref.lower() if ref.lower() in text else ref
        c.user(text, "inform", entities=[c.regex(text, span, "booking_reference")])
    else:
        text = rng.choice([f"what's the status of booking {ref}", f"check booking {ref}",
                           f"is {ref} confirmed?"])
        c.user(text, "check_booking", entities=[c.regex(text, ref, "booking_reference")])
    c.action("action_check_booking", "rule", latency=(0.3, 1.8))
    c.slot("booking_reference", ref)
    (o, oc), (d, dc) = rng.sample(CITIES, 2)
    when = c.today() + timedelta(days=rng.randint(1, 40))
    status = rng.choice(["confirmed", "confirmed", "confirmed", "delayed", "waitlisted"])
    c.bot("action_check_booking",
          text=f"Booking {ref}: {o} \u2192 {d} on {when:%-d %b}, {status}.",
          buttons=[("Change seat", "/change_seat"), ("Cancel booking", "/cancel_booking")],
          custom={"type": "booking_card", "reference": ref, "from": oc, "to": dc,
                  "date": when.strftime("%Y-%m-%d"), "status": status})
    c.listen("rule")


def cancel_booking(c: Conv, *, confirm: bool = True) -> None:
    rng = c.rng
    ref = c.slots.get("booking_reference") or booking_ref(rng)
    text = rng.choice([f"cancel booking {ref}", f"I want to cancel {ref}", f"please cancel my trip {ref}"])
    c.user(text, "cancel_booking", entities=[c.regex(text, ref, "booking_reference")])
    if c.slots.get("booking_reference") != ref:
        c.slot("booking_reference", ref)
    c.action("utter_confirm_cancel", "rule")
    c.bot("utter_confirm_cancel", text=RESPONSES["utter_confirm_cancel"][0].format(ref=ref))
    c.listen("rule")
    if confirm:
        c.user("/affirm", "affirm", payload=True, think=(2, 12))
        c.action("action_cancel_booking", "rule", latency=(0.5, 2.2))
        c.bot("action_cancel_booking",
              text=f"Booking {ref} is cancelled. Your refund of \u20ac{rng.randint(60, 700)} "
                   "will arrive within 5\u20137 working days.")
        c.slot("booking_reference", None)
    else:
        c.user("/deny", "deny", payload=True, think=(2, 12))
        c.utter("utter_cancel_kept", "rule")
    c.listen("rule")


def change_seat(c: Conv) -> None:
    rng = c.rng
    seat = f"{rng.randint(2, 38)}{rng.choice('ACDF')}"
    text = rng.choice([f"can I change my seat to {seat}", f"i want seat {seat}",
                       f"move me to {seat} please"])
    c.user(text, "change_seat", entities=[c.regex(text, seat, "seat_number")])
    c.action("action_change_seat", "ted", latency=(0.4, 2.0))
    flight = c.slots.get("selected_flight") or f"NW {rng.randint(100, 9899)}"
    c.bot("action_change_seat", text=f"Done! Your seat on {flight} is now {seat}.")
    c.listen("ted")


def retrieval(c: Conv, key: str, conf: float) -> Dict[str, Any]:
    group = key.split("/")[0]
    others = [k for k in RETRIEVAL if k.startswith(group + "/") and k != key]
    rng = c.rng
    ranking = [{"confidence": f32(conf), "intent_response_key": key}]
    rest = 1 - conf
    for k in rng.sample(others, min(3, len(others))):
        v = rest * rng.uniform(0.2, 0.6)
        rest -= v
        ranking.append({"confidence": f32(v), "intent_response_key": k})
    return {
        "all_retrieval_intents": ["chitchat", "faq"],
        "default": {
            "response": {
                "responses": [{"text": RETRIEVAL[key]}],
                "confidence": f32(conf),
                "intent_response_key": key,
                "utter_action": f"utter_{key}",
            },
            "ranking": ranking,
        },
    }


FAQ_TEXTS = {
    "faq/baggage_allowance": ["how much luggage can I take", "what's the baggage allowance?",
                              "can i bring a suitcase"],
    "faq/checkin": ["when does check-in open", "how do I check in online"],
    "faq/pets": ["can I bring my dog", "are cats allowed on board?"],
    "faq/refunds": ["how long do refunds take", "when do I get my money back"],
    "faq/wifi": ["is there wifi on the plane", "do you have wi-fi onboard"],
    "chitchat/ask_name": ["what's your name", "who are you"],
    "chitchat/ask_howdoing": ["how are you?", "how's it going"],
    "chitchat/ask_weather_here": ["is it raining here"],
    "chitchat/tell_joke": ["tell me a joke", "say something funny"],
}


def faq(c: Conv, key: Optional[str] = None, in_form: Optional[str] = None) -> None:
    """A FAQ or chitchat question answered by the ResponseSelector."""
    rng = c.rng
    key = key or rng.choice(list(FAQ_TEXTS))
    group = key.split("/")[0]
    text = rng.choice(FAQ_TEXTS[key])
    conf = rng.uniform(0.8, 0.999)
    c.user(text, group, conf=conf, response_selector=retrieval(c, key, rng.uniform(0.7, 0.99)))
    if in_form:
        # The form could not extract its slot: it rejects, a rule answers, the form resumes.
        c.add(ActionExecutionRejected(in_form, c.policy("rule"), 1.0, timestamp=c.wait(0.05, 0.3)))
    c.action(f"utter_{group}", "rule")
    c.bot(f"utter_{key}")
    if in_form:
        c.action(in_form, "rule")
        c.bot(f"utter_ask_{c.slots['requested_slot']}")
        c.listen("rule", hide_rule_turn=True)
    else:
        c.listen("rule")


def fill_to(c: Conv, turns: int) -> None:
    """More FAQ/chitchat questions until the conversation has `turns` user turns."""
    while c.turns < turns:
        faq(c)


def weather(c: Conv) -> None:
    rng = c.rng
    city = c.slots.get("destination") or rng.choice(CITIES)[0]
    text = rng.choice([f"what's the weather like in {city}?", f"weather in {city}",
                       f"is it warm in {city} right now"])
    c.user(text, "ask_weather", entities=[c.diet(text, city, "city")])
    c.action("action_get_weather", "ted", latency=(0.3, 1.5))
    desc, temp = rng.choice(WEATHER)
    temp += rng.randint(-3, 4)
    c.bot("action_get_weather", text=f"Right now it's {temp}\u00b0C and {desc} in {city}.",
          image=f"{CDN}/img/weather/{desc.replace(' ', '-')}.png")
    c.listen("ted")


def simple(c: Conv, text: str, intent: str, response: str, kind: str = "rule",
           conf: Optional[float] = None) -> None:
    c.user(text, intent, conf=conf)
    c.utter(response, kind)
    c.listen(kind)


def thank(c: Conv) -> None:
    simple(c, c.rng.choice(["thanks!", "thank you", "cheers", "thx", "great, thanks a lot"]),
           "thank", "utter_you_are_welcome")


def goodbye(c: Conv) -> None:
    simple(c, c.rng.choice(["bye", "goodbye", "see you", "that's all, bye", "ciao"]),
           "goodbye", "utter_goodbye")


def bot_challenge(c: Conv) -> None:
    simple(c, c.rng.choice(["are you a bot?", "am I talking to a real person",
                            "are you human"]), "bot_challenge", "utter_iamabot")


def out_of_scope(c: Conv) -> None:
    simple(c, c.rng.choice(["can you order me a pizza", "what's the meaning of life",
                            "write my homework", "buy bitcoin for me"]),
           "out_of_scope", "utter_out_of_scope", kind="ted")


def mood(c: Conv, happy: bool) -> None:
    if happy:
        simple(c, c.rng.choice(["amazing", "I'm great"]), "mood_great", "utter_happy", "memo")
    else:
        c.user(c.rng.choice(["my flight got cancelled and I'm so frustrated",
                             "this is terrible", "I'm really annoyed"]), "mood_unhappy")
        c.action("utter_cheer_up", "memo")
        c.bot("utter_cheer_up", image=f"{CDN}/img/cheer-up/puppy.jpg")
        c.listen("memo")


NONSENSE = [
    ("asdfgh", "greet"), ("can u do the thing from before", "check_booking"),
    ("hmm maybe the other one", "select_flight"), ("what about the blue ones", "search_hotel"),
    ("ok but the price thing?", "faq"), ("i said the OTHER date", "inform"),
    ("qué hora es en Lisboa", "ask_weather"), ("same as last time", "book_flight"),
]


def nlu_fallback(c: Conv) -> None:
    """FallbackClassifier (threshold 0.3) -> rule -> utter_please_rephrase."""
    text, guessed = c.rng.choice(NONSENSE)
    c.user(text, "nlu_fallback", conf=c.rng.uniform(0.12, 0.29), fallback_from=guessed)
    c.utter("utter_please_rephrase", "rule")
    c.listen("rule")


def low_confidence(c: Conv) -> None:
    """An intent below 0.3 with no FallbackClassifier: core fallback + revert."""
    text, guessed = c.rng.choice(NONSENSE)
    c.user(text, guessed, conf=c.rng.uniform(0.11, 0.29))
    c.action("action_default_fallback", "fallback", conf=0.3)
    c.bot("utter_default")
    c.add(UserUtteranceReverted(timestamp=c.now()))
    c.listen("rule")


def handoff(c: Conv, *, trailing: bool = True) -> None:
    text = c.rng.choice(["I want to talk to a human", "agent please", "real person!!",
                         "can I speak to someone"])
    c.user(text, "human_handoff")
    c.action("action_handoff_to_agent", "rule", latency=(0.3, 1.2))
    c.bot("utter_handoff")
    c.add(ConversationPaused(timestamp=c.now()))
    if trailing:  # logged while paused: no prediction follows
        c.user("hello?? anyone there", "greet", think=(120, 600))


def restart(c: Conv) -> None:
    c.user("/restart", "restart", payload=True, think=(3, 20))
    c.action("action_restart", "rule")
    c.bot("utter_restart")
    c.add(Restarted(timestamp=c.now()))
    c.slots = {}
    c.session_start()


def new_session(c: Conv, hours: float, metadata: Optional[Dict[str, Any]] = None) -> None:
    c.wait(hours * 3600, hours * 3600 + 600)
    c.session_start(metadata)


def reminder(c: Conv) -> None:
    """The bot schedules a check-in reminder that fires a day later."""
    rng = c.rng
    c.user(rng.choice(["remind me when check-in opens", "can you remind me to check in"]),
           "faq", response_selector=retrieval(c, "faq/checkin", 0.91))
    c.action("action_set_checkin_reminder", "ted", latency=(0.2, 0.8))
    fire = datetime.fromtimestamp(c.t, tz=timezone.utc) + timedelta(hours=rng.randint(20, 30))
    c.add(ReminderScheduled("EXTERNAL_checkin_reminder", fire, name="checkin_reminder",
                            kill_on_user_message=False, timestamp=c.now()))
    c.bot("action_set_checkin_reminder",
          text=f"Sure! I'll ping you on {fire:%-d %b at %H:%M} when check-in opens.")
    c.listen("ted")
    # the reminder fires: a new session, then Rasa's synthetic user message
    c.t = fire.timestamp() + rng.uniform(0.1, 2)
    c.session_start()
    c.user("EXTERNAL: EXTERNAL_checkin_reminder", "EXTERNAL_checkin_reminder", payload=True,
           think=(0.001, 0.01))
    c.action("action_checkin_open", "rule")
    flight = c.slots.get("selected_flight") or f"NW {rng.randint(100, 9899)}"
    c.bot("action_checkin_open", text=f"Check-in for {flight} is now open!",
          buttons=[("Check in now", f"{CDN}/checkin")])
    c.listen("rule")


# ---------------------------------------------------------------------------
# Rasa Pro CALM: the "add a checked bag" flow
# ---------------------------------------------------------------------------

FILLER = "CompactLLMCommandGenerator"


def calm_collect(c: Conv, flow: UserFlowStackFrame, slot: str, step: str,
                 buttons: Optional[List[Tuple[str, str]]] = None, text: Optional[str] = None) -> None:
    flow.step_id = step
    collect = CollectInformationPatternFlowStackFrame(
        frame_id=c.frame_id(), collect=slot, utter=f"utter_ask_{slot}",
        collect_action=f"action_ask_{slot}")
    c.set_stack([flow, collect])
    c.add(FlowStarted("pattern_collect_information", timestamp=c.now()))
    collect.step_id = "start"
    c.set_stack([flow, collect])
    c.action("action_run_slot_rejections", "flow")
    collect.step_id = "1_validate_{{context.collect}}"
    c.set_stack([flow, collect])
    c.action(f"utter_ask_{slot}", "flow")
    c.bot(f"utter_ask_{slot}", text=text or f"What's the {slot.replace('_', ' ')}?", buttons=buttons)
    collect.step_id = "ask_collect"
    c.set_stack([flow, collect])
    c.listen("flow")


def calm_collected(c: Conv, flow: UserFlowStackFrame, slot: str, value: Any) -> None:
    c.slot(slot, value, filled_by=FILLER)
    c.add(FlowCompleted("pattern_collect_information", "ask_collect", timestamp=c.now()))
    c.set_stack([flow])


def add_checked_bag(c: Conv, *, correction: bool = False, cancel: bool = False) -> None:
    rng = c.rng
    ref = c.slots.get("booking_reference") or booking_ref(rng)
    text = rng.choice(["I'd like to add a checked bag to my booking",
                       "can I add luggage to my flight?", "need to add a suitcase"])
    c.user(text, None, commands=[StartFlowCommand(flow="add_checked_bag").as_dict()])
    flow = UserFlowStackFrame(flow_id="add_checked_bag", step_id="START", frame_id=c.frame_id())
    c.set_stack([flow])
    c.add(FlowStarted("add_checked_bag", timestamp=c.now()))
    calm_collect(c, flow, "booking_reference", "0_collect_booking_reference",
                 text=RESPONSES["utter_ask_booking_reference"][0])

    text = rng.choice([ref, f"it's {ref}", f"ref {ref}"])
    c.user(text, None, entities=[],
           commands=[SetSlotCommand(name="booking_reference", value=ref).as_dict()])
    calm_collected(c, flow, "booking_reference", ref)
    bag_buttons = [(str(n), f"/SetSlots(bag_count={n})") for n in (1, 2, 3)]
    calm_collect(c, flow, "bag_count", "1_collect_bag_count", buttons=bag_buttons,
                 text="How many checked bags (23 kg each) would you like to add?")

    n = rng.choice([1, 2])
    c.user(f"/SetSlots(bag_count={n})", None, think=(2, 9),
           commands=[SetSlotCommand(name="bag_count", value=str(n), extractor="NLU").as_dict()])
    c.slot("bag_count", float(n), filled_by="NLUCommandAdapter")
    c.add(FlowCompleted("pattern_collect_information", "ask_collect", timestamp=c.now()))
    c.set_stack([flow])
    price = 35 * n
    confirm_buttons = [("Yes", "/SetSlots(confirm_add_bag=true)"),
                       ("No", "/SetSlots(confirm_add_bag=false)")]
    calm_collect(c, flow, "confirm_add_bag", "2_collect_confirm_add_bag", buttons=confirm_buttons,
                 text=f"{n} checked bag{'s' if n > 1 else ''} on {ref} for \u20ac{price}. Shall I add "
                      f"{'them' if n > 1 else 'it'}?")

    if correction:
        new_n = 3 - n
        text = f"wait, make that {new_n} bag{'s' if new_n > 1 else ''}"
        c.user(text, None, commands=[CorrectSlotsCommand(
            corrected_slots=[CorrectedSlot("bag_count", new_n, filled_by=FILLER)]).as_dict()])
        collect = c.frames()[-1]
        corr = CorrectionPatternFlowStackFrame(
            frame_id=c.frame_id(),
            corrected_slots={"bag_count": {"value": new_n, "filled_by": FILLER}},
            reset_flow_id="add_checked_bag", reset_step_id="1_collect_bag_count",
            new_slot_values=[new_n])
        c.set_stack([flow, collect, corr])
        c.add(FlowStarted("pattern_correction", timestamp=c.now()))
        c.action("action_correct_flow_slot", "flow")
        c.slot("bag_count", float(new_n), filled_by=FILLER)
        c.action("utter_corrected_previous_input", "flow")
        c.bot("utter_corrected_previous_input",
              text=f"Ok, I am updating bag_count to {new_n} respectively.")
        c.add(FlowCompleted("pattern_correction", "END", timestamp=c.now()))
        c.set_stack([flow])
        n, price = new_n, 35 * new_n
        calm_collect(c, flow, "confirm_add_bag", "2_collect_confirm_add_bag", buttons=confirm_buttons,
                     text=f"{n} checked bag{'s' if n > 1 else ''} on {ref} for \u20ac{price}. "
                          f"Shall I add {'them' if n > 1 else 'it'}?")

    if cancel:
        c.user(rng.choice(["actually never mind", "forget it, too expensive", "stop"]), None,
               commands=[CancelFlowCommand().as_dict()])
        collect = c.frames()[-1]
        cancel_frame = CancelPatternFlowStackFrame(
            frame_id=c.frame_id(), canceled_name="add a checked bag",
            canceled_frames=[flow.frame_id, collect.frame_id])
        c.set_stack([flow, collect, cancel_frame])
        c.add(FlowStarted("pattern_cancel_flow", timestamp=c.now()))
        c.action("action_cancel_flow", "flow")
        c.add(FlowCancelled("add_checked_bag", flow.step_id, timestamp=c.now()))
        c.add(FlowCancelled("pattern_collect_information", collect.step_id, timestamp=c.now()))
        c.set_stack([cancel_frame])
        c.action("utter_flow_cancelled_rasa", "flow")
        c.bot("utter_flow_cancelled_rasa", text="Okay, stopping add a checked bag.")
        c.add(FlowCompleted("pattern_cancel_flow", "END", timestamp=c.now()))
        c.set_stack([])
        c.listen("flow")
        return

    c.user(rng.choice(["yes", "Yes", "yes please", "/SetSlots(confirm_add_bag=true)"]), None,
           commands=[SetSlotCommand(name="confirm_add_bag", value=True).as_dict()])
    calm_collected(c, flow, "confirm_add_bag", True)
    flow.step_id = "3_action_add_checked_bag"
    c.set_stack([flow])
    c.action("action_add_checked_bag", "flow", latency=(0.4, 1.8))
    c.bot("action_add_checked_bag",
          text=f"Done \u2705 {n} checked bag{'s' if n > 1 else ''} added to {ref}. "
               f"\u20ac{price} was charged to your card ending 4417.",
          custom={"type": "receipt", "booking_reference": ref, "bags": n,
                  "amount": {"value": price, "currency": "EUR"}})
    c.add(FlowCompleted("add_checked_bag", "3_action_add_checked_bag", timestamp=c.now()))
    done = CompletedPatternFlowStackFrame(frame_id=c.frame_id(), previous_flow_name="add a checked bag")
    c.set_stack([done])
    c.add(FlowStarted("pattern_completed", timestamp=c.now()))
    c.action("utter_can_do_something_else", "flow")
    c.bot("utter_can_do_something_else", text="Is there anything else I can help you with?")
    done.step_id = "1_utter_can_do_something_else"
    c.set_stack([done])
    c.listen("flow")


def calm_goodbye(c: Conv) -> None:
    c.user(c.rng.choice(["no that's it, thanks", "nope, bye", "all good"]), None,
           commands=[StartFlowCommand(flow="say_goodbye").as_dict()])
    frames = c.frames()
    if frames:
        c.add(FlowCompleted(frames[-1].flow_id, frames[-1].step_id, timestamp=c.now()))
    flow = UserFlowStackFrame(flow_id="say_goodbye", step_id="START", frame_id=c.frame_id())
    c.set_stack([flow])
    c.add(FlowStarted("say_goodbye", timestamp=c.now()))
    flow.step_id = "0_utter_goodbye"
    c.set_stack([flow])
    c.action("utter_goodbye", "flow")
    c.bot("utter_goodbye")
    c.add(FlowCompleted("say_goodbye", "0_utter_goodbye", timestamp=c.now()))
    c.set_stack([])
    c.listen("flow")


# ---------------------------------------------------------------------------
# Tracker shapes
# ---------------------------------------------------------------------------

CLASSIC_KEYS = ["sender_id", "slots", "latest_message", "latest_event_time",
                "followup_action", "paused", "events", "latest_input_channel",
                "active_loop", "latest_action", "latest_action_name"]
PRO_ONLY_SLOTS = ("flow_hashes", "mocked_datetime")
PRO_ONLY_EVENT_KEYS = ("anonymized_at", "filled_by")


def shape_pro(state: Dict[str, Any]) -> Dict[str, Any]:
    """Rasa Pro 3.21: current_state(ALL) exactly."""
    return state


def _strip_pro(state: Dict[str, Any]) -> Dict[str, Any]:
    out = {k: state[k] for k in CLASSIC_KEYS}
    out["slots"] = {k: v for k, v in state["slots"].items() if k not in PRO_ONLY_SLOTS}
    loop = state["active_loop"]
    if loop:  # Rasa Pro's ActiveLoop dataclass -> the dict Rasa 2.x/3.x OSS keep
        out["active_loop"] = {"name": loop["name"], "validate": not loop["is_interrupted"],
                              "rejected": loop["rejected"],
                              "trigger_message": loop["trigger_message"]}
    for e in out["events"]:
        for key in PRO_ONLY_EVENT_KEYS:
            e.pop(key, None)
    return out


def shape_oss3(state: Dict[str, Any]) -> Dict[str, Any]:
    """Rasa Open Source 3.x: the eleven classic keys; no Rasa Pro-only fields."""
    return _strip_pro(state)


def shape_rasa2(state: Dict[str, Any]) -> Dict[str, Any]:
    """Rasa 2.x: same keys as 3.x, no session_started_metadata slot; policies
    are named policy_N_Name (set when the events are built)."""
    out = _strip_pro(state)
    out["slots"].pop("session_started_metadata", None)
    return out


def shape_legacy(state: Dict[str, Any], active_form: Dict[str, Any]) -> Dict[str, Any]:
    """A Rasa 1.10-era tracker as early Rasa 2 deployments still serve it.

    Forms were `form` / `form_validation` events and the tracker had
    `active_form` instead of `active_loop`. Rasa 3 still has the event
    classes (LegacyForm, LegacyFormValidation) to read them, but serialises
    them as `active_loop` / `loop_interrupted`, so the old names are put back.
    """
    out = shape_rasa2(state)
    for e in out["events"]:
        if e.get("_legacy") == "form":
            e["event"] = LegacyForm.type_name
        elif e.get("_legacy") == "form_validation":
            e["event"] = LegacyFormValidation.type_name
            e["validate"] = not e.pop("is_interrupted")
        e.pop("_legacy", None)
        e.pop("hide_rule_turn", None)
        e.pop("action_text", None)
    out.pop("active_loop")
    out.pop("latest_action")
    out["active_form"] = active_form
    return out


# ---------------------------------------------------------------------------
# The conversations
# ---------------------------------------------------------------------------


def sender_for(rng: random.Random, channel: str) -> str:
    if channel == "telegram":
        return str(rng.randint(100_000_000, 2_099_999_999))
    if channel == "slack":
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
        return "U0" + "".join(rng.choice(alphabet) for _ in range(9))
    if channel == "facebook":
        return str(rng.randint(10**15, 10**16 - 1))
    if channel == "twilio":
        if rng.random() < 0.5:
            return f"whatsapp:+447700900{rng.randint(100, 999)}"
        return f"+1555010{rng.randint(1000, 9999)}"
    if channel == "socketio":
        return uuid.UUID(int=rng.getrandbits(128), version=4).hex
    return f"web-{rng.getrandbits(32):08x}"


def metadata_for(rng: random.Random, channel: str, sender: str) -> Dict[str, Any]:
    """What each Rasa input channel puts into UserUttered.metadata."""
    if channel == "slack":
        team = "T0" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(9))
        return {"out_channel": "D0" + sender[2:], "thread_id": None, "users": [sender],
                "team": team}
    if channel == "socketio":
        return {"page": rng.choice(["/", "/flights", "/hotels", "/manage-booking"]),
                "locale": rng.choice(["en-GB", "en-US", "de-DE", "pt-PT"])}
    return {}


def start_time(rng: random.Random, night: bool) -> datetime:
    day = REFERENCE_DATE - timedelta(days=rng.randint(1, 59))
    hour = rng.choice([22, 23, 0, 1, 2, 3, 4, 5]) if night else rng.randint(7, 21)
    return day.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59))


Script = Callable[[Conv], None]


def seq(*steps: Script) -> Script:
    def run(c: Conv) -> None:
        for step in steps:
            step(c)
    return run


# (slug, channel, style, night, script)
TRACKERS: List[Tuple[str, str, str, bool, Script]] = [
    ("flight-booking", "rest", "pro", False,
     seq(greet, book_flight, thank, goodbye)),
    ("greeting-only", "socketio", "pro", False, seq(greet)),
    ("start-command-hotel", "telegram", "pro", True,
     seq(telegram_start, lambda c: search_hotel(c), thank)),
    ("booking-status", "slack", "pro", False,
     seq(greet, lambda c: check_booking(c, ask_ref=True), change_seat, goodbye)),
    ("fallback-then-flight", "facebook", "pro", False,
     seq(greet, nlu_fallback, lambda c: book_flight(c, via_button=True))),
    ("check-then-cancel", "twilio", "pro", True,
     seq(lambda c: check_booking(c), cancel_booking, thank)),
    ("faq-chitchat", "socketio", "oss3", False,
     seq(greet, faq, faq, bot_challenge, lambda c: faq(c, "chitchat/tell_joke"), goodbye)),
    ("form-interrupted", "rest", "pro", False,
     seq(lambda c: book_flight(c, interrupt=True), goodbye)),
    ("abandoned-form", "telegram", "oss3", True,
     seq(greet, lambda c: book_flight(c, abandon_at="passengers"))),
    ("handoff-paused", "facebook", "pro", False,
     seq(greet, nlu_fallback, nlu_fallback, lambda c: handoff(c))),
    ("restart-midway", "socketio", "pro", False,
     seq(greet, lambda c: search_hotel(c), restart, greet, weather, thank)),
    ("weather-night", "telegram", "oss3", True,
     seq(weather, weather, thank)),
    ("long-trip-planning", "socketio", "pro", False,
     seq(greet, bot_challenge, lambda c: book_flight(c, interrupt=True, invalid_date=True),
         weather, lambda c: search_hotel(c), faq, change_seat, nlu_fallback, reminder,
         lambda c: fill_to(c, 23), thank, goodbye)),
    ("out-of-scope", "slack", "oss3", False,
     seq(greet, out_of_scope, out_of_scope, nlu_fallback, goodbye)),
    ("hotel-generic-template", "facebook", "pro", False,
     seq(greet, lambda c: search_hotel(c, facebook=True), thank, goodbye)),
    ("cancel-kept", "twilio", "oss3", False,
     seq(lambda c: check_booking(c), lambda c: cancel_booking(c, confirm=False), goodbye)),
    ("unhappy-customer", "rest", "pro", True,
     seq(lambda c: mood(c, False), lambda c: check_booking(c, ask_ref=True), lambda c: handoff(c, trailing=False))),
    ("two-sessions", "telegram", "pro", False,
     seq(greet, lambda c: book_flight(c, select=False), lambda c: new_session(c, 19), greet,
         lambda c: book_flight(c), thank)),
    ("single-question", "rest", "oss3", False, seq(faq)),
    ("bot-challenge-bye", "socketio", "oss3", True, seq(bot_challenge, goodbye)),
    ("happy-mood", "slack", "pro", False,
     seq(greet, lambda c: mood(c, True), weather, goodbye)),
    ("invalid-date", "rest", "oss3", False,
     seq(greet, lambda c: book_flight(c, invalid_date=True), thank)),
    ("many-fallbacks", "twilio", "pro", True,
     seq(nlu_fallback, nlu_fallback, nlu_fallback, out_of_scope, lambda c: handoff(c))),
    ("checkin-reminder", "telegram", "pro", False,
     seq(greet, lambda c: book_flight(c), reminder, thank)),
    ("hotel-then-flight", "socketio", "oss3", False,
     seq(greet, lambda c: search_hotel(c, nights_text=False), lambda c: book_flight(c), goodbye)),
    ("seat-change", "slack", "oss3", False,
     seq(lambda c: check_booking(c), change_seat, change_seat, thank)),
    ("restart-twice", "rest", "oss3", True,
     seq(greet, restart, greet, restart, weather)),
    ("faq-burst", "facebook", "oss3", False,
     seq(greet, faq, faq, faq, thank, goodbye)),
    ("abandoned-early", "twilio", "oss3", False,
     seq(greet, lambda c: book_flight(c, abandon_at="destination"))),
    ("flight-no-selection", "socketio", "pro", True,
     seq(lambda c: book_flight(c, select=False), out_of_scope)),
    ("skewed-clocks", "twilio", "pro", False,
     seq(greet, lambda c: check_booking(c), weather, thank)),
    ("rasa2-flight", "rest", "rasa2", False,
     seq(greet, lambda c: book_flight(c), goodbye)),
    ("rasa2-low-confidence", "facebook", "rasa2", True,
     seq(greet, low_confidence, low_confidence, lambda c: check_booking(c), thank)),
    ("rasa2-hotel", "slack", "rasa2", False,
     seq(lambda c: search_hotel(c), faq, goodbye)),
    ("calm-add-bag", "socketio", "pro", False,
     seq(greet, lambda c: add_checked_bag(c), calm_goodbye)),
    ("calm-correction", "rest", "pro", False,
     seq(lambda c: add_checked_bag(c, correction=True), calm_goodbye)),
    ("calm-cancelled", "telegram", "pro", True,
     seq(lambda c: add_checked_bag(c, cancel=True))),
    ("faq-night", "telegram", "pro", True,
     seq(telegram_start, faq, lambda c: faq(c, "faq/pets"), goodbye)),
    ("full-service", "slack", "pro", False,
     seq(greet, lambda c: book_flight(c), lambda c: check_booking(c), change_seat,
         lambda c: search_hotel(c), cancel_booking, goodbye)),
]
# index of the Rasa 1.10-era tracker with `form` events and `active_form`
LEGACY_SLUG = "legacy-form-events"


def legacy_form_conversation(c: Conv) -> Dict[str, Any]:
    """A Rasa 1.x-style hotel form: form events, form_validation, FormPolicy."""
    rng = c.rng
    c.add(ActionExecuted("action_listen", None, None, timestamp=c.now()))
    greet(c)
    city = rng.choice(CITIES)[0]
    text = f"I need a hotel in {city}"
    c.user(text, "search_hotel", entities=[c.diet(text, city, "city")])
    c.action("hotel_form", "form")
    form = LegacyForm("hotel_form", timestamp=c.now())
    form._legacy = "form"  # type: ignore[attr-defined]
    c.add(form)
    c.slot("hotel_city", city)
    c.slot("requested_slot", "checkin_date")
    c.bot("utter_ask_checkin_date")
    c.action("action_listen", "form")
    trigger = c.events[[i for i, e in enumerate(c.events) if isinstance(e, UserUttered)][-1]]
    checkin = (c.today() + timedelta(days=9)).replace(hour=0, minute=0, second=0)
    day = checkin.day
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    text = f"the {day}{suffix}"
    c.user(text, "inform", entities=[c.duckling_time(text, text, checkin)])
    c.action("hotel_form", "form")
    c.slot("checkin_date", iso(checkin))
    c.slot("requested_slot", "nights")
    c.bot("utter_ask_nights")
    c.action("action_listen", "form")
    # the user asks something else: the form is not validated for this turn
    c.user("is breakfast included?", "faq", conf=0.74)
    c.action("utter_faq", "ted", conf=f32(0.8123))
    c.bot("utter_faq", text="Breakfast depends on the hotel; I'll show it with each offer.")
    validation = LegacyFormValidation(False, timestamp=c.now())
    validation._legacy = "form_validation"  # type: ignore[attr-defined]
    c.add(validation)
    c.action("hotel_form", "form")
    c.bot("utter_ask_nights")
    c.action("action_listen", "form")
    c.user("hmm", "affirm", conf=0.21)  # below the FallbackPolicy nlu_threshold
    c.action("action_default_fallback", "fallback", conf=0.3)
    c.bot("utter_default")
    c.add(UserUtteranceReverted(timestamp=c.now()))
    c.action("action_listen", "fallback", conf=0.3)
    return {"name": "hotel_form", "validate": True, "rejected": False,
            "trigger_message": {"intent": {"name": "search_hotel",
                                           "confidence": trigger.intent["confidence"]},
                                "entities": trigger.entities, "text": trigger.text,
                                "message_id": trigger.message_id, "metadata": {}}}


def skew_clocks(c: Conv) -> None:
    """Events from an action server whose clock runs ~4 s behind Rasa's.

    The events a custom action returns (SlotSet, BotUttered) get earlier
    timestamps, so they sort before the user message that caused them,
    while the event list keeps Rasa's order.
    """
    last_action = None
    for e in c.events:
        if isinstance(e, ActionExecuted):
            last_action = e.action_name
        elif isinstance(e, UserUttered):
            last_action = None
        elif isinstance(e, (SlotSet, BotUttered)) and last_action and \
                last_action.startswith("action_") and last_action != "action_session_start":
            e.timestamp = round(e.timestamp - 4.217, 6)


def build_conv(rng: random.Random, channel: str, style: str, night: bool, script: Script) -> Conv:
    sender = sender_for(rng, channel)
    name = rng.choice(FIRST_NAMES) if channel in ("telegram", "facebook", "slack") and rng.random() < 0.6 else None
    c = Conv(rng, sender, channel, start_time(rng, night), style=style, name=name,
             metadata=metadata_for(rng, channel, sender))
    c.session_start(c.user_metadata if channel == "socketio" else None)
    script(c)
    return c


def tracker_json(c: Conv, shape: Callable[[Dict[str, Any]], Dict[str, Any]]) -> Dict[str, Any]:
    state = c.tracker().current_state(EventVerbosity.ALL)
    # carry the private `_legacy` marks from the event objects into their dicts
    assert len(c.events) == len(state["events"])
    for event, d in zip(c.events, state["events"], strict=True):
        mark = getattr(event, "_legacy", None)
        if mark:
            d["_legacy"] = mark
    return json.loads(json.dumps(shape(state)))


def check_window(slug: str, c: Conv) -> None:
    """All samples lie in the 60 days before REFERENCE_DATE."""
    first = (REFERENCE_DATE - timedelta(days=60)).timestamp()
    for e in c.events:
        assert first <= e.timestamp <= REFERENCE_DATE.timestamp(), (slug, e)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def make_trackers(rng: random.Random) -> List[str]:
    out = SAMPLES / "trackers"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    written = []
    specs = list(TRACKERS)
    specs.insert(33, (LEGACY_SLUG, "rest", "legacy", False, seq()))
    for n, (slug, channel, style, night, script) in enumerate(specs, start=1):
        if slug == LEGACY_SLUG:
            c = Conv(rng, sender_for(rng, channel), channel, start_time(rng, night), style="legacy")
            active_form = legacy_form_conversation(c)
            data = tracker_json(c, lambda s, af=active_form: shape_legacy(s, af))
        else:
            c = build_conv(rng, channel, style, night, script)
            if slug == "skewed-clocks":
                skew_clocks(c)
            shape = {"pro": shape_pro, "oss3": shape_oss3, "rasa2": shape_rasa2}[style]
            data = tracker_json(c, shape)
        assert 1 <= c.turns <= 25, (slug, c.turns)
        check_window(slug, c)
        name = f"{n:02d}-{channel}-{slug}.json"
        write_json(out / name, data)
        written.append(f"{name}: {c.turns} user turns, {len(data['events'])} events, {style}")
    return written


def make_events_jsonl(rng: random.Random) -> List[Conv]:
    """A few conversations as an event broker streams them (sender_id added)."""
    scripts = [
        ("rest", "pro", False, seq(greet, lambda c: book_flight(c), thank)),
        ("socketio", "oss3", True, seq(greet, nlu_fallback, faq, goodbye)),
        ("telegram", "pro", False, seq(telegram_start, lambda c: check_booking(c, ask_ref=True), cancel_booking)),
        ("slack", "pro", False, seq(lambda c: add_checked_bag(c), calm_goodbye)),
    ]
    convs = [build_conv(rng, ch, st, night, s) for ch, st, night, s in scripts]
    # squeeze them into one busy hour so that the conversations interleave
    base = (REFERENCE_DATE - timedelta(days=2)).replace(hour=14, minute=0, second=0).timestamp()
    lines = []
    for i, c in enumerate(convs):
        shift = base + i * 97.3 - c.events[0].timestamp
        for e in c.events:
            e.timestamp = round(e.timestamp + shift, 6)
            body = {"sender_id": c.sender_id}
            body.update(e.as_dict())
            lines.append(body)
    lines.sort(key=lambda d: d["timestamp"])
    with (SAMPLES / "events.jsonl").open("w", encoding="utf-8") as f:
        for body in lines:
            f.write(json.dumps(body, ensure_ascii=False) + "\n")
    return convs


def make_sqlite(rng: random.Random) -> List[Conv]:
    """~10 conversations stored by Rasa's own SQLTrackerStore (SQLite dialect)."""
    scripts = [
        ("rest", False, seq(greet, lambda c: book_flight(c), goodbye)),
        ("socketio", False, seq(greet, faq, thank)),
        ("telegram", True, seq(telegram_start, weather)),
        ("slack", False, seq(lambda c: check_booking(c), change_seat, thank)),
        ("facebook", False, seq(greet, lambda c: search_hotel(c, facebook=True), goodbye)),
        ("twilio", True, seq(nlu_fallback, lambda c: handoff(c))),
        ("rest", False, seq(greet, lambda c: book_flight(c, interrupt=True), lambda c: new_session(c, 6), greet, lambda c: check_booking(c))),
        ("socketio", False, seq(greet, restart, bot_challenge, goodbye)),
        ("telegram", False, seq(lambda c: add_checked_bag(c, correction=True), calm_goodbye)),
        ("slack", True, seq(out_of_scope, nlu_fallback, goodbye)),
    ]
    convs = [build_conv(rng, ch, "pro", night, s) for ch, night, s in scripts]
    for c in convs:
        check_window(c.sender_id, c)
    target = SAMPLES / "tracker_store.sqlite"
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "rasa.db"
        store = SQLTrackerStore(domain=DOMAIN_PRO, dialect="sqlite", db=str(db))
        for c in convs:
            asyncio.run(store.save(c.tracker()))
        store.engine.dispose()
        copy_sqlite_deterministically(db, target)
    return convs


def copy_sqlite_deterministically(source: Path, target: Path) -> None:
    """Copy Rasa's database statement by statement into a fresh file.

    SQLAlchemy creates a table's indexes in an order that changes from run
    to run, and that order shows in the file. The copy replays the same DDL
    (tables, then indexes by name) and the rows in id order, so the file
    only depends on its content.
    """
    src = sqlite3.connect(source)
    schema = src.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END, name").fetchall()
    if target.exists():
        target.unlink()
    dst = sqlite3.connect(target)
    for _, _, sql in schema:
        dst.execute(sql)
    for kind, table, _ in schema:
        if kind != "table":
            continue
        columns = [row[1] for row in src.execute(f'PRAGMA table_info("{table}")')]
        order = "id" if "id" in columns else columns[0]
        rows = src.execute(f'SELECT * FROM "{table}" ORDER BY "{order}"').fetchall()
        marks = ", ".join("?" for _ in columns)
        dst.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
    dst.commit()
    dst.execute("VACUUM")
    dst.close()
    src.close()


def main() -> None:
    rng = random.Random(SEED)
    SAMPLES.mkdir(exist_ok=True)
    for line in make_trackers(rng):
        print("trackers/" + line)
    convs = make_events_jsonl(rng)
    print(f"events.jsonl: {len(convs)} conversations, "
          f"{sum(len(c.events) for c in convs)} events")
    convs = make_sqlite(rng)
    print(f"tracker_store.sqlite: {len(convs)} conversations, "
          f"{sum(len(c.events) for c in convs)} events")


if __name__ == "__main__":
    main()
