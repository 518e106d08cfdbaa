// Draws the dashboards' charts with the vendored Chart.js. Each <canvas data-chart="KIND"
// data-source="ID"> reads its data from the json_script element with that id; the table
// beside every chart carries the same figures for screen readers and for copying.
(function () {
  "use strict";
  const ACCENT = "#3457d5";
  const SECOND = "#e07a1f";
  const BAND = "rgba(52, 87, 213, 0.18)";

  function data(canvas) {
    return JSON.parse(document.getElementById(canvas.dataset.source).textContent);
  }

  const builders = {
    bar: function (source) {
      const values = source.reviews || source.cards;
      return {
        type: "bar",
        data: { labels: source.labels, datasets: [{ label: source.reviews ? "Reviews" : "Cards", data: values, backgroundColor: ACCENT }] },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
      };
    },
    activity: function (source) {
      return {
        data: {
          labels: source.labels,
          datasets: [
            { type: "bar", label: "Answers", data: source.answers, backgroundColor: ACCENT, yAxisID: "answers" },
            { type: "line", label: "Share recalled", data: source.recall_rate, borderColor: SECOND, spanGaps: true, yAxisID: "rate" },
          ],
        },
        options: {
          scales: {
            answers: { position: "left", beginAtZero: true, ticks: { precision: 0 } },
            rate: { position: "right", min: 0, max: 1, grid: { drawOnChartArea: false } },
          },
        },
      };
    },
    workload: function (source) {
      const closest = source.labels.reduce(function (best, label, index) {
        return Math.abs(Number(label) - source.target_retention) < Math.abs(Number(source.labels[best]) - source.target_retention) ? index : best;
      }, 0);
      return {
        type: "line",
        data: {
          labels: source.labels,
          datasets: [
            { label: "5th percentile", data: source.low, borderColor: BAND, backgroundColor: BAND, pointRadius: 0, borderWidth: 1 },
            { label: "95th percentile", data: source.high, borderColor: BAND, backgroundColor: BAND, pointRadius: 0, borderWidth: 1, fill: "-1" },
            {
              label: "Mean daily reviews",
              data: source.daily_reviews,
              borderColor: ACCENT,
              pointRadius: source.labels.map(function (_, index) { return index === closest ? 7 : 3; }),
              pointBackgroundColor: source.labels.map(function (_, index) { return index === closest ? SECOND : ACCENT; }),
            },
          ],
        },
        options: {
          scales: { x: { title: { display: true, text: "Target retention (yours in orange)" } }, y: { beginAtZero: true } },
          plugins: { legend: { display: false } },
        },
      };
    },
  };

  function draw() {
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      const build = builders[canvas.dataset.chart];
      if (!build || Chart.getChart(canvas)) return;
      const config = build(data(canvas));
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options);
      new Chart(canvas, config);
      canvas.dataset.drawn = "true";
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
