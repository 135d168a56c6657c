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

from report import result as store
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


def _extra_results() -> list[dict]:
    """Hand-made results for what a reader must not misread: runs that stopped at different
    steps (fpc.thm4.1), a value a hair above its threshold, a formula that holds beside a
    remark that fails (fpc.lem5.2 before its split)."""
    base = {"schema_version": store.SCHEMA_VERSION, "profile": "quick", "seed": 0, "wall_s": 1.0,
            "symbolic": {"status": "proved", "obligations": []}}
    runs = {**base, "claim_id": "fpc.fixture-runs", "paper": "fpc", "verdict": "holds", "title": "Fixture: runs of different lengths",
            "statement": "the gap falls below 0.01 in every run",
            "numeric": {"status": "holds", "series": {"max_gap": {
                "kind": "line", "x": [0, 50, 100], "xlabel": "GD step", "ylabel": "max gap", "logy": True,
                "prediction": "gap",
                "xs": {"K=1": [0, 50, 100], "K=3": [0, 50, 100, 150, 200, 250]},
                "ys": {"K=1": [1.0, 0.1, 0.01], "K=3": [1.0, 0.3, 0.1, 0.05, 0.02, 0.0016]}}},
                "predictions": [{"name": "gap", "op": "<=", "threshold": 0.01, "rule": "gap <= 0.01", "statement": "small gap"}],
                "outcomes": [{"name": "gap", "measured": 0.0016, "outcome": "holds", "interval": [0.0015, 0.0017],
                              "margin": 0.0084, "margin_hw": 84.0, "replicates": [0.0015, 0.0016, 0.0017]}]}}
    edge = {**base, "claim_id": "fpc.fixture-edge", "paper": "fpc", "verdict": "holds", "title": "Fixture: a hair above",
            "statement": "own-area attention at least 0.99", "source": {"quote": "a zebra-striped quotation only here"},
            "numeric": {"status": "holds", "replicates": 3,
                        "predictions": [{"name": "min_attn", "op": ">=", "threshold": 0.99, "rule": "min_attn >= 0.99",
                                         "statement": "own-area attention at least 0.99"}],
                        "outcomes": [{"name": "min_attn", "measured": 0.9900023, "outcome": "holds",
                                      "interval": [0.9900011, 0.9900035], "margin": 2.3e-6, "margin_hw": 1.9,
                                      "replicates": [0.990001, 0.9900023, 0.9900036]}]}}
    lem = {**base, "claim_id": "fpc.fixture-remark", "paper": "fpc", "verdict": "fails", "title": "Fixture: formula holds, remark fails",
           "notes": "the remark fails in the convergence stage",
           "numeric": {"status": "fails",
                       "predictions": [{"name": "max_rel_err", "op": "<=", "threshold": 1e-10, "rule": "max_rel_err <= 1e-10",
                                        "statement": "the formula equals autograd's gradient"},
                                       {"name": "max_ratio", "op": "<=", "threshold": 1.0, "rule": "max_ratio <= 1",
                                        "statement": "the projected PP gradient is at most the FP gradient"}],
                       "outcomes": [{"name": "max_rel_err", "measured": 3e-16, "outcome": "holds"},
                                    {"name": "max_ratio", "measured": 2.112, "outcome": "fails", "margin": -1.112}]}}
    return [runs, edge, lem]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    exe = _chromium()
    if exe is None:
        pytest.skip("headless Chromium not found (looked for $CHROMIUM, " + ", ".join(BROWSERS) +
                    " on PATH); install Debian's `chromium` package, as .ci/run does, to run this test")
    out = tmp_path_factory.mktemp("browser")
    res = out / "results"
    shutil.copytree(FIXTURES, res)
    for r in _extra_results():
        store.write_result(res, r)
    html = write_report(res, out / "report.html", expected=())
    b = Browser(exe, out / "profile")
    try:
        b.open(html.as_uri())
        yield b, html
    finally:
        b.close()


def _fixture_results() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))] + _extra_results()


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


# ----------------------------------------------------------------------------- what a reader must not misread
def _metrics(b: Browser, width: int, height: int = 900) -> None:
    b.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                  "mobile": False})


def test_runs_keep_their_own_steps_and_a_borderline_value_shows_its_digits(page):
    b, html = page
    b.navigate(html.as_uri())
    fig = "#claim-fpc-fixture-runs figure.plot"
    b.click(f"{fig} details summary")                                        # the table is drawn when opened
    b.js(f"new Promise(r => {{ const t = Date.now(); (function w() {{ if (document.querySelector('{fig} table.data') "
         "|| Date.now() - t > 3000) r(); else setTimeout(w, 20); })(); })")
    steps = b.js(f"[...document.querySelectorAll('{fig} table.data tbody tr')].map(r => r.cells[0].textContent)")
    assert steps == ["0", "50", "100", "150", "200", "250"]                   # steps, never row numbers
    assert b.js(f"document.querySelector('{fig} figcaption').textContent").count("own last step") == 1
    assert b.js(f"document.querySelector('{fig} img').naturalWidth") > 0
    cell = b.js("document.querySelector('#claims-table tr[data-id=\"fpc.fixture-edge\"]').cells[7].textContent")
    assert "0.9900023" in cell and "borderline" in cell
    findings = b.js("document.getElementById('findings').textContent")
    assert "fpc.fixture-edge" in findings and "+2.3e-06" in findings
    lines = b.js("[...document.querySelectorAll('#claim-fpc-fixture-remark ul.outcomes li')].map(l => l.textContent)")
    assert len(lines) == 2 and "holds" in lines[0] and "fails" in lines[1]
    why = b.js("document.querySelector('#claim-fpc-fixture-remark .why-text').textContent")
    assert "1 of 2 predictions fail" in why


def test_table_header_stays_visible_while_the_table_scrolls(page):
    b, html = page
    _metrics(b, 1400, 420)
    b.navigate(html.as_uri())
    b.js("document.getElementById('table-wrap').scrollIntoView()")
    gap = b.js("(() => { const w = document.getElementById('table-wrap'); w.scrollTop = 150; "
               "const th = document.querySelector('#claims-table thead th'); "
               "return [w.scrollTop, th.getBoundingClientRect().top - w.getBoundingClientRect().top]; })()")
    assert gap[0] > 0, "the table box does not scroll: nothing to test"
    assert abs(gap[1]) <= 2, f"the header scrolled away ({gap[1]} px from the top of its box)"
    _metrics(b, 1280, 900)


def test_a_linked_claim_is_shown_even_when_the_filter_hides_its_verdict(page):
    b, html = page
    b.navigate(html.as_uri() + "?verdict=fails#claim-fpc-fixture-edge")
    state = b.js("(() => { const s = document.getElementById('claim-fpc-fixture-edge'); const r = s.getBoundingClientRect(); "
                 "return [s.hidden, r.top, r.height, innerHeight]; })()")
    assert state[0] is False and state[2] > 0 and 0 <= state[1] < state[3], f"linked claim not in view: {state}"
    assert b.js("document.getElementById('f-notice').hidden") is False
    b.navigate(html.as_uri() + "?verdict=bogus")
    n = len(_fixture_results())
    assert b.js("document.querySelectorAll('#claims-table tbody tr:not([hidden])').length") == n
    assert "bogus" in b.js("document.getElementById('f-notice').textContent")


def test_print_keeps_the_verdict_cards(page):
    b, html = page
    b.navigate(html.as_uri())
    b.send("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        cards = b.js("[...document.querySelectorAll('#verdict-counts .card')].map(c => [getComputedStyle(c).display, "
                     "c.getBoundingClientRect().height])")
    finally:
        b.send("Emulation.setEmulatedMedia", {"media": ""})
    assert len(cards) == 6 and all(d != "none" and h > 0 for d, h in cards)


def test_sort_is_keyboard_reachable_and_kept_in_the_url(page):
    b, html = page
    b.navigate(html.as_uri())
    b.js("document.querySelector('#claims-table th[data-key=\"time\"] button').focus()")
    assert b.js("document.activeElement.tagName") == "BUTTON"
    for kind in ("keyDown", "keyUp"):
        b.send("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13,
                                          **({"text": "\r"} if kind == "keyDown" else {})})
    assert b.js("document.querySelector('#claims-table th[data-key=\"time\"]').getAttribute('aria-sort')") == "ascending"
    assert "sort=time" in b.js("location.search")
    b.navigate(b.js("location.href"))                                       # reload the link
    assert b.js("document.querySelector('#claims-table th[data-key=\"time\"]').getAttribute('aria-sort')") == "ascending"
    times = b.js("[...document.querySelectorAll('#claims-table tbody tr')].map(r => parseFloat(r.cells[8].dataset.sort))")
    assert times == sorted(times)
    b.navigate(html.as_uri())


def test_search_reads_statements_and_quotes(page):
    b, html = page
    b.navigate(html.as_uri())
    b.js("(() => { const t = document.getElementById('f-text'); t.value = 'zebra-striped'; "
         "t.dispatchEvent(new Event('input')); })()")
    assert b.js("[...document.querySelectorAll('#claims-table tbody tr:not([hidden])')].map(r => r.dataset.id)") == [
        "fpc.fixture-edge"]
    b.navigate(html.as_uri())


def test_phone_width_has_no_horizontal_page_scroll_and_screenshots(page):
    b, html = page
    _metrics(b, 1400, 3000)
    b.navigate(html.as_uri())
    _save(b, html, "report-1400.png")
    b.js("document.getElementById('claim-fpc-fixture-remark').scrollIntoView()")
    _save(b, html, "report-1400-claim.png")
    _metrics(b, 390, 3000)
    b.navigate(html.as_uri())
    widths = b.js("[document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]")
    wide = b.js("[...document.querySelectorAll('body *')].filter(e => { const r = e.getBoundingClientRect(); "
                "return r.width && r.right > innerWidth + 1 && !e.closest('.table-wrap, .scroll, .papers-wrap, "
                ".graph-box, pre, .math'); }).slice(0, 5).map(e => e.tagName + '.' + e.className)")
    assert widths[0] <= 390 and widths[1] <= 390, f"the page scrolls sideways at 390 px: {widths}, e.g. {wide}"
    _save(b, html, "report-390.png")
    b.js("document.getElementById('claim-fpc-fixture-remark').scrollIntoView()")
    _save(b, html, "report-390-claim.png")
    assert (html.parent / "report-390.png").exists() and (html.parent / "report-1400.png").exists()
    _metrics(b, 1280, 900)
    b.navigate(html.as_uri())


def test_focus_view_shows_a_claim_with_its_ancestors_and_dependents(page):
    b, html = page
    b.navigate(html.as_uri())
    b.click('#claim-tlc-fixture-eym a.focus-link')
    dim = b.js("[...document.querySelectorAll('svg.depgraph g.gnode')].filter(g => !g.classList.contains('dim'))"
               ".map(g => g.dataset.id).sort()")
    assert dim == ["fpc.fixture-sweep", "tlc.asm4.1", "tlc.fixture-error", "tlc.fixture-eym"]  # up: 2, down: 1
    assert "focus=tlc.fixture-eym" in b.js("location.search")
    assert b.js("document.getElementById('graph-focus').hidden") is False
    b.click("#graph-unfocus")
    assert b.js("document.querySelectorAll('svg.depgraph g.dim').length") == 0
    errors = [e for e in b.events if e.get("method") == "Runtime.exceptionThrown"]
    assert errors == []


def test_a_claims_measurements_download_as_csv_and_json(page):
    b, html = page
    b.navigate(html.as_uri())
    b.js("window.__blobs = []; const make = URL.createObjectURL; "
         "URL.createObjectURL = x => { window.__blobs.push(x); return make(x); }")
    b.click('#claim-fpc-fixture-edge button.dl[data-format="csv"]')
    b.click('#claim-fpc-fixture-edge button.dl[data-format="json"]')
    csv, doc = b.js("Promise.all(window.__blobs.map(x => x.text()))")
    lines = csv.splitlines()
    assert lines[0].startswith("name,rule,outcome,measured,interval_lo,interval_hi,margin")
    assert lines[1].startswith("min_attn,min_attn >= 0.99,holds,0.9900023,0.9900011,0.9900035,0.0000023")
    assert json.loads(doc)["predictions"][0]["replicates"] == [0.990001, 0.9900023, 0.9900036]
