// annals UI: local times, CSRF header on mutating fetches, charts (uPlot). No inline script:
// the Content-Security-Policy forbids it.
(function () {
  "use strict";

  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") || "" : "";
  }

  // Every fetch that mutates carries the CSRF token.
  window.annalsFetch = function (url, opts) {
    opts = opts || {};
    var method = (opts.method || "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") {
      opts.headers = Object.assign({}, opts.headers || {}, { "X-CSRF-Token": csrfToken() });
    }
    opts.credentials = "same-origin";
    return fetch(url, opts);
  };

  // Times in the viewer's zone; the platform's time stays in the title (hover).
  function localTimes() {
    var fmt;
    try {
      fmt = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short"
      });
    } catch (e) { return; }
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d.getTime())) { el.textContent = fmt.format(d); el.dataset.local = "1"; }
    });
  }

  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

  function draw(el, xs, series) {
    if (!window.uPlot || xs.length === 0) { return; }
    var opts = {
      width: Math.max(300, el.clientWidth || 800),
      height: 300,
      cursor: { drag: { x: true, y: false } }, // drag to zoom, double-click to reset
      scales: { x: { time: true } },
      series: [{}].concat(series.map(function (s, i) {
        return { label: s.label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true };
      })),
      axes: [{}, {}]
    };
    var data = [xs].concat(series.map(function (s) { return s.values; }));
    el.textContent = "";
    new window.uPlot(opts, data, el);
    el.dataset.drawn = "1";
  }

  // The Kaplan–Meier curve as the analysis computed it: a step function from S(0) = 1, with
  // its pointwise 95 % band. x in hours.
  function drawSurvival(el, steps) {
    if (!window.uPlot) { return; }
    var xs = [0], s = [1], lo = [1], hi = [1];
    steps.forEach(function (k) {
      xs.push(k.time_h); s.push(k.survival_prob);
      lo.push(k.ci95_low == null ? null : k.ci95_low);
      hi.push(k.ci95_high == null ? null : k.ci95_high);
    });
    var stepped = uPlot.paths && uPlot.paths.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined;
    var opts = {
      width: Math.max(300, el.clientWidth || 800),
      height: 300,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: { range: [0, 1] } },
      series: [
        { label: el.dataset.x || "h" },
        { label: el.dataset.label || "S(t)", stroke: COLORS[0], width: 2, paths: stepped },
        { label: "95 %", stroke: "#9ecae1", width: 1, dash: [4, 4], paths: stepped, spanGaps: true },
        { label: "95 %", stroke: "#9ecae1", width: 1, dash: [4, 4], paths: stepped, spanGaps: true }
      ],
      axes: [{ label: el.dataset.x || "" }, {}]
    };
    el.textContent = "";
    new window.uPlot(opts, [xs, s, lo, hi], el);
    el.dataset.drawn = "1";
  }

  // The latency histogram on its own log-spaced bins: one bar per bin, placed at the bin's
  // geometric centre on a log-scaled x axis (hours); the open last bin at twice its lower edge.
  function drawLatency(el, bins) {
    if (!window.uPlot || bins.length === 0) { return; }
    var xs = [], ys = [];
    bins.forEach(function (b) {
      var lo = b.lower_s / 3600, hi = b.upper_s == null ? null : b.upper_s / 3600;
      var x = hi == null ? lo * 2 : (lo > 0 ? Math.sqrt(lo * hi) : hi / 2);
      if (x > 0) { xs.push(x); ys.push(b.deletions); }
    });
    var bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined;
    var opts = {
      width: Math.max(300, el.clientWidth || 800),
      height: 300,
      scales: { x: { time: false, distr: 3, log: 10 } },
      series: [
        { label: el.dataset.x || "h" },
        { label: el.dataset.label || "", stroke: COLORS[1], fill: "rgba(214,39,40,0.35)", width: 1, paths: bars, points: { show: false } }
      ],
      axes: [{ label: el.dataset.x || "" }, {}]
    };
    el.textContent = "";
    new window.uPlot(opts, [xs, ys], el);
    el.dataset.drawn = "1";
  }

  // Aligns series of (t, v) points on one x axis.
  function align(list) {
    var ts = {};
    list.forEach(function (s) { s.points.forEach(function (p) { ts[p[0]] = true; }); });
    var xs = Object.keys(ts).map(Number).sort(function (a, b) { return a - b; });
    var index = {};
    xs.forEach(function (t, i) { index[t] = i; });
    var series = list.map(function (s) {
      var values = xs.map(function () { return null; });
      s.points.forEach(function (p) { values[index[p[0]]] = p[1]; });
      return { label: s.name, values: values };
    });
    return { xs: xs, series: series };
  }

  function charts() {
    document.querySelectorAll(".chart[data-src]").forEach(function (el) {
      fetch(el.dataset.src, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          var a;
          if (el.dataset.kind === "metrics") {
            a = align(j.metrics || []);
          } else if (el.dataset.kind === "trend") {
            a = align((j.series || []).map(function (s) {
              return { name: s.term, points: s.days };
            }));
          } else if (el.dataset.kind === "survival") {
            drawSurvival(el, j.survival || []);
            return;
          } else if (el.dataset.kind === "latency") {
            drawLatency(el, j.latency || []);
            return;
          } else { return; }
          draw(el, a.xs, a.series);
        })
        .catch(function () { el.dataset.error = "1"; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes();
    charts();
  });
})();
