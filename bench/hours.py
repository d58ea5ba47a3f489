"""Opening-hours evaluation: ours (NRW holidays) side by side with opening-hours-py.

Replaces the timing assertions that used to sit in tests/offers/test_hours.py.
For each case (an instant and a list of expressions) both sides evaluate the
same expressions round-robin, ``--calls`` times, in one process and one run:

* **ours**: ``offers.hours.evaluate(expr, at)`` — status, next status change,
  NRW holidays (``PH`` rewritten for the days next to an NRW-only holiday);
* **peer**: opening-hours-py's own ``OpeningHours(expr, country="DE")`` with
  ``state(at)`` and ``next_change(at)`` — the national calendar, no rewrite.

Both sides parse an expression once and reuse it (ours caches its compiled
form; the peer's objects are built before timing). The ratio ours/peer is what
to watch: it says what the NRW rewrite and the status-change search cost on
top of the library. Rounds alternate the sides so that neither profits from a
warmer CPU.

usage: .venv/bin/python bench/hours.py [--calls 3000] [--rounds 3] [--out FILE.tsv]
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import platform
import statistics
import sys
import time
from zoneinfo import ZoneInfo

import opening_hours as oh

from ckanext.keck_homeless.offers import hours

BERLIN = ZoneInfo("Europe/Berlin")

#: Hours as partners write them (demo data and the forms' examples).
EVERYDAY = [
    "Mo-Fr 09:00-17:00; PH off",
    "Mo-Su 18:00-08:00; PH off",
    "Mo-Sa 08:00-20:00; Su,PH 10:00-14:00",
    "Mo,We,Fr 10:00-12:00,14:00-16:00; PH 11:00-13:00",
    "Nov-Mar: Mo-Su 18:00-08:00",
    "24/7",
    'Mo-Fr 08:00-12:00 open "Frühstück", Mo-Fr 12:00-16:00 open "Mittag"; PH off',
    "Mo-Fr 09:00-17:00; Sa unknown; PH closed",
    "week 01-26 Tu 10:00-12:00; week 27-53 Th 10:00-12:00; PH off",
    "Mo-Su 22:00-30:00; Su off",
]

CASES = {
    # An ordinary Wednesday evening: no holiday nearby, the plain path.
    "ordinary_evening": (dt.datetime(2025, 6, 11, 20, 30, tzinfo=BERLIN), EVERYDAY),
    # The evening before Fronleichnam (NRW only): PH is rewritten for that day.
    "before_nrw_holiday": (dt.datetime(2025, 6, 18, 23, 0, tzinfo=BERLIN), EVERYDAY),
    # Expressions that never open again: the search for a change must stop early.
    "expired": (dt.datetime(2025, 6, 17, 10, 0, tzinfo=BERLIN),
                ["2020 Mo 10:00-12:00", "2019 Jan-Dec Mo-Fr 08:00-09:00", "off"]),
}


def ours(exprs, at, calls):
    for e in exprs:                       # warm the compile cache, as a running site is
        hours.evaluate(e, at)
    start = time.perf_counter()
    for i in range(calls):
        hours.evaluate(exprs[i % len(exprs)], at)
    return time.perf_counter() - start


def peer(exprs, at, calls):
    parsed = [oh.OpeningHours(e, timezone=BERLIN, country="DE", max_interval_days=400)
              for e in exprs]
    for p in parsed:
        p.state(at)
        p.next_change(at)
    start = time.perf_counter()
    for i in range(calls):
        p = parsed[i % len(parsed)]
        p.state(at)
        p.next_change(at)
    return time.perf_counter() - start


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", help="also write the table as TSV to this file")
    args = ap.parse_args(argv)

    rows = []
    for case, (at, exprs) in CASES.items():
        t_ours, t_peer = [], []
        for r in range(args.rounds):
            sides = ((ours, t_ours), (peer, t_peer))
            for fn, acc in (sides if r % 2 == 0 else sides[::-1]):
                acc.append(fn(exprs, at, args.calls))
        o = statistics.median(t_ours) / args.calls * 1e6
        p = statistics.median(t_peer) / args.calls * 1e6
        rows.append((case, len(exprs), args.calls, f"{o:.1f}", f"{p:.1f}", f"{o / p:.2f}"))

    header = ("case", "expressions", "calls", "ours_us_per_call", "peer_us_per_call",
              "ratio_ours_to_peer")
    lines = ["\t".join(header)] + ["\t".join(map(str, r)) for r in rows]
    meta = (f"# {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, python "
            f"{platform.python_version()}, opening-hours-py {importlib.metadata.version('opening-hours-py')}, "
            f"median of {args.rounds} rounds")
    print(meta)
    print("\n".join(lines))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(meta + "\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
