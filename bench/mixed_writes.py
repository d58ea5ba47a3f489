"""The writing side of ``bench/load.sh``: partners' edits and people's
problem reports while the read load runs.

* ``edit``: EDITORS threads, each in turn ``package_patch`` (CKAN's API,
  an editor's API token) of a random offer — a new opening-hours note, so
  every edit changes the published row, bumps the store version and
  invalidates the read caches in the middle of the load — then a pause;
* ``report``: one thread posting the finder's problem-report form
  (``/hilfe/<name>/melden``) for a random offer, then a pause.

Prints one tab-separated line per kind: kind, requests, req/s, p50 ms,
p99 ms, errors (any answer but 200, or no answer). Standard library only.

usage: python bench/mixed_writes.py BASE_URL DIR SECONDS [--editors 2]
       [--edit-pause 0.25] [--report-pause 0.5]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path


def _timed(request: urllib.request.Request) -> tuple[float, bool]:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            ok = response.status == 200
    except (urllib.error.URLError, OSError):
        ok = False
    return time.perf_counter() - start, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("dir", type=Path)
    parser.add_argument("seconds", type=float)
    parser.add_argument("--editors", type=int, default=2)
    parser.add_argument("--edit-pause", type=float, default=0.25)
    parser.add_argument("--report-pause", type=float, default=0.5)
    args = parser.parse_args()
    token = (args.dir / "token").read_text().strip()
    names = (args.dir / "names").read_text().split()
    stop = time.monotonic() + args.seconds
    run = time.strftime("%H:%M:%S")  # every edit a real change
    results: dict[str, list[tuple[float, bool]]] = {"edit": [], "report": []}
    lock = threading.Lock()

    def editor(seed: int) -> None:
        rng = random.Random(seed)
        counter = 0
        while time.monotonic() < stop:
            counter += 1
            body = json.dumps({"id": rng.choice(names),
                               "opening_hours_note": f"Lasttest {run} {seed}-{counter}"}).encode()
            request = urllib.request.Request(
                f"{args.base}/api/3/action/package_patch", data=body, method="POST",
                headers={"Authorization": token, "Content-Type": "application/json"})
            result = _timed(request)
            with lock:
                results["edit"].append(result)
            time.sleep(args.edit_pause)

    def reporter() -> None:
        rng = random.Random(99)
        while time.monotonic() < stop:
            body = urllib.parse.urlencode({"kind": "phone", "message": "Lasttest: Nummer falsch",
                                           "contact": ""}).encode()
            request = urllib.request.Request(
                f"{args.base}/hilfe/{rng.choice(names)}/melden", data=body, method="POST",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
            result = _timed(request)
            with lock:
                results["report"].append(result)
            time.sleep(args.report_pause)

    threads = [threading.Thread(target=editor, args=(i + 1,)) for i in range(args.editors)]
    threads.append(threading.Thread(target=reporter))
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    for kind, found in results.items():
        times = sorted(t for t, _ in found) or [0.0]
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
        print(f"{kind}\t{len(found)}\t{len(found) / elapsed:.2f}\t"
              f"{statistics.median(times) * 1000:.1f}\t{p99 * 1000:.1f}\t"
              f"{sum(1 for _, ok in found if not ok)}")


if __name__ == "__main__":
    main()
