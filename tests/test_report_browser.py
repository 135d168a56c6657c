"""The report as a person sees it: rendered from the checked-in fixture results, opened in
headless Chromium (Debian's ``chromium``), driven over the DevTools protocol on a pipe
(stdlib only). Checks a row per claim, filtering by clicking and by URL, native MathML
layout, images that decode, no script errors, no network, and saves screenshots
(to ``$REPORT_SCREENSHOT_DIR`` as well when set). Skips with a reason where no Chromium exists.
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from report import write_report

FIXTURES = Path(__file__).parent / "fixtures" / "results"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe"]

pytestmark = pytest.mark.browser


def _chromium() -> str | None:
    env = os.environ.get("CHROMIUM")
    if env and shutil.which(env):
        return shutil.which(env)
    return next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)


class Browser:
    """Minimal DevTools client: JSON messages separated by NUL on fds 3 (in) and 4 (out)."""

    def __init__(self, exe: str, profile_dir: Path, timeout: float = 30.0):
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()
        # move the child's ends above 4 so the shell's 3<& / 4>& cannot clobber them
        a, b = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
        os.close(to_child_r)
        os.close(from_child_w)
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{a} 4>&{b}', exe, *FLAGS, f"--user-data-dir={profile_dir}",
             "about:blank"], pass_fds=(a, b), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(a)
        os.close(b)
        self.timeout, self._buf, self._id, self.events = timeout, b"", 0, []
        self.session = None

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._r], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium exited (code {self.proc.poll()})")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, *, browser_level: bool = False) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if self.session and not browser_level:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self._id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method: str) -> dict:
        deadline = time.monotonic() + self.timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            m = self._read_message(deadline)
            if m.get("method") == method:
                return m
            self.events.append(m)

    def open(self, url: str, width: int = 1280, height: int = 900) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, browser_level=True)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 browser_level=True)["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.navigate(url)

    def navigate(self, url: str) -> None:
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def js(self, expr: str):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise AssertionError(f"script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click at the centre of the element (scrolled into view first)."""
        box = self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView("
                      "{block: 'center'}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1})

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.send("Browser.close", browser_level=True)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._r)
        os.close(self._w)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    exe = _chromium()
    if exe is None:
        pytest.skip("headless Chromium not found (looked for $CHROMIUM, " + ", ".join(BROWSERS) +
                    " on PATH); install Debian's `chromium` package, as .ci/run does, to run this test")
    out = tmp_path_factory.mktemp("browser")
    html = write_report(FIXTURES, out / "report.html", expected=())
    b = Browser(exe, out / "profile")
    try:
        b.open(html.as_uri())
        yield b, html
    finally:
        b.close()


def _fixture_results() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))]


def _save(b: Browser, html: Path, name: str) -> Path:
    shot = b.screenshot(html.parent / name)
    assert shot.stat().st_size > 10_000, "the screenshot is suspiciously small (blank page?)"
    if os.environ.get("REPORT_SCREENSHOT_DIR"):
        dest = Path(os.environ["REPORT_SCREENSHOT_DIR"])
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, dest / name)
    return shot


def test_table_has_a_row_per_claim_and_no_errors(page):
    b, html = page
    results = _fixture_results()
    ids = b.js("[...document.querySelectorAll('#claims-table tbody tr')].map(r => r.dataset.id)")
    assert sorted(ids) == sorted(r["claim_id"] for r in results)
    assert b.js("document.getElementById('f-count').textContent") == f"{len(results)} of {len(results)} claims shown"
    sections = b.js("document.querySelectorAll('section.claim').length")
    assert sections == len(results)
    errors = [e for e in b.events if e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert errors == [], f"the page logged errors: {errors[:3]}"
    requests = [e["params"]["request"]["url"] for e in b.events if e.get("method") == "Network.requestWillBeSent"]
    assert all(u.startswith(("file:", "data:")) for u in requests), f"the report reached for the network: {requests}"
    _save(b, html, "report-top.png")


def test_filtering_by_click_and_by_url(page):
    b, html = page
    results = _fixture_results()
    n_fails = sum(r["verdict"] == "fails" for r in results)
    b.click('#verdict-counts button[data-only="fails"]')
    visible = b.js("[...document.querySelectorAll('#claims-table tbody tr')].filter(r => !r.hidden)"
                   ".map(r => r.dataset.verdict)")
    assert visible == ["fails"] * n_fails
    assert b.js("[...document.querySelectorAll('section.claim')].filter(s => !s.hidden).length") == n_fails
    b.click("#f-reset")
    assert b.js("document.querySelectorAll('#claims-table tbody tr:not([hidden])').length") == len(results)
    # the paper select, as a person would use it
    b.js("(() => { const s = document.getElementById('f-paper'); s.value = 'tlc'; "
         "s.dispatchEvent(new Event('change')); })()")
    tlc = b.js("[...document.querySelectorAll('#claims-table tbody tr:not([hidden])')].map(r => r.dataset.paper)")
    assert tlc and set(tlc) == {"tlc"} and len(tlc) == sum(r["paper"] == "tlc" for r in results)
    # a filtered view survives as a link
    b.navigate(html.as_uri() + "?verdict=error,skipped")
    shown = b.js("[...document.querySelectorAll('#claims-table tbody tr:not([hidden])')].map(r => r.dataset.verdict)")
    assert sorted(shown) == sorted(r["verdict"] for r in results if r["verdict"] in ("error", "skipped"))
    b.navigate(html.as_uri())


def test_sorting_by_time(page):
    b, _ = page
    b.click("#claims-table thead th:nth-child(9)")
    times = b.js("[...document.querySelectorAll('#claims-table tbody tr')].map(r => parseFloat(r.cells[8].dataset.sort))")
    assert times == sorted(times)


def test_math_and_images_render(page):
    b, html = page
    imgs = b.js("[...document.images].map(i => [i.complete, i.naturalWidth, i.getBoundingClientRect().width])")
    assert len(imgs) >= 5
    broken = [i for i in imgs if not (i[0] and i[1] > 0 and i[2] > 0)]
    assert broken == [], f"broken images: {broken}"
    maths = b.js("[...document.querySelectorAll('math')].map(m => { const r = m.getBoundingClientRect(); "
                 "return [r.width, r.height]; })")
    assert len(maths) >= 3 and all(w > 0 and h > 0 for w, h in maths)
    # native MathML layout: a fraction's numerator sits above its denominator
    stacked = b.js("(() => { const f = document.querySelector('math mfrac'); if (!f) return null; "
                   "const [n, d] = f.children; return n.getBoundingClientRect().bottom <= "
                   "d.getBoundingClientRect().top + 1; })()")
    assert stacked is True, "MathML <mfrac> is not laid out as a fraction"
    # the graph: one node per claim or missing dependency, the unsupported claim outlined
    nodes = b.js("[...document.querySelectorAll('svg.depgraph g.gnode')].map(g => g.dataset.id)")
    assert set(nodes) >= {r["claim_id"] for r in _fixture_results()}
    assert b.js("document.querySelector('svg.depgraph g.unsupported').dataset.id") == "tlc.fixture-eym"
    b.js("document.getElementById('claim-fpc-fixture-sweep').scrollIntoView()")
    _save(b, html, "report-claim.png")
