// Draws each calibration page's reliability diagrams with Chart.js from the bins the page holds as JSON.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("canvas.reliability-chart").forEach(function (canvas) {
    var bins = JSON.parse(document.getElementById(canvas.dataset.binsId).textContent);
    new Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          {label: "Observed recall", data: bins.map(function (b) { return {x: b.predicted_mean, y: b.observed_rate, count: b.count}; }), pointRadius: 5},
          {label: "Perfect calibration", data: [{x: 0, y: 0}, {x: 1, y: 1}], type: "line", borderDash: [4, 4], pointRadius: 0}
        ]
      },
      options: {
        animation: false,
        scales: {x: {min: 0, max: 1, title: {display: true, text: "Predicted recall"}}, y: {min: 0, max: 1, title: {display: true, text: "Observed recall"}}},
        plugins: {tooltip: {callbacks: {label: function (item) { var p = item.raw; return p.count === undefined ? "" : "predicted " + p.x.toFixed(3) + ", observed " + p.y.toFixed(3) + " (" + p.count + " answers)"; }}}}
      }
    });
    canvas.dataset.drawn = "true";
  });
});
