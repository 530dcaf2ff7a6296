/* Vigil patient page: draws the vitals charts with Chart.js (vendor/chart.umd.js, served locally).
   The numbers come from the page (#chart-data, built by app/web/charts.py); every point keeps
   its report id, so Chart.getChart("chart-temperature").data shows exactly what was stored. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || !window.Chart) { return; }
  var data = JSON.parse(source.textContent);
  var LEVEL_COLOURS = { emergency: "#b00020", urgent: "#9a3412", same_day: "#854d0e", routine: "#1d4ed8" };
  var STATE_STYLES = {
    completed: { colour: "#166534", style: "circle" },
    missed: { colour: "#b00020", style: "crossRot" },
    excused: { colour: "#4b5563", style: "rect" },
    pending: { colour: "#1d4ed8", style: "rectRot" }
  };
  var RANGES = {
    temperature: { suggestedMin: 35.5, suggestedMax: 40 },
    heart_rate: { suggestedMin: 50, suggestedMax: 140 },
    systolic_bp: { suggestedMin: 70, suggestedMax: 160 },
    spo2: { suggestedMin: 85, max: 100 },
    // Headroom above 10 keeps the alert triangles off the points of a perfect score; no "11" tick.
    ice: { min: 0, max: 11, ticks: { stepSize: 1, callback: function (v) { return v <= 10 ? v : ""; } } }
  };

  function xAxis() {
    return {
      type: "linear", min: data.x.min, max: data.x.max,
      title: { display: true, text: "Day after infusion" },
      ticks: { stepSize: 1, callback: function (value) { return "D" + value; } }
    };
  }

  function levelColour(context) {
    var raw = context.raw || {};
    return LEVEL_COLOURS[raw.level] || LEVEL_COLOURS.routine;
  }

  function alertMarks() {
    return {
      type: "scatter", label: "Alerts", yAxisID: "marks",
      data: data.alerts.map(function (a) { return { x: a.x, y: 1, id: a.id, level: a.level, label: a.label }; }),
      pointStyle: "triangle", rotation: 180, radius: 7, hoverRadius: 9,
      backgroundColor: levelColour, borderColor: levelColour
    };
  }

  function tooltip(unit) {
    return {
      callbacks: {
        title: function (items) { return items.length ? items[0].raw.label : ""; },
        label: function (item) {
          if (item.dataset.yAxisID === "marks") { return "Alert " + item.raw.id + " (" + item.raw.level + ")"; }
          return item.dataset.label + ": " + item.raw.y + " " + unit;
        }
      }
    };
  }

  function vitalChart(key) {
    var series = data.series[key];
    var datasets = [{
      type: "line", label: series.title, data: series.points, parsing: { xAxisKey: "x", yAxisKey: "y" },
      borderColor: LEVEL_COLOURS.routine, backgroundColor: levelColour, pointBorderColor: levelColour,
      pointRadius: 4, borderWidth: 2, tension: 0
    }];
    if (key === "temperature") {
      datasets.push({
        type: "line", label: "Fever " + data.fever_c.toFixed(1) + " °C",
        data: [{ x: data.x.min, y: data.fever_c }, { x: data.x.max, y: data.fever_c }],
        borderColor: LEVEL_COLOURS.emergency, borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0
      });
    }
    datasets.push(alertMarks());
    var y = Object.assign({ title: { display: true, text: series.unit } }, RANGES[key] || {});
    return new window.Chart(document.getElementById("chart-" + key), {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: xAxis(), y: y, marks: { type: "linear", min: 0, max: 1.04, display: false } },
        plugins: { legend: { labels: { usePointStyle: true } }, tooltip: tooltip(series.unit) }
      }
    });
  }

  function checkInStrip() {
    var points = data.check_ins;
    return new window.Chart(document.getElementById("chart-check-ins"), {
      type: "scatter",
      data: {
        datasets: [{
          label: "Check-ins", data: points, radius: 6,
          pointStyle: points.map(function (p) { return STATE_STYLES[p.y].style; }),
          backgroundColor: points.map(function (p) { return STATE_STYLES[p.y].colour; }),
          borderColor: points.map(function (p) { return STATE_STYLES[p.y].colour; })
        }]
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: xAxis(), y: { type: "category", labels: data.check_in_rows, offset: true } },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: {
            title: function (items) { return items.length ? items[0].raw.label : ""; },
            label: function (item) { return item.raw.y + " (" + item.raw.phase + ")"; }
          } }
        }
      }
    });
  }

  Object.keys(data.series).forEach(vitalChart);
  checkInStrip();
}());
