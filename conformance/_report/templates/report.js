/* The support table's filters and cell details. No network, no innerHTML with data: every text from the
   results is set with textContent. The state lives in the URL fragment, so any view can be shared:
   #area=sockets,dns&runtime=gevent&os=linux&outcome=fail&kind=bug&q=tls&diff=1&cell=sockets.tcp_echo/gevent/linux
   The outcome and kind filters are cell filters: a row shows when one of its shown cells has a chosen
   outcome and (both chosen) a chosen kind. */
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
    return { area: [], runtime: [], os: [], outcome: [], kind: [], q: "", diff: false, cell: null };
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
    c.q = s.q; c.diff = s.diff; c.cell = s.cell;
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
    if (target.closest("#reset, [data-reset]")) {
      var cleared = emptyState();
      cleared.cell = state.cell;
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
  window.addEventListener("hashchange", function () {
    var s = readHash();
    if (hashOf(s) !== hashOf(state)) { state = s; apply(); }
  });

  state = readHash();
  apply();
  if (state.cell && selected) selected.scrollIntoView({ block: "center", inline: "center" });
})();
