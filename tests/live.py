"""A real `ckan run` server for tests that need a URL (OWSLib, GDAL,
Playwright): a copy of the test ini with ``ckan.site_url`` and any other
settings changed, started on a port, stopped afterwards."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path


def ckan_bin() -> str:
    return str(Path(sys.executable).with_name("ckan"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_ckan(*args: str) -> str:
    out = subprocess.run([ckan_bin(), *args], capture_output=True, text=True, timeout=600)
    if out.returncode:
        raise RuntimeError(f"ckan {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    for _ in range(240):
        if proc.poll() is not None:
            raise RuntimeError(f"ckan run exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/api/3/action/status_show", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"ckan run did not answer:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def live_ckan(ini: str | Path, *, port: int | None = None,
              settings: Mapping[str, str] | None = None,
              log: Path | None = None, gunicorn: bool = False) -> Iterator[str]:
    """Serve a copy of ``ini`` (with ``settings`` applied) and yield its URL:
    with ``ckan run``, or with ``gunicorn=True`` the way ``make demo`` serves
    it (gunicorn, threaded workers, keep-alive)."""
    ini = Path(ini).resolve()
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    live_ini = ini.with_name(f"live-{port}-{os.getpid()}.ini")
    live_ini.write_bytes(ini.read_bytes())
    run_ckan("config-tool", str(live_ini), f"ckan.site_url = {url}",
             *(f"{key} = {value}" for key, value in (settings or {}).items()))
    log = log or live_ini.with_suffix(".log")
    with open(log, "wb") as fh:
        if gunicorn:
            cmd = [str(Path(sys.executable).with_name("gunicorn")), "-k", "gthread",
                   "--workers", "1", "--threads", "4", "--keep-alive", "5",
                   "-b", f"127.0.0.1:{port}", "--control-socket", str(live_ini.with_suffix(".ctl")),
                   "ckanext.keck_homeless.wsgi:application"]
            env = {**os.environ, "CKAN_INI": str(live_ini)}
        else:
            cmd = [ckan_bin(), "-c", str(live_ini), "run", "--host", "127.0.0.1",
                   "--port", str(port), "--disable-reloader"]
            env = None
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_until_up(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        live_ini.unlink(missing_ok=True)
