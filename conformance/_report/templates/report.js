/* The support table's filters and cell details. No network, no innerHTML with data: every text from the
   results is set with textContent. The state lives in the URL fragment, so any view can be shared:
   #area=sockets,dns&runtime=gevent&os=linux&outcome=fail&kind=bug&q=tls&diff=1&cell=sockets.tcp_echo/gevent/linux
   The outcome and kind filters are cell filters: a row shows when one of its shown cells has a chosen
   outcome and (both chosen) a chosen kind. A comparison of two runtimes (#compare=gevent,asyncio, and
   &on=<platform id> for one platform) is computed here from the same data, by the rules of
   conformance/_report/compare.py (which writes compare-A-B.md; the browser test checks the two agree). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var FILTERS = ["area", "runtime", "os", "outcome", "kind"];
  var KINDS = ["bug", "design", "unclassified"];
  var table = document.getElementById("support");
  var rows = Array.prototype.slice.call(table.querySelectorAll("tr.row"));
  var groups = Array.prototype.slice.call(table.querySelectorAll("tbody[data-area]"));
  var osHeads = Array.prototype.slice.call(table.querySelectorAll("tr.h-os th"));
  var scoreCells = Array.prototype.slice.call(table.querySelectorAll("td.score"));
  var runtimeHeads = Array.prototype.slice.call(table.querySelectorAll("th.rt-head"));
  var columnStyle = document.createElement("style");
  document.head.appendChild(columnStyle);
  var columns = osHeads.map(function (th, i) {
    var cell = table.querySelector("td.cell.c-" + i);
    return { index: i, runtime: cell ? cell.getAttribute("data-rt") : "", os: cell ? cell.getAttribute("data-os") : "" };
  });
  var state = emptyState();

  function emptyState() {
    return { area: [], runtime: [], os: [], outcome: [], kind: [], q: "", diff: false, cell: null,
             compare: [], on: "" };
  }

  function readHash() {
    var s = emptyState();
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    FILTERS.forEach(function (name) {
      var value = params.get(name);
      s[name] = value ? value.split(",").filter(Boolean) : [];
    });
    s.q = params.get("q") || "";
    s.diff = params.get("diff") === "1";
    s.cell = params.get("cell") || null;
    var pair = (params.get("compare") || "").split(",").filter(Boolean);
    s.compare = pair.length === 2 ? pair : [];
    s.on = params.get("on") || "";
    return s;
  }

  function encode(value) {
    return encodeURIComponent(value).replace(/%2F/g, "/").replace(/%2C/g, ",");
  }

  function hashOf(s) {
    var parts = [];
    FILTERS.forEach(function (name) {
      if (s[name].length) parts.push(name + "=" + s[name].map(encode).join(","));
    });
    if (s.q) parts.push("q=" + encode(s.q));
    if (s.diff) parts.push("diff=1");
    if (s.compare.length) parts.push("compare=" + s.compare.map(encode).join(","));
    if (s.on) parts.push("on=" + encode(s.on));
    if (s.cell) parts.push("cell=" + encode(s.cell));
    return "#" + parts.join("&");
  }

  function go(s, addToHistory) {
    // Apply at once, then put the state in the URL (whose hashchange finds nothing new to do).
    state = s;
    apply();
    var hash = hashOf(s);
    if (hash === location.hash || (hash === "#" && !location.hash)) return;
    if (addToHistory) location.hash = hash; else location.replace(hash);
  }

  function has(list, value) { return list.indexOf(value) >= 0; }

  function words(text) { return text ? text.split(" ").filter(Boolean) : []; }

  function columnVisible(c) {
    return (!state.runtime.length || has(state.runtime, c.runtime)) && (!state.os.length || has(state.os, c.os));
  }

  function apply() {
    var visible = columns.map(columnVisible);
    columnStyle.textContent = columns.filter(function (c) { return !visible[c.index]; })
      .map(function (c) { return ".c-" + c.index + "{display:none}"; }).join("\n");
    runtimeHeads.forEach(function (th) {
      var rt = th.getAttribute("data-rt");
      var span = columns.filter(function (c) { return c.runtime === rt && visible[c.index]; }).length;
      th.hidden = span === 0;
      if (span) th.colSpan = span;
    });
    var query = state.q.trim().toLowerCase();
    var shown = 0;
    var counts = columns.map(function () {
      var c = { pass: 0, counted: 0, kinds: {} };
      KINDS.forEach(function (k) { c.kinds[k] = 0; });
      return c;
    });
    rows.forEach(function (tr) {
      var show = (!state.area.length || has(state.area, tr.getAttribute("data-area"))) &&
        (!query || tr.getAttribute("data-text").indexOf(query) >= 0) &&
        (!state.diff || tr.getAttribute("data-uniform") === "0");
      var cells = tr.querySelectorAll("td.cell");
      if (show && (state.outcome.length || state.kind.length)) {
        show = false;
        for (var i = 0; i < cells.length && !show; i++) {
          if (!visible[i]) continue;
          var outs = cells[i].getAttribute("data-out").split(" ");
          var kinds = words(cells[i].getAttribute("data-kind"));
          show = (!state.outcome.length || outs.some(function (o) { return has(state.outcome, o); })) &&
            (!state.kind.length || kinds.some(function (k) { return has(state.kind, k); }));
        }
      }
      tr.hidden = !show;
      if (show) {
        shown++;
        var mistake = tr.classList.contains("mistake");
        for (var j = 0; j < cells.length; j++) {
          var score = cells[j].getAttribute("data-score");
          if (score !== "excluded") counts[j].counted++;
          if (score === "pass") counts[j].pass++;
          // A documented mistake's cells are shown, and counted in neither the score nor the kinds.
          if (!mistake) words(cells[j].getAttribute("data-kind")).forEach(function (k) {
            if (own(counts[j].kinds, k) !== undefined) counts[j].kinds[k]++;
          });
        }
      }
    });
    groups.forEach(function (tbody) {
      tbody.hidden = !tbody.querySelector("tr.row:not([hidden])");
    });
    scoreCells.forEach(function (td, i) {
      var c = counts[i];
      td.querySelector(".pct").textContent = c.counted ? Math.round(100 * c.pass / c.counted) + "%" : "–";
      td.querySelector(".formula").textContent = "= " + c.pass + " / " + c.counted;
      Array.prototype.forEach.call(td.querySelectorAll(".kind-count"), function (span) {
        span.querySelector("b").textContent = String(c.kinds[span.getAttribute("data-kind")] || 0);
      });
    });
    document.getElementById("shown").textContent = "Showing " + shown + " of " + rows.length + " scenarios";
    document.getElementById("nothing").hidden = shown > 0;
    var search = document.getElementById("q");
    if (document.activeElement !== search) search.value = state.q;
    document.getElementById("diff-only").checked = state.diff;
    Array.prototype.forEach.call(document.querySelectorAll(".chips"), function (group) {
      var name = group.getAttribute("data-filter");
      Array.prototype.forEach.call(group.querySelectorAll(".chip"), function (chip) {
        chip.setAttribute("aria-pressed", has(state[name], chip.getAttribute("data-value")) ? "true" : "false");
      });
    });
    renderCompare();
    showDetails();
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function badge(outcome) {
    var look = own(data.looks, outcome) || { symbol: "?", css: "not-run", word: outcome };
    return el("span", "badge o-" + look.css, look.symbol + " " + look.word);
  }

  function safeLink(url, text) {
    if (/^https?:\/\//i.test(url)) {
      var a = el("a", "", text || url);
      a.href = url;
      a.rel = "noopener";
      return a;
    }
    return el("span", "", url);
  }

  function field(dl, name, value) {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", "", name));
    var dd = el("dd");
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    dl.appendChild(dd);
  }

  function number(value, unit) {
    var digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
    return value.toFixed(digits) + (unit ? " " + unit : "");
  }

  // Bug or design: the kind of a non-pass cell, the upstream issue (or "not yet reported"), the
  // release that fixed it, and the reproducer with the commands that run it.
  function deviationFields(dl, entry) {
    var expectation = entry.expectation || {};
    if (entry.kind) {
      var kind = el("span", "");
      kind.appendChild(el("span", "kind k-" + (KINDS.indexOf(entry.kind) >= 0 ? entry.kind : "unclassified"), entry.kind));
      if (entry.kind === "unclassified") {
        kind.appendChild(document.createTextNode(expectation.outcome === entry.outcome && !expectation.predicted ?
          " its expectation does not say bug or design" : " no observed expectation covers this outcome"));
      }
      field(dl, "kind", kind);
    }
    if (expectation.issue) {
      field(dl, "issue", /^https?:\/\//i.test(expectation.issue) ? safeLink(expectation.issue) :
        el("span", expectation.issue === "not yet reported" ? "unreported" : "", expectation.issue));
    }
    field(dl, "fixed in", expectation.fixed_in);
    if (expectation.intermittent) {
      field(dl, "intermittent", el("span", "", "shows in some runs only: a pass is as expected, and so is " +
        expectation.outcome));
    }
    if (entry.repro) {
      var repro = el("div", "repro");
      repro.appendChild(el("span", "", entry.repro.path));
      repro.appendChild(el("code", "", entry.repro.command));
      repro.appendChild(el("code", "", entry.repro.script));
      field(dl, "reproducer", repro);
    }
  }

  function entryNode(entry) {
    var platform = own(data.platforms, entry.platform) || { label: entry.platform, python: "", arch: "" };
    var box = el("section", "entry");
    var head = el("h3", "o-" + ((own(data.looks, entry.outcome) || {}).css || "not-run"));
    head.appendChild(badge(entry.outcome));
    head.appendChild(el("span", "plat", platform.python + " " + platform.arch));
    head.appendChild(el("code", "muted", entry.platform));
    box.appendChild(head);
    var body = el("div", "fields");
    var dl = el("dl");
    if (entry.outcome === "not-run") {
      field(dl, "result", "no run document for this platform has this cell");
    }
    field(dl, "reason", entry.reason);
    if (entry.expectation) {
      var same = entry.expectation.outcome === entry.outcome;
      // An error, timeout or crash is red whatever was predicted (as the verdict says): not a refutation.
      var broken = entry.harness_error || ["error", "timeout", "crash"].indexOf(entry.outcome) >= 0;
      var refuted = entry.expectation.predicted && !same && !broken;
      var known = el("span", same ? "known" : (refuted ? "refuted" : "unexpected"));
      if (entry.expectation.predicted) {
        // A prediction is never shown as if it were the result: the outcome above is what was observed.
        known.textContent = (same ? "predicted and now observed (confirmed): " :
          (refuted ? "prediction refuted: predicted " : "unexpected: predicted ") + entry.expectation.outcome +
          ": ") + entry.expectation.reason + " ";
      } else {
        known.textContent = (same ? "known deviation: " :
          "expected " + entry.expectation.outcome + ": ") + entry.expectation.reason + " ";
      }
      known.appendChild(safeLink(entry.expectation.link));
      field(dl, entry.expectation.predicted ? "prediction" : "expectation", known);
    } else if (entry.expected && entry.expected !== entry.outcome) {
      field(dl, "expectation", el("span", "unexpected", "unexpected: expected " + entry.expected));
    }
    deviationFields(dl, entry);
    if (entry.harness_error) field(dl, "harness", "a harness error: not a finding about the runtime");
    field(dl, "runtime version", entry.version);
    if (entry.duration_s !== undefined) field(dl, "wall time", number(entry.duration_s, "s"));
    if (entry.max_stall_ms !== undefined) field(dl, "max stall", number(entry.max_stall_ms, "ms"));
    if (entry.measurements) {
      var t = el("table");
      Object.keys(entry.measurements).sort().forEach(function (k) {
        var tr = el("tr");
        tr.appendChild(el("td", "", k));
        tr.appendChild(el("td", "", String(entry.measurements[k])));
        t.appendChild(tr);
      });
      field(dl, "measurements", t);
    }
    field(dl, "started", platform.started_at);
    if (platform.ci_job_url) field(dl, "CI job", safeLink(platform.ci_job_url));
    field(dl, "error", entry.message);
    body.appendChild(dl);
    if (entry.stack) {
      var details = el("details");
      details.open = true;
      details.appendChild(el("summary", "", "stack of the child"));
      details.appendChild(el("pre", "stack", entry.stack));
      body.appendChild(details);
    }
    if (entry.more) {
      Object.keys(entry.more).sort().forEach(function (k) {
        var more = el("details");
        more.appendChild(el("summary", "", k));
        more.appendChild(el("pre", "", entry.more[k]));
        body.appendChild(more);
      });
    }
    if (entry.history && entry.history.length) {
      var h = el("details", "history");
      h.open = true;
      h.appendChild(el("summary", "", "History (" + entry.history.length + " change" + (entry.history.length > 1 ? "s" : "") + ")"));
      var ol = el("ol", "history");
      entry.history.forEach(function (change) {
        var li = el("li");
        li.appendChild(el("span", "muted", (change.when || "unknown date") + (change.version ? " · " + change.version : "") + ": "));
        if (change.old) { li.appendChild(badge(change.old)); li.appendChild(document.createTextNode(" → ")); }
        else li.appendChild(document.createTextNode("first seen "));
        li.appendChild(badge(change["new"]));
        ol.appendChild(li);
      });
      h.appendChild(ol);
      body.appendChild(h);
    }
    box.appendChild(body);
    return box;
  }

  function own(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
  }


  // -- two runtimes side by side: the rules of conformance/_report/compare.py --------------------------

  var IGNORED = ["unavailable", "skipped", "not-run"];  // cells that observed no behaviour
  var FINDINGS = ["blocking", "fail", "unsupported", "error", "timeout", "crash"];
  var pickA = document.getElementById("cmp-a");
  var pickB = document.getElementById("cmp-b");
  var pickOn = document.getElementById("cmp-on");
  var compareBox = document.getElementById("cmp-result");
  var compared = null;  // the pair and platform the box shows

  function observed(found) { return !!found && IGNORED.indexOf(found.entry.outcome) < 0; }

  // runtime's entries of a scenario on the platforms compared: platform id -> {entry, cell}
  function entriesOf(scenario, runtime, platforms) {
    var found = {};
    data.oses.forEach(function (os) {
      var id = scenario + "/" + runtime + "/" + os;
      (own(data.cells, id) || []).forEach(function (entry) {
        if (has(platforms, entry.platform)) found[entry.platform] = { entry: entry, cell: id };
      });
    });
    return found;
  }

  function median(values) {
    var sorted = values.slice().sort(function (x, y) { return x - y; });
    var n = sorted.length;
    return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  // A over B: the median of the round-by-round ratios and the lowest and highest round where the rounds
  // pair (conformance._model.bench.ratio and ratio_range), else the ratio of the medians, without range.
  function pairedRatio(a, b) {
    if (!a.length || !b.length) return null;
    if (a.length === b.length && b.every(function (x) { return x !== 0; })) {
      var ratios = a.map(function (x, i) { return x / b[i]; });
      return { ratio: median(ratios), low: a.length > 1 ? Math.min.apply(null, ratios) : null,
               high: a.length > 1 ? Math.max.apply(null, ratios) : null };
    }
    var base = median(b);
    return base ? { ratio: median(a) / base, low: null, high: null } : null;
  }

  function comparison(a, b, on) {
    var platforms = on ? [on] : data.platform_order;
    var result = { a: a, b: b, platforms: platforms, differences: [], areas: [], kinds: {}, unavailable: [],
                   bench: [] };
    var seen = {};
    [a, b].forEach(function (rt) {
      result.kinds[rt] = {};
      KINDS.forEach(function (k) { result.kinds[rt][k] = 0; });
      seen[rt] = {};
    });
    data.areas.forEach(function (area) {
      var tally = { key: area.key, name: area.name, compared: 0, onlyA: 0, onlyB: 0 };
      area.scenarios.forEach(function (scenario) {
        var mistake = !!(own(data.scenarios, scenario) || {}).documented_mistake;
        var byRuntime = {};
        [a, b].forEach(function (rt) {
          byRuntime[rt] = entriesOf(scenario, rt, platforms);
          Object.keys(byRuntime[rt]).forEach(function (p) {
            var found = byRuntime[rt][p];
            if (observed(found)) seen[rt][p] = true;
            if (!mistake && found.entry.kind && own(result.kinds[rt], found.entry.kind) !== undefined) {
              result.kinds[rt][found.entry.kind]++;
            }
          });
        });
        var both = false, aPasses = false, bPasses = false;
        platforms.forEach(function (p) {
          var fa = own(byRuntime[a], p), fb = own(byRuntime[b], p);
          if (!observed(fa) || !observed(fb)) return;
          var oa = fa.entry.outcome, ob = fb.entry.outcome;
          if (oa !== ob) {
            result.differences.push({ scenario: scenario, platform: p, a: fa, b: fb, mistake: mistake });
          }
          var judged = function (o) { return o === "pass" || FINDINGS.indexOf(o) >= 0; };
          if (judged(oa) && judged(ob)) {
            both = true;
            aPasses = aPasses || (oa === "pass" && FINDINGS.indexOf(ob) >= 0);
            bPasses = bPasses || (ob === "pass" && FINDINGS.indexOf(oa) >= 0);
          }
        });
        if (!mistake) {
          tally.compared += both ? 1 : 0;
          tally.onlyA += aPasses ? 1 : 0;
          tally.onlyB += bPasses ? 1 : 0;
        }
      });
      result.areas.push(tally);
    });
    [a, b].forEach(function (rt) {
      platforms.forEach(function (p) {
        if (!seen[rt][p]) result.unavailable.push({ runtime: rt, platform: p, why: whyNothing(rt, p) });
      });
    });
    data.bench.forEach(function (section) {
      if (on && section.platform !== on) return;
      var rows = [];
      section.rows.forEach(function (row) {
        var va = own(row.values, a), vb = own(row.values, b);
        if (!va || !vb || (!va.samples && !vb.samples)) return;
        var r = va.samples && vb.samples ? pairedRatio(va.samples, vb.samples) : null;
        rows.push({ row: row, a: va, b: vb, ratio: r });
      });
      if (rows.length) result.bench.push({ section: section, rows: rows });
    });
    return result;
  }

  // Why a runtime observed nothing on a platform: its first cell's outcome and reason there.
  function whyNothing(runtime, platform) {
    for (var i = 0; i < data.areas.length; i++) {
      var scenarios = data.areas[i].scenarios;
      for (var j = 0; j < scenarios.length; j++) {
        var found = own(entriesOf(scenarios[j], runtime, [platform]), platform);
        if (found && found.entry.expected !== undefined) {
          var look = own(data.looks, found.entry.outcome) || { word: found.entry.outcome };
          return found.entry.reason ? look.word + ": " + found.entry.reason : look.word;
        }
      }
    }
    // no cell at all: a runtime unavailable on every platform of an OS has no column there
    var why = own((own(data.platforms, platform) || {}).unavailable || {}, runtime);
    return why !== undefined ? "unavailable: " + why : "no run of this platform has it";
  }

  // The differences of a scenario that say the same on several platforms (outcomes, kinds and links of
  // both sides): one row, with the first platform's reasons (compare.py's Comparison.groups).
  function groupDifferences(differences) {
    var groups = [], byKey = {};
    differences.forEach(function (d) {
      var key = JSON.stringify([d.scenario, [d.a, d.b].map(function (found) {
        var entry = found.entry;
        return [entry.outcome, entry.kind || null, entry.expectation ? entry.expectation.link : null];
      })]);
      if (!Object.prototype.hasOwnProperty.call(byKey, key)) {
        byKey[key] = { first: d, platforms: [] };
        groups.push(byKey[key]);
      }
      byKey[key].platforms.push(d.platform);
    });
    return groups;
  }

  function withinNoise(r) { return r && r.low !== null && r.low <= 1 && 1 <= r.high; }

  function ratioText(r) {
    if (!r) return "–";
    return "x" + r.ratio.toFixed(2) + (r.low === null ? "" : " [" + r.low.toFixed(2) + "-" + r.high.toFixed(2) + "]");
  }

  function makeTable(className, headings) {
    var t = el("table", "plain " + className);
    var tr = el("tr");
    headings.forEach(function (h) { tr.appendChild(el("th", "", h)); });
    var head = el("thead");
    head.appendChild(tr);
    t.appendChild(head);
    t.appendChild(el("tbody"));
    return t;
  }

  function addRow(t, values, attributes) {
    var tr = el("tr");
    Object.keys(attributes || {}).forEach(function (k) { tr.setAttribute(k, attributes[k]); });
    values.forEach(function (v) {
      var td = el("td");
      if (v instanceof Node) td.appendChild(v); else td.textContent = String(v);
      tr.appendChild(td);
    });
    t.tBodies[0].appendChild(tr);
    return tr;
  }

  function side(found) {
    var entry = found.entry;
    var box = el("div", "cmp-side");
    var open = el("a", "", "");
    open.href = "#cell=" + encode(found.cell);
    open.setAttribute("data-cell", found.cell);
    open.appendChild(badge(entry.outcome));
    box.appendChild(open);
    if (entry.reason) box.appendChild(el("span", "cmp-reason", entry.reason));
    if (entry.kind) box.appendChild(el("span", "kind k-" + (KINDS.indexOf(entry.kind) >= 0 ? entry.kind : "unclassified"), entry.kind));
    var expectation = entry.expectation;
    if (expectation) {
      box.appendChild(safeLink(expectation.link));
      if (expectation.issue && expectation.issue !== expectation.link) {
        var issue = el("span", "cmp-issue", "issue ");
        issue.appendChild(safeLink(expectation.issue));
        box.appendChild(issue);
      }
    }
    if (entry.repro) box.appendChild(el("code", "cmp-repro", entry.repro.command));
    return box;
  }

  function renderCompare() {
    var key = state.compare.join(",") + "|" + state.on;
    pickA.value = state.compare[0] || (state.compare.length ? "" : pickA.value);
    pickB.value = state.compare[1] || (state.compare.length ? "" : pickB.value);
    pickOn.value = state.on;
    document.getElementById("cmp-close").hidden = !state.compare.length;
    if (key === compared) return;
    compared = key;
    compareBox.textContent = "";
    compareBox.hidden = !state.compare.length;
    if (!state.compare.length) return;
    var a = state.compare[0], b = state.compare[1];
    var names = Array.prototype.map.call(pickA.options, function (o) { return o.value; }).filter(Boolean);
    var problem = names.indexOf(a) < 0 ? "this report has no runtime " + a :
      names.indexOf(b) < 0 ? "this report has no runtime " + b :
      a === b ? "choose two different runtimes" :
      state.on && !own(data.platforms, state.on) ? "this report has no platform " + state.on : "";
    if (problem) {
      compareBox.appendChild(el("p", "warn", "Cannot compare: " + problem + "."));
      return;
    }
    var c = comparison(a, b, state.on);
    var only = function (n) { return n + " scenario" + (n === 1 ? "" : "s"); };
    compareBox.appendChild(el("h3", "", a + " or " + b + "?"));
    compareBox.appendChild(el("p", "cmp-summary",
      a + " passes " + only(c.areas.reduce(function (n, t) { return n + t.onlyA; }, 0)) + " that " + b +
      " does not; " + b + " passes " + only(c.areas.reduce(function (n, t) { return n + t.onlyB; }, 0)) +
      " that " + a + " does not; " + c.differences.length + " cell" + (c.differences.length === 1 ? "" : "s") +
      " differ, on " + (state.on ? state.on : c.platforms.length + " platform" + (c.platforms.length === 1 ? "" : "s")) + "."));
    c.unavailable.forEach(function (u) {
      compareBox.appendChild(el("p", "muted cmp-unavailable", u.runtime + " observed nothing on " + u.platform + ": " + u.why));
    });

    var tallies = makeTable("cmp-areas", ["area", "compared", a + " passes, " + b + " does not",
                                      b + " passes, " + a + " does not"]);
    var total = { compared: 0, onlyA: 0, onlyB: 0 };
    c.areas.forEach(function (t) {
      addRow(tallies, [t.name, t.compared, t.onlyA, t.onlyB], { "data-area": t.key });
      total.compared += t.compared; total.onlyA += t.onlyA; total.onlyB += t.onlyB;
    });
    addRow(tallies, ["all", total.compared, total.onlyA, total.onlyB], { "data-area": "", "class": "total" });
    compareBox.appendChild(el("h4", "", "Where one passes and the other does not (scenarios)"));
    compareBox.appendChild(tallies);

    var kinds = makeTable("cmp-kinds", ["runtime"].concat(KINDS, ["all"]));
    [a, b].forEach(function (rt) {
      var counts = KINDS.map(function (k) { return c.kinds[rt][k]; });
      addRow(kinds, [rt].concat(counts, [counts.reduce(function (x, y) { return x + y; }, 0)]), { "data-runtime": rt });
    });
    compareBox.appendChild(el("h4", "", "Non-pass cells: bug or design"));
    compareBox.appendChild(kinds);

    compareBox.appendChild(el("h4", "", "Where their outcomes differ (" + c.differences.length + " cell" +
      (c.differences.length === 1 ? "" : "s") + "; one row per scenario where the platforms say the same)"));
    if (c.differences.length) {
      var differences = makeTable("cmp-diff", ["scenario", "platforms", a, b]);
      groupDifferences(c.differences).forEach(function (group) {
        var d = group.first;
        var scenario = own(data.scenarios, d.scenario) || { title: d.scenario };
        var name = el("div");
        name.appendChild(el("span", "s-title", scenario.title));
        name.appendChild(el("code", "s-id", d.scenario));
        if (d.mistake) name.appendChild(el("span", "s-mistake", "documented mistake, not scored"));
        var where = group.platforms.length === c.platforms.length && c.platforms.length > 1 ? "all" :
          group.platforms.map(function (id) {
            var platform = own(data.platforms, id) || { os_name: "", label: id };
            return platform.os_name + " " + platform.label;
          }).join(", ");
        addRow(differences, [name, el("span", "", where), side(d.a), side(d.b)],
            { "data-scenario": d.scenario, "data-platform": group.platforms.join(",") });
      });
      compareBox.appendChild(differences);
    } else {
      compareBox.appendChild(el("p", "", "None: on every scenario and platform compared, both have the same outcome."));
    }

    compareBox.appendChild(el("h4", "", "Bench"));
    if (!c.bench.length) compareBox.appendChild(el("p", "muted", "No bench document of the platforms compared has both runtimes."));
    c.bench.forEach(function (pair) {
      compareBox.appendChild(el("p", "muted", pair.section.heading + " (" + pair.section.source + "): " + a + " / " + b +
        ", the median of the round-by-round ratios [lowest-highest round]; within noise where the range includes 1."));
      var bench = makeTable("cmp-bench", ["workload", "figure", a, b, a + " / " + b, "better"]);
      pair.rows.forEach(function (r) {
        var text = function (v) { return v.text || (v.outcome === "pass" ? "–" : v.outcome); };
        var better = !r.ratio || r.ratio.ratio === 1 ? "–" : withinNoise(r.ratio) ? "within noise" :
          ((r.ratio.ratio > 1) === r.row.higher_better ? a : b);
        var tr = addRow(bench, [r.row.workload, r.row.figure + (r.row.higher_better ? " ↑" : " ↓"), text(r.a), text(r.b),
                             ratioText(r.ratio), better],
                     { "data-figure": r.row.workload + "/" + r.row.figure, "data-platform": pair.section.platform });
        tr.cells[4].className = "num ratio";
        if (withinNoise(r.ratio)) tr.classList.add("noise");
      });
      compareBox.appendChild(bench);
    });
  }

  var selected = null;
  function showDetails() {
    var panel = document.getElementById("details");
    var id = state.cell;
    var entries = id ? own(data.cells, id) : null;
    if (selected) { selected.classList.remove("selected"); selected = null; }
    if (!entries) { panel.hidden = true; return; }
    var parts = id.split("/");
    var scenario = own(data.scenarios, parts[0]) || { title: parts[0], description: "" };
    var runtime = parts[1], os = parts[2];
    var osName = (own(data.platforms, entries[0].platform) || {}).os_name || os;
    document.getElementById("details-title").textContent = scenario.title;
    var body = document.getElementById("details-body");
    body.textContent = "";
    var sub = el("p", "d-sub");
    sub.appendChild(el("code", "", parts[0]));
    sub.appendChild(document.createTextNode(" under "));
    sub.appendChild(el("b", "", runtime));
    sub.appendChild(document.createTextNode(" on "));
    sub.appendChild(el("b", "", osName));
    body.appendChild(sub);
    if (scenario.description) body.appendChild(el("p", "d-desc", scenario.description));
    if (scenario.documented_mistake) {
      var mistake = el("p", "d-mistake");
      mistake.appendChild(el("b", "", "Documented mistake, not scored: "));
      mistake.appendChild(document.createTextNode(scenario.documented_mistake));
      body.appendChild(mistake);
    }
    var links = el("p", "d-links");
    var permalink = el("a", "permalink", "Link to this cell");
    permalink.href = "#cell=" + encode(id);
    links.appendChild(permalink);
    links.appendChild(el("span", "muted", " · " + (own(data.agreement, parts[0]) || "")));
    body.appendChild(links);
    entries.forEach(function (entry) { body.appendChild(entryNode(entry)); });
    panel.hidden = false;
    var link = table.querySelector('a[data-cell="' + cssEscape(id) + '"]');
    if (link) {
      selected = link.parentNode;
      selected.classList.add("selected");
    }
  }

  function cssEscape(value) {
    return window.CSS && CSS.escape ? CSS.escape(value) : value.replace(/["\\]/g, "\\$&");
  }

  function copy(s) {
    var c = emptyState();
    FILTERS.forEach(function (name) { c[name] = s[name].slice(); });
    c.q = s.q; c.diff = s.diff; c.cell = s.cell; c.compare = s.compare.slice(); c.on = s.on;
    return c;
  }

  // The state with what is typed in the search box, even before its debounce has run.
  function current() {
    clearTimeout(typing);
    var s = copy(state);
    s.q = document.getElementById("q").value;
    return s;
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var link = target.closest("a[data-cell]");
    if (link) {
      event.preventDefault();
      var s = current();
      s.cell = link.getAttribute("data-cell");
      go(s, true);
      return;
    }
    var chip = target.closest(".chip");
    if (chip) {
      var name = chip.parentNode.getAttribute("data-filter");
      var value = chip.getAttribute("data-value");
      var next = current();
      var i = next[name].indexOf(value);
      if (i >= 0) next[name].splice(i, 1); else next[name].push(value);
      go(next, false);
      return;
    }
    var pairLink = target.closest("a[data-pair]");
    if (pairLink) {
      event.preventDefault();
      var picked = current();
      picked.compare = pairLink.getAttribute("data-pair").split(",");
      go(picked, true);
      return;
    }
    if (target.closest("#cmp-swap")) {
      var swapped = current();
      swapped.compare = [pickA.value, pickB.value].reverse();
      if (swapped.compare[0] && swapped.compare[1]) go(swapped, true);
      else { pickA.value = swapped.compare[0]; pickB.value = swapped.compare[1]; }
      return;
    }
    if (target.closest("#cmp-close")) {
      var closed = current();
      closed.compare = [];
      closed.on = "";
      go(closed, true);
      return;
    }
    if (target.closest("#reset, [data-reset]")) {
      // The filters only: an open cell and a comparison stay.
      var cleared = emptyState();
      cleared.cell = state.cell;
      cleared.compare = state.compare.slice();
      cleared.on = state.on;
      go(cleared, false);
      return;
    }
    if (target.closest("#details-close")) closeDetails();
  });

  function closeDetails() {
    var s = current();
    s.cell = null;
    go(s, false);
  }

  var typing = null;
  document.getElementById("q").addEventListener("input", function (event) {
    var value = event.target.value;
    clearTimeout(typing);
    typing = setTimeout(function () { var s = current(); s.q = value; go(s, false); }, 120);
  });
  document.getElementById("diff-only").addEventListener("change", function (event) {
    var s = current();
    s.diff = event.target.checked;
    go(s, false);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && state.cell) closeDetails();
  });
  [pickA, pickB, pickOn].forEach(function (select) {
    select.addEventListener("change", function () {
      var s = current();
      s.on = pickOn.value;
      // A pair goes into the URL once both runtimes are chosen; one alone waits for the other.
      s.compare = pickA.value && pickB.value ? [pickA.value, pickB.value] : state.compare.length ? [] : s.compare;
      if (!(pickA.value && pickB.value) && !state.compare.length) { s.on = state.on; }
      go(s, true);
    });
  });
  window.addEventListener("hashchange", function () {
    var s = readHash();
    if (hashOf(s) !== hashOf(state)) { state = s; apply(); }
  });

  state = readHash();
  apply();
  if (state.cell && selected) selected.scrollIntoView({ block: "center", inline: "center" });
})();
