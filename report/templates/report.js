/* Filtering and sorting of the pass/fail table; no network, no dependencies.
   Filter state lives in the query string (?verdict=fails,error&paper=fpc&q=text) so a
   filtered view can be linked or reloaded. */
(function () {
  "use strict";
  var table = document.getElementById("claims-table");
  if (!table) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var boxes = Array.prototype.slice.call(document.querySelectorAll('#filters input[name="verdict"]'));
  var paper = document.getElementById("f-paper");
  var text = document.getElementById("f-text");
  var count = document.getElementById("f-count");
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.claim"));
  var ORDER = {fails: 0, error: 1, inconclusive: 2, skipped: 3, holds: 4};

  function matches(el, verdicts, p, q) {
    return verdicts[el.dataset.verdict] === true && (!p || el.dataset.paper === p) &&
      (!q || el.textContent.toLowerCase().indexOf(q) >= 0);
  }

  function apply(save) {
    var verdicts = {};
    boxes.forEach(function (b) { verdicts[b.value] = b.checked; });
    var p = paper.value, q = text.value.trim().toLowerCase(), shown = 0;
    rows.forEach(function (r) { var ok = matches(r, verdicts, p, q); r.hidden = !ok; if (ok) shown++; });
    var ids = {};
    rows.forEach(function (r) { if (!r.hidden) ids[r.dataset.id] = true; });
    sections.forEach(function (s) { s.hidden = !ids[s.dataset.id]; });
    count.textContent = shown + " of " + rows.length + " claims shown";
    table.dataset.shown = String(shown);
    if (save) saveState();
  }

  function saveState() {
    var params = new URLSearchParams();
    var on = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    if (on.length !== boxes.length) params.set("verdict", on.join(","));
    if (paper.value) params.set("paper", paper.value);
    if (text.value.trim()) params.set("q", text.value.trim());
    var qs = params.toString();
    try { history.replaceState(null, "", (qs ? "?" + qs : location.pathname) + location.hash); } catch (e) { /* file: URLs may refuse */ }
  }

  function loadState() {
    var params = new URLSearchParams(location.search);
    if (params.has("verdict")) {
      var want = params.get("verdict").split(",");
      boxes.forEach(function (b) { b.checked = want.indexOf(b.value) >= 0; });
    }
    if (params.has("paper")) paper.value = params.get("paper");
    if (params.has("q")) text.value = params.get("q");
  }

  function only(verdict) {
    boxes.forEach(function (b) { b.checked = b.value === verdict; });
    apply(true);
    document.getElementById("table").scrollIntoView();
  }

  function sortBy(th) {
    var idx = Array.prototype.indexOf.call(th.parentNode.children, th);
    var type = th.dataset.type, dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    function key(r) {
      var cell = r.cells[idx], v = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
      if (type === "verdict") return ORDER[v] !== undefined ? ORDER[v] : 9;
      if (type === "num") { var x = parseFloat(v); return isNaN(x) ? Infinity : x; }
      return v.toLowerCase();
    }
    rows.sort(function (a, b) { var ka = key(a), kb = key(b); return ka < kb ? -dir : ka > kb ? dir : 0; });
    rows.forEach(function (r) { tbody.appendChild(r); });
  }

  boxes.forEach(function (b) { b.addEventListener("change", function () { apply(true); }); });
  paper.addEventListener("change", function () { apply(true); });
  text.addEventListener("input", function () { apply(true); });
  document.getElementById("f-reset").addEventListener("click", function () {
    boxes.forEach(function (b) { b.checked = true; }); paper.value = ""; text.value = ""; apply(true);
  });
  Array.prototype.forEach.call(document.querySelectorAll("#verdict-counts button[data-only]"), function (btn) {
    btn.addEventListener("click", function () { only(btn.dataset.only); });
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    th.addEventListener("click", function () { sortBy(th); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (btn) {
    btn.addEventListener("click", function () {
      try { navigator.clipboard.writeText(btn.dataset.cmd); btn.textContent = "copied"; } catch (e) { btn.textContent = "select the command"; }
    });
  });
  // a link to a claim hidden by the filter reveals it
  window.addEventListener("hashchange", function () {
    var el = document.getElementById(location.hash.slice(1));
    if (el && el.hidden) { el.hidden = false; el.scrollIntoView(); }
  });
  loadState();
  apply(false);
})();
