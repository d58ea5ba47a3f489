"""Print pass/fail/skip counts and the distinct failures of a TestNG result
file (testng-results.xml written by the OGC test suites)."""
from __future__ import annotations

import sys
from collections import Counter, OrderedDict
from xml.etree import ElementTree


def main(path: str) -> int:
    root = ElementTree.parse(path).getroot()
    counts: Counter = Counter()
    failures: OrderedDict[tuple[str, str], tuple[int, str]] = OrderedDict()
    for cls in root.iter("class"):
        for method in cls.iter("test-method"):
            if method.get("is-config") == "true":
                continue
            status = method.get("status")
            counts[status] += 1
            if status == "FAIL":
                key = (cls.get("name").rsplit(".", 1)[-1], method.get("name"))
                message = " ".join((method.findtext("exception/message") or "").split())[:300]
                n, first = failures.get(key, (0, message))
                failures[key] = (n + 1, first)
    print(f"PASS {counts['PASS']}  FAIL {counts['FAIL']}  SKIP {counts['SKIP']}  "
          f"(distinct failing tests: {len(failures)})")
    for (cls, name), (n, message) in failures.items():
        print(f"  FAIL {cls}.{name} ×{n}: {message}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
