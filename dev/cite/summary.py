"""Print pass/fail/skip counts and the distinct failures of an OGC test suite
run: a TestNG result file (``testng-results.xml``, ets-wfs20 and
ets-ogcapi-features10) or a TEAM Engine EARL report (``earl-results.rdf``,
the CTL suite ets-wms13).

Exit status 1 when a test failed. ``--allow NAME`` (repeatable) names tests
whose failure is known and explained in the README (for EARL: the test
title, e.g. ``data-preconditions``); they are listed but do not count for
the exit status.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter, OrderedDict
from xml.etree import ElementTree

EARL = "http://www.w3.org/ns/earl#"
CITE_EARL = "http://cite.opengeospatial.org/earl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCT = "http://purl.org/dc/terms/"


def testng(root) -> tuple[Counter, OrderedDict]:
    counts: Counter = Counter()
    failures: OrderedDict[str, tuple[int, str]] = OrderedDict()
    for cls in root.iter("class"):
        for method in cls.iter("test-method"):
            if method.get("is-config") == "true":
                continue
            status = method.get("status")
            counts[status] += 1
            if status == "FAIL":
                key = f'{cls.get("name").rsplit(".", 1)[-1]}.{method.get("name")}'
                message = " ".join((method.findtext("exception/message") or "").split())[:300]
                n, first = failures.get(key, (0, message))
                failures[key] = (n + 1, first)
    return counts, failures


def earl(root) -> tuple[Counter, OrderedDict]:
    """EARL outcomes: passed → PASS, failed → FAIL, cite:inheritedFailure
    (a test whose own checks passed but a test it called failed) → INHERITED,
    untested/inapplicable/cantTell → SKIP."""
    names = {EARL + "passed": "PASS", EARL + "failed": "FAIL",
             CITE_EARL + "inheritedFailure": "INHERITED"}
    counts: Counter = Counter()
    failures: OrderedDict[str, tuple[int, str]] = OrderedDict()
    # A test case is described once; later assertions refer to it by rdf:resource.
    cases = {case.get(f"{{{RDF}}}about"): (case.findtext(f"{{{DCT}}}title") or "?",
                                           case.findtext(f"{{{DCT}}}description") or "")
             for case in root.iter(f"{{{EARL}}}TestCase")}
    for assertion in root.iter(f"{{{EARL}}}Assertion"):
        outcome = assertion.find(f".//{{{EARL}}}outcome")
        status = names.get(outcome.get(f"{{{RDF}}}resource") if outcome is not None else "", "SKIP")
        counts[status] += 1
        if status == "FAIL":
            test = assertion.find(f"{{{EARL}}}test")
            case = test.find(f"{{{EARL}}}TestCase") if test is not None else None
            ref = (case.get(f"{{{RDF}}}about") if case is not None
                   else test.get(f"{{{RDF}}}resource") if test is not None else None)
            title, text = cases.get(ref, ("?", ""))
            text = " ".join(text.split())[:300]
            n, first = failures.get(title, (0, text))
            failures[title] = (n + 1, first)
    return counts, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("result")
    parser.add_argument("--allow", action="append", default=[],
                        help="a test whose failure is known (listed, not counted for the exit status)")
    args = parser.parse_args(argv)
    root = ElementTree.parse(args.result).getroot()
    counts, failures = earl(root) if root.tag == f"{{{RDF}}}RDF" else testng(root)
    inherited = f"  INHERITED {counts['INHERITED']}" if counts["INHERITED"] else ""
    print(f"PASS {counts['PASS']}  FAIL {counts['FAIL']}  SKIP {counts['SKIP']}{inherited}  "
          f"(distinct failing tests: {len(failures)})")
    unexplained = 0
    for name, (n, message) in failures.items():
        known = name in args.allow or name.rsplit(".", 1)[-1] in args.allow
        unexplained += not known
        print(f"  FAIL{' (known, see README)' if known else ''} {name} ×{n}: {message}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
