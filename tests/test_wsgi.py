"""ckanext/keck_homeless/wsgi.py under gunicorn, as `make demo` serves it:
HTTP/1.1 with keep-alive (the OGC API test suite needs HTTP/1.1; `ckan run`
answers HTTP/1.0)."""
from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import ckan.plugins.toolkit as tk

from tests.live import free_port


def _check_transport(conn) -> None:
    """What a phone gets: compressed text, no cookie for an anonymous visit,
    fingerprinted assets it may keep for a year."""
    import gzip
    import re

    conn.request("GET", "/hilfe", headers={"Accept-Encoding": "gzip"})
    page = conn.getresponse()
    raw = page.read()
    assert page.status == 200 and page.getheader("Content-Encoding") == "gzip"
    assert page.getheader("Set-Cookie") is None, page.getheader("Set-Cookie")
    html = gzip.decompress(raw).decode("utf-8")
    assert "<html" in html and len(raw) < len(html.encode("utf-8")) / 2
    assets = re.findall(r'(?:src|href)="(/webassets/[^"]+)"', html)
    assert assets
    for url in assets:
        conn.request("GET", url, headers={"Accept-Encoding": "gzip"})
        res = conn.getresponse()
        body = res.read()
        assert res.status == 200
        assert res.getheader("Cache-Control") == "public, max-age=31536000, immutable", url
        assert res.getheader("Content-Encoding") == "gzip" and gzip.decompress(body)
    # a client that does not ask gets plain bytes
    conn.request("GET", "/hilfe/karte.json")
    plain = conn.getresponse()
    assert plain.getheader("Content-Encoding") is None and plain.read().startswith(b"{")


def test_gunicorn_serves_ckan_with_http11_keep_alive(tmp_path):
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = dict(os.environ, CKAN_INI=str(Path(tk.config["__file__"]).resolve()))
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [str(gunicorn), "--worker-class", "gthread", "--workers", "1", "--threads", "2",
             "--bind", f"127.0.0.1:{port}", "--no-control-socket",
             "ckanext.keck_homeless.wsgi:application"],
            cwd=Path(__file__).resolve().parents[1], env=env, stdout=fh, stderr=subprocess.STDOUT)
    try:
        conn = None
        for _ in range(240):
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/api/3/action/status_show")
                first = conn.getresponse()
                break
            except OSError:
                time.sleep(0.5)
        assert first.status == 200 and first.version == 11
        assert b'"success": true' in first.read()
        sock = conn.sock
        conn.request("GET", "/keck-homeless/ows?SERVICE=WFS&REQUEST=GetCapabilities")
        second = conn.getresponse()
        assert second.status == 200 and second.version == 11
        assert b"WFS_Capabilities" in second.read()
        assert conn.sock is sock  # the same connection: kept alive
        _check_transport(conn)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_first_pages_rendered_at_once_on_fresh_storage(tmp_path):
    """A fresh deployment (empty storage directory) whose first visitors
    arrive together: webassets built its bundles on the first render,
    racing between threads (500s: FileExistsError for its cache directory,
    BundleError for a bundle another thread was still writing; seen on a
    fresh clone). The app builds them before it serves."""
    import concurrent.futures
    import urllib.request

    from tests.live import live_ckan

    storage = tmp_path / "storage"
    with live_ckan(tk.config["__file__"], gunicorn=True,
                   settings={"ckan.storage_path": str(storage)}) as url:
        # up (a JSON action, nothing rendered): the bundles are already built
        assert list((storage / "webassets" / "keck_homeless").glob("*_finder.js"))

        def get(path: str) -> int:
            with urllib.request.urlopen(url + path, timeout=60) as res:
                return res.status
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(get, ["/hilfe", "/organization", "/hilfe?lang=en", "/"] * 2))
    assert statuses == [200] * 8
