// The control tower's own script, an enhancement like htmx (every page works without it):
// draws each chart from its JSON block (see common.chart in entrypoints/web/tower), and loads
// pages outside the tower whole (the login page when the session has ended) instead of
// swapping them into a tower page, and pages with charts reached by a link whole too.
(function () {
  "use strict";
  var PALETTE = ["#12355b", "#c25100", "#1d6b33", "#6a1b9a", "#8f0018", "#4a4a4a"];
  var DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];

  function draw(root) {
    if (typeof window.Chart !== "function") { return; }
    root.querySelectorAll("figure.chart").forEach(function (figure) {
      var canvas = figure.querySelector("canvas");
      var block = figure.querySelector("script.chart-data");
      if (!canvas || !block || canvas.dataset.drawn) { return; }
      var data = JSON.parse(block.textContent);
      var sets = data.series.map(function (s, i) {
        // colour is never the only cue: each series has its own dash pattern and point style
        return {
          label: s.label, data: s.values, borderColor: PALETTE[i % PALETTE.length],
          backgroundColor: PALETTE[i % PALETTE.length], borderDash: DASHES[i % DASHES.length],
          pointStyle: ["circle", "rect", "triangle", "crossRot"][i % 4], spanGaps: false,
          borderWidth: 2, pointRadius: 3
        };
      });
      data.lines.forEach(function (line, i) {
        sets.push({
          type: "line", label: line.label, data: data.labels.map(function () { return line.value; }),
          borderColor: PALETTE[(data.series.length + i) % PALETTE.length], borderDash: [4, 4],
          pointRadius: 0, borderWidth: 2
        });
      });
      canvas.dataset.drawn = "1";
      new window.Chart(canvas, {
        type: data.kind, data: { labels: data.labels, datasets: sets },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          plugins: { legend: { labels: { usePointStyle: true } } },
          scales: { y: { title: { display: !!data.unit, text: data.unit } } }
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var url = new URL(event.detail.xhr.responseURL || window.location.href);
    var get = (event.detail.requestConfig || {}).verb === "get";
    var charted = (event.detail.xhr.responseText || "").indexOf('class="chart-data"') !== -1;
    // outside the tower, or a page with charts reached by a link: load it whole (htmx drops
    // every <script> of a swapped page, the charts' JSON blocks too, as allowScriptTags is off)
    if (url.origin === window.location.origin &&
        (url.pathname.indexOf("/app") !== 0 || (get && charted))) {
      event.detail.shouldSwap = false;
      window.location.assign(url.href);
    }
  });
})();
