#!/usr/bin/env python3
"""A team on one Hindsight server: reviewers, event posters and inbox readers at once.

Bounded (a fixed duration, loopback only), standard library only. Prints, per kind of
request, how many were answered with which status and the latency percentiles, then checks
that every acknowledged event post is stored.

    python3 tools/load/team_load.py --base http://127.0.0.1:8080 --token hs_... \
        --seconds 60 --reviewers 4 --posters 2 --readers 2

The token needs the reviewer role (an admin token works too).
"""

import argparse
import http.client
import json
import random
import threading
import time
import urllib.parse
from collections import Counter, defaultdict


class Client:
    """One keep-alive connection, like a browser tab or a script."""

    def __init__(self, base, token):
        url = urllib.parse.urlsplit(base)
        if url.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("this load test only targets loopback addresses")
        self.host, self.port = url.hostname, url.port or 80
        self.token = token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        # A GET is tried again once on a fresh connection: the server closes keep-alive
        # connections left idle. Anything else is counted as it went (status 0: no answer).
        for attempt in range(2 if method == "GET" else 1):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                res = self.conn.getresponse()
                return res.status, res.read(), (time.perf_counter() - start) * 1000.0
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        return 0, b"", (time.perf_counter() - start) * 1000.0


def quote(sender_id):
    return urllib.parse.quote(sender_id, safe="")


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = defaultdict(Counter)
        self.latencies = defaultdict(list)
        self.acknowledged = []

    def add(self, kind, status, ms):
        with self.lock:
            self.statuses[kind][status] += 1
            self.latencies[kind].append(ms)


def reviewer(client, ids, events, deadline, results, rng):
    while time.monotonic() < deadline:
        sender = rng.choice(ids)
        what = rng.randrange(3)
        if what == 0:
            status = rng.choice(["reviewed", "saved_for_later", "unread"])
            s, _, ms = client.request("PUT", f"/api/conversations/{quote(sender)}/reviewStatus",
                                      {"review_status": status})
            results.add("review status", s, ms)
        elif what == 1:
            tag = f"load-{rng.randrange(5)}"
            s, _, ms = client.request("POST", f"/api/conversations/{quote(sender)}/tags",
                                      [{"value": tag}])
            results.add("tag", s, ms)
        else:
            event = rng.choice(events[sender])
            s, _, ms = client.request("PUT", f"/api/conversations/{quote(sender)}/events/{event}/flag",
                                      {"note": "load"})
            results.add("flag", s, ms)


def poster(client, ids, deadline, results, rng, worker):
    n = 0
    while time.monotonic() < deadline:
        sender = rng.choice(ids)
        text = f"load w{worker} n{n} {rng.random()}"
        n += 1
        event = {"event": "user", "timestamp": time.time(), "text": text,
                 "parse_data": {"intent": {"name": "greet", "confidence": 0.9}, "entities": []},
                 "input_channel": "load"}
        s, _, ms = client.request("POST", f"/api/conversations/{quote(sender)}/events", [event])
        results.add("event post", s, ms)
        if s == 200:
            with results.lock:
                results.acknowledged.append((sender, text))


READER_QUERIES = ["", "review_status=unread", "sort=lowest_confidence", "channel=load",
                  "has_news=true", "tags_any=load-1"]


def reader(client, deadline, results, rng):
    while time.monotonic() < deadline:
        query = rng.choice(READER_QUERIES)
        s, _, ms = client.request("GET", f"/api/conversations?limit=50&{query}")
        results.add("inbox page", s, ms)


def percentile(values, p):
    values = sorted(values)
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", default="http://127.0.0.1:8080")
    ap.add_argument("--token", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--reviewers", type=int, default=4)
    ap.add_argument("--posters", type=int, default=2)
    ap.add_argument("--readers", type=int, default=2)
    ap.add_argument("--conversations", type=int, default=200, help="how many conversations to work on")
    args = ap.parse_args()

    setup = Client(args.base, args.token)
    s, body, _ = setup.request("GET", f"/api/conversations?limit={args.conversations}")
    if s != 200:
        raise SystemExit(f"listing failed: {s} {body[:200]!r}")
    ids = [c["id"] for c in json.loads(body)["conversations"]]
    events = {}
    for sender in ids:
        s, body, _ = setup.request("GET", f"/api/conversations/{quote(sender)}")
        events[sender] = [e["id"] for e in json.loads(body)["events"]] if s == 200 else []
    ids = [i for i in ids if events[i]]

    results = Results()
    deadline = time.monotonic() + args.seconds
    threads = []
    for i in range(args.reviewers):
        threads.append(threading.Thread(target=reviewer, args=(Client(args.base, args.token), ids, events, deadline, results, random.Random(i))))
    for i in range(args.posters):
        threads.append(threading.Thread(target=poster, args=(Client(args.base, args.token), ids, deadline, results, random.Random(100 + i), i)))
    for i in range(args.readers):
        threads.append(threading.Thread(target=reader, args=(Client(args.base, args.token), deadline, results, random.Random(200 + i))))
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    total = Counter()
    print(f"{'request':<14} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  statuses")
    for kind in sorted(results.statuses):
        lat = results.latencies[kind]
        total.update(results.statuses[kind])
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(results.statuses[kind].items()))
        print(f"{kind:<14} {len(lat):>7} {percentile(lat, 50):>8.1f} {percentile(lat, 95):>8.1f} {max(lat):>8.1f}  {statuses}")
    writes = sum(v for k, v in results.statuses.items() if k != "inbox page" for v in v.values())
    failed = sum(n for s, n in total.items() if s >= 500 or s == 0)
    print(f"writes: {writes}; 5xx or no answer: {failed} of {sum(total.values())} requests")

    # Every acknowledged event is stored.
    by_sender = defaultdict(set)
    for sender, text in results.acknowledged:
        by_sender[sender].add(text)
    lost = 0
    for sender, texts in by_sender.items():
        s, body, _ = setup.request("GET", f"/api/conversations/{quote(sender)}")
        stored = {e.get("text") for e in json.loads(body)["events"]} if s == 200 else set()
        lost += len(texts - stored)
    print(f"acknowledged event posts: {len(results.acknowledged)}; missing afterwards: {lost}")
    raise SystemExit(1 if failed or lost else 0)


if __name__ == "__main__":
    main()
