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
