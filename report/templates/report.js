/* Filtering, sorting, downloads and the graph's focus view; no network, no dependencies.
   State lives in the query string (?verdict=fails,error&paper=fpc&q=text&sort=time&dir=desc
   &focus=ID) so a view can be linked or reloaded. */
(function () {
  "use strict";
  var table = document.getElementById("claims-table");
  if (!table) return;
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var boxes = Array.prototype.slice.call(document.querySelectorAll('#filters input[name="verdict"]'));
  var paper = document.getElementById("f-paper");
  var text = document.getElementById("f-text");
  var count = document.getElementById("f-count");
  var notice = document.getElementById("f-notice");
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.claim"));
  var ORDER = {fails: 0, error: 1, inconclusive: 2, skipped: 3, holds: 4};
  var sortKey = null, sortDir = 1, focusId = null;

  function matches(el, verdicts, p, q) {
    return verdicts[el.dataset.verdict] === true && (!p || el.dataset.paper === p) &&
      (!q || (el.textContent + " " + (el.dataset.text || "")).toLowerCase().indexOf(q) >= 0);
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
    if (sortKey) { params.set("sort", sortKey); params.set("dir", sortDir === 1 ? "asc" : "desc"); }
    if (focusId) params.set("focus", focusId);
    var qs = params.toString();
    try { history.replaceState(null, "", (qs ? "?" + qs : location.pathname) + location.hash); } catch (e) { /* file: URLs may refuse */ }
  }

  function say(msg) {
    if (!notice) return;
    notice.textContent = msg || "";
    notice.hidden = !msg;
  }

  function loadState() {
    var params = new URLSearchParams(location.search), problems = [];
    if (params.has("verdict")) {
      var known = boxes.map(function (b) { return b.value; });
      var want = params.get("verdict").split(",").map(function (v) { return v.trim(); }).filter(Boolean);
      var bad = want.filter(function (v) { return known.indexOf(v) < 0; });
      var good = want.filter(function (v) { return known.indexOf(v) >= 0; });
      if (bad.length) problems.push("unknown verdict " + bad.map(function (v) { return "“" + v + "”"; }).join(", ") +
        " in the link (known: " + known.join(", ") + ")" + (good.length ? "; it is ignored" : "; showing every verdict"));
      if (good.length) boxes.forEach(function (b) { b.checked = good.indexOf(b.value) >= 0; });
    }
    if (params.has("paper")) {
      var pv = params.get("paper");
      if (Array.prototype.some.call(paper.options, function (o) { return o.value === pv; })) paper.value = pv;
      else problems.push("unknown paper “" + pv + "” in the link; showing every paper");
    }
    if (params.has("q")) text.value = params.get("q");
    if (params.has("sort")) {
      var th = heads.filter(function (h) { return h.dataset.key === params.get("sort"); })[0];
      if (th) sortBy(th, params.get("dir") === "desc" ? -1 : 1);
      else problems.push("unknown sort column “" + params.get("sort") + "” in the link");
    }
    if (params.has("focus")) focus(params.get("focus"), false);
    say(problems.join(". "));
  }

  function only(verdict) {
    boxes.forEach(function (b) { b.checked = b.value === verdict; });
    say("");
    apply(true);
    document.getElementById("table").scrollIntoView();
  }

  function sortBy(th, dir) {
    var idx = heads.indexOf(th);
    var type = th.dataset.type;
    if (!dir) dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    sortKey = th.dataset.key; sortDir = dir;
    function key(r) {
      var cell = r.cells[idx], v = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
      if (type === "verdict") return ORDER[v] !== undefined ? ORDER[v] : 9;
      if (type === "num") { var x = parseFloat(v); return isNaN(x) ? Infinity : x; }
      return v.toLowerCase();
    }
    rows.sort(function (a, b) { var ka = key(a), kb = key(b); return ka < kb ? -dir : ka > kb ? dir : 0; });
    rows.forEach(function (r) { tbody.appendChild(r); });
  }

  // reveal a linked claim that the filter hides, and bring it into view
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (!el) return;
    var sec = el.closest ? el.closest("section.claim") : null;
    if (sec && sec.hidden) {
      sec.hidden = false;
      var row = rows.filter(function (r) { return r.dataset.id === sec.dataset.id; })[0];
      if (row) row.hidden = false;
      say("Showing " + sec.dataset.id + " (linked) although the filter hides its verdict.");
    }
    el.scrollIntoView();
  }

  // the graph: a claim with its ancestors and dependents, the rest dimmed
  var svg = document.querySelector("svg.depgraph");
  function focus(id, scroll) {
    if (!svg) return;
    var nodes = svg.querySelectorAll("g.gnode"), edges = svg.querySelectorAll(".gedge");
    focusId = id || null;
    var label = document.getElementById("graph-focus");
    if (!id) {
      each(nodes, function (n) { n.classList.remove("dim", "focus"); });
      each(edges, function (e) { e.classList.remove("dim"); });
      if (label) label.hidden = true;
      return;
    }
    var up = {}, down = {}, keep = {};
    function walk(start, from, to, seen) {
      var stack = [start];
      while (stack.length) {
        var cur = stack.pop();
        each(edges, function (e) {
          if (e.dataset[from] === cur && !seen[e.dataset[to]]) { seen[e.dataset[to]] = true; stack.push(e.dataset[to]); }
        });
      }
    }
    walk(id, "to", "from", up);
    walk(id, "from", "to", down);
    keep[id] = true;
    Object.keys(up).forEach(function (k) { keep[k] = true; });
    Object.keys(down).forEach(function (k) { keep[k] = true; });
    each(nodes, function (n) { n.classList.toggle("dim", !keep[n.dataset.id]); n.classList.toggle("focus", n.dataset.id === id); });
    each(edges, function (e) { e.classList.toggle("dim", !(keep[e.dataset.from] && keep[e.dataset.to])); });
    if (label) {
      label.hidden = false;
      label.querySelector("span").textContent = id + ": " + Object.keys(up).length + " ancestor(s), " +
        Object.keys(down).length + " dependent(s)";
    }
    if (scroll) document.getElementById("graph").scrollIntoView();
  }

  var cache = {};
  function claimData(id) {
    if (cache[id]) return cache[id];
    var node = document.querySelector('script.claim-data[data-id="' + id + '"]');
    return node ? (cache[id] = JSON.parse(node.textContent)) : null;
  }

  // a plot's numbers, drawn from the embedded data the first time its <details> opens
  function fillTable(d) {
    var box = d.querySelector(".scroll");
    if (!box || box.querySelector("table")) return;
    var doc = claimData(d.dataset.id), t = doc && doc.series[d.dataset.series];
    if (!t) return;
    var table = document.createElement("table"), head = table.createTHead().insertRow(), body = table.createTBody();
    table.className = "data";
    t.columns.forEach(function (c) { var th = document.createElement("th"); th.textContent = c; head.appendChild(th); });
    t.rows.forEach(function (r) { var tr = body.insertRow(); r.forEach(function (v) { tr.insertCell().textContent = v; }); });
    box.textContent = "";
    box.appendChild(table);
  }
  each(document.querySelectorAll("details.series-data"), function (d) {
    d.addEventListener("toggle", function () { if (d.open) fillTable(d); });
    if (d.open) fillTable(d);
  });

  function download(id, format) {
    var doc = claimData(id), body, type;
    if (!doc) return;
    if (format === "csv") {
      var cols = ["name", "rule", "outcome", "measured", "interval_lo", "interval_hi", "margin", "margin_hw",
                  "interval_method", "flaky", "replicates"];
      var q = function (v) { v = v === undefined || v === null ? "" : String(v); return /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; };
      body = cols.join(",") + "\n" + doc.predictions.map(function (p) {
        var iv = p.interval || [];
        return [p.name, p.rule, p.outcome, p.measured, iv[0], iv[1], p.margin, p.margin_hw, p.interval_method,
                p.flaky, (p.replicates || []).join(" ")].map(q).join(",");
      }).join("\n") + "\n";
      type = "text/csv";
    } else {
      body = JSON.stringify(doc, null, 1);
      type = "application/json";
    }
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([body], {type: type}));
    a.download = id + "." + format;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  boxes.forEach(function (b) { b.addEventListener("change", function () { say(""); apply(true); }); });
  paper.addEventListener("change", function () { apply(true); });
  text.addEventListener("input", function () { apply(true); });
  document.getElementById("f-reset").addEventListener("click", function () {
    boxes.forEach(function (b) { b.checked = true; }); paper.value = ""; text.value = ""; say(""); apply(true);
  });
  each(document.querySelectorAll("#verdict-counts button[data-only]"), function (btn) {
    btn.addEventListener("click", function () { only(btn.dataset.only); });
  });
  heads.forEach(function (th) {
    th.addEventListener("click", function () { sortBy(th); saveState(); });
  });
  each(document.querySelectorAll("button.copy"), function (btn) {
    btn.addEventListener("click", function () {
      try { navigator.clipboard.writeText(btn.dataset.cmd); btn.textContent = "copied"; } catch (e) { btn.textContent = "select the command"; }
    });
  });
  each(document.querySelectorAll("button.dl"), function (btn) {
    btn.addEventListener("click", function () { download(btn.dataset.id, btn.dataset.format); });
  });
  each(document.querySelectorAll("a.focus-link"), function (a) {
    a.addEventListener("click", function (ev) { ev.preventDefault(); focus(a.dataset.focus, true); saveState(); });
  });
  var clear = document.getElementById("graph-unfocus");
  if (clear) clear.addEventListener("click", function () { focus(null); saveState(); });
  function setDetails(open) { each(document.querySelectorAll("section.claim details"), function (d) { d.open = open; if (open && d.classList.contains("series-data")) fillTable(d); }); }
  var ex = document.getElementById("expand-all"), co = document.getElementById("collapse-all");
  if (ex) ex.addEventListener("click", function () { setDetails(true); });
  if (co) co.addEventListener("click", function () { setDetails(false); });
  window.addEventListener("hashchange", reveal);
  loadState();
  apply(false);
  if (location.hash) reveal();
})();
