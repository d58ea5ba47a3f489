"""The finder on a cheap phone at night: what a person sees, and how fast.

Opens a finder URL in Chromium (Playwright) at 360×740 on emulated slow 3G
(400 kbit/s down and up, 400 ms round trip; Chrome DevTools' network
emulation), with map tiles blocked, and measures:

* ``bed_call_ms``: time from navigation start until the phone link ("Anrufen")
  of the first shelter is painted *on the first screen* (no scrolling);
  empty if it never is (then ``bed_call_screens`` says how many screens down
  the first shelter's link is);
* ``cls``: cumulative layout shift until 8 s after load (web-vitals' sum of
  ``layout-shift`` entries without recent input);
* ``bytes_first`` / ``bytes_repeat``: bytes over the wire (encoded, headers
  included) on the first visit and on a second visit in the same browser;
* ``offline``: whether the page opens again without any connection after
  that one visit (its list of offers present).

Run several URLs in one go to compare them (e.g. before and after a change):

    .venv/bin/python bench/finder.py http://127.0.0.1:5000/hilfe [URL …] [--out FILE.tsv]

The demo's clock decides what "tonight" is; run both sides in the same minute.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys

CHROMIUM = os.environ.get("KECK_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 360, "height": 740}
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400 * 1000 / 8,
           "uploadThroughput": 400 * 1000 / 8}

#: Records when the first shelter's phone link is painted inside the first
#: screen, and the layout shifts (both from the page's own clock).
_OBSERVER = """
(() => {
  window.__kh = {cls: 0, bedCall: null};
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.__kh.cls += e.value;
  }).observe({type: 'layout-shift', buffered: true});
  const sel = 'li[data-category="shelter"] a[href^="tel:"], ' +
              '.kh-group-tonight li a[href^="tel:"]';
  function check() {
    const a = document.querySelector(sel);
    if (a) {
      const r = a.getBoundingClientRect();
      if (r.height > 0 && r.bottom <= window.innerHeight && window.scrollY === 0) {
        window.__kh.bedCall = performance.now();
        return;
      }
    }
    requestAnimationFrame(check);
  }
  requestAnimationFrame(check);
})();
"""


def _measure(browser, url: str) -> dict:
    ctx = browser.new_context(viewport=VIEWPORT, service_workers="allow")
    page = ctx.new_page()
    page.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    received = {"bytes": 0}

    def finished(request):
        # the page's requests and those of its service worker; an answer the
        # service worker gives from its cache crossed no wire
        response = request.response()
        if response is None or response.from_service_worker:
            return
        sizes = request.sizes()
        received["bytes"] += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    ctx.on("requestfinished", finished)
    page.add_init_script(_OBSERVER)
    try:
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_timeout(8000)
        state = page.evaluate("window.__kh")
        screens = page.evaluate("""() => {
            const a = document.querySelector('li[data-category="shelter"] a[href^="tel:"], '
                                              + '.kh-group-tonight li a[href^="tel:"]');
            return a ? (a.getBoundingClientRect().top + window.scrollY) / window.innerHeight : null;
        }""")
        first = received["bytes"]
        received["bytes"] = 0
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_timeout(3000)
        repeat = received["bytes"]
        ctx.set_offline(True)
        cdp.send("Network.emulateNetworkConditions", {**SLOW_3G, "offline": True})
        try:
            page.goto(url, wait_until="load", timeout=30_000)
            offline = page.locator("li.kh-offer").count() > 0
        except Exception:  # noqa: BLE001 - no page at all: that is the answer
            offline = False
        return {
            "url": url,
            "bed_call_ms": round(state["bedCall"]) if state["bedCall"] else "",
            "bed_call_screens": round(screens, 1) if screens is not None else "",
            "cls": round(state["cls"], 3),
            "bytes_first": first,
            "bytes_repeat": repeat,
            "offline": offline,
        }
    finally:
        ctx.close()


def main(argv=None) -> int:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("urls", nargs="+")
    ap.add_argument("--out", help="also write the rows as TSV")
    args = ap.parse_args(argv)
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        try:
            for url in args.urls:
                rows.append(_measure(browser, url))
                print(json.dumps(rows[-1]), flush=True)
        finally:
            browser.close()
    if args.out:
        keys = list(rows[0])
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(f"# {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, 360x740, "
                    "400 kbit/s, 400 ms RTT, tiles blocked\n")
            f.write("\t".join(keys) + "\n")
            for r in rows:
                f.write("\t".join(str(r[k]) for k in keys) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
