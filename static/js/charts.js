/*
 * Draws the pages' charts: each [data-plotly] element names a <script type="application/json">
 * holding a plotly figure ({data, layout, config}) built on the server; plotly.js (served from
 * this site's static files) draws it. Text takes the page's colour, so charts read in dark mode
 * too. Without JavaScript the numbers stay in the table under each chart.
 */
(function () {
  "use strict";

  function draw(element, textColour) {
    var source = document.getElementById(element.dataset.plotly);
    if (!source) return;
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    layout.font = Object.assign({}, layout.font, { color: textColour });
    window.Plotly.newPlot(element, figure.data, layout, figure.config || {}).then(function () {
      element.style.minHeight = "";
      element.dataset.drawn = "true";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var charts = document.querySelectorAll("[data-plotly]");
    if (!charts.length) return;
    if (!window.Plotly) {
      charts.forEach(function (element) {
        element.textContent = "The chart could not be drawn; its numbers are in the table below.";
      });
      return;
    }
    var textColour = getComputedStyle(document.body).color;
    charts.forEach(function (element) { draw(element, textColour); });
  });
})();
