"""The inbox view as the web app asks for it, timed against a running server.

For each filter: the first page of 100 (`total=false`) and the tab counts
(`tab-counts?estimate=true`) sent together, as the browser sends them; the view is the time
until both answered. Eight rounds, the first a warm-up; prints p50 and max of the view, and the
p50 of each request.

    python3 bench/views.py http://127.0.0.1:8080 TOKEN ['channel=slack' ...]

Without filters it runs the set the README's figures were measured with.
"""
import concurrent.futures as cf
import json
import statistics
import sys
import time
import urllib.request

base, token = sys.argv[1], sys.argv[2]
queries = sys.argv[3:] or [
    "", "channel=telegram", "text=refund", "text=z%C3%BCrich", "text=refund&text_mode=substring",
    "action=utter_010&policy=TEDPolicy&time_of_day=08:00-12:00&text=refund", "intent=intent_010",
    "entity=city", "slot=city:city-7", "tag=bug", "channel=slack&intent=intent_003&max_intent_confidence=0.6",
    "review_status=unread&entity=city&min_user_messages=3&tags_none=bug", "sort=lowest_confidence&intent=intent_001",
    "sort=length&channel=rest&tag=needs-training", "max_intent_confidence=0.3", "time_of_day=22:00-06:00",
    "exclude_intent=intent_149", "action=utter_005",
]


def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    start = time.perf_counter()
    with urllib.request.urlopen(req) as answer:
        body = answer.read()
    return (time.perf_counter() - start) * 1000, json.loads(body)


pool = cf.ThreadPoolExecutor(4)
for q in queries:
    views, pages, counts, tabs = [], [], [], {}
    for i in range(8):
        start = time.perf_counter()
        page = pool.submit(get, f"/api/conversations?{q}&limit=100&total=false")
        tab_counts = pool.submit(get, f"/api/conversations/tab-counts?{q}&estimate=true")
        try:
            (page_ms, _), (counts_ms, tabs) = page.result(), tab_counts.result()
        except Exception as error:  # a 503 over the time budget, say: report it and go on
            print(f"{q[:60]:60} ERROR {error}", flush=True)
            break
        view_ms = (time.perf_counter() - start) * 1000
        if i:
            views.append(view_ms)
            pages.append(page_ms)
            counts.append(counts_ms)
    if views:
        print(f"{q[:60]:60} view p50 {statistics.median(views):7.1f} max {max(views):7.1f} | "
              f"page {statistics.median(pages):7.1f} | tabs {statistics.median(counts):7.1f} "
              f"exact={tabs.get('exact')}", flush=True)
