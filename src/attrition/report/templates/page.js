// attrition report: claim filters for the timeline and the time slider for the map.
// Data are inlined as JSON in <script type="application/json"> blocks; no network access.
(function () {
  "use strict";
  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var SIDE_COLOURS = readJSON("side-colours");
  var SYMBOLS = readJSON("subject-symbols");
  var STATE_COLOURS = readJSON("state-colours");

  // ---- evidence explorer ------------------------------------------------------------------
  var claims = readJSON("claims-data");
  var casualtyMetrics = readJSON("casualty-metrics");
  function selected(id) {
    var el = document.getElementById(id);
    return el ? el.value : "all";
  }
  function keep(p) {
    var metric = selected("filter-metric");
    if (metric === "casualty") { if (casualtyMetrics.indexOf(p.metric) < 0) return false; }
    else if (metric !== "all" && p.metric !== metric) return false;
    var cs = selected("filter-claimant-side");
    if (cs !== "all" && p.claimant_side !== cs) return false;
    var ss = selected("filter-subject-side");
    if (ss !== "all" && p.subject_side !== ss) return false;
    var cl = selected("filter-claimant");
    if (cl !== "all" && p.claimant !== cl) return false;
    return p.value > 0;
  }
  function drawTimeline() {
    var div = document.getElementById("timeline-fig");
    if (!div || !claims) return;
    var traces = [];
    var shown = 0;
    Object.keys(SIDE_COLOURS).forEach(function (side) {
      var pts = claims.filter(function (p) { return p.claimant_side === side && keep(p); });
      shown += pts.length;
      traces.push({
        type: "scatter", mode: "markers", name: "claimed by " + side, showlegend: false,
        x: pts.map(function (p) { return p.date; }),
        y: pts.map(function (p) { return p.value; }),
        marker: { color: SIDE_COLOURS[side], size: 9, line: { width: 0.5, color: "#222" },
                  symbol: pts.map(function (p) { return SYMBOLS[p.subject_side] || "circle"; }) },
        customdata: pts.map(function (p) {
          return [p.id, p.claimant, p.metric, p.subject_side, p.rate, p.quote]; }),
        hovertemplate: "<b>%{customdata[0]}</b> %{customdata[1]}<br>%{customdata[2]} of " +
          "%{customdata[3]} (%{customdata[4]}): %{y:,}<br><i>%{customdata[5]}</i><extra></extra>"
      });
    });
    Object.keys(SIDE_COLOURS).forEach(function (side) {  // legend: colour = claimant side
      traces.push({ type: "scatter", mode: "markers", name: "claimed by " + side, x: [null],
                    y: [null], marker: { color: SIDE_COLOURS[side], size: 9 } });
    });
    Plotly.react(div, traces, div.layout);
    var count = document.getElementById("timeline-count");
    if (count) count.textContent = shown + " claims shown";
    div.setAttribute("data-points", String(shown));
  }
  ["filter-metric", "filter-claimant-side", "filter-subject-side", "filter-claimant"].forEach(
    function (id) {
      var el = document.getElementById(id);
      if (el) el.addEventListener("change", drawTimeline);
    });

  // ---- map with time slider ---------------------------------------------------------------
  var control = readJSON("control-data");
  function drawMap(index) {
    var div = document.getElementById("map-fig");
    if (!div || !control) return;
    var date = control.dates[index];
    var colours = control.places.map(function (place) {
      return STATE_COLOURS[control.states[place][index]] || STATE_COLOURS["no report"];
    });
    var custom = control.places.map(function (place) {
      return [place, control.states[place][index]];
    });
    var hover = control.places.map(function (place) {
      return (control.hover || {})[place] ? control.hover[place][index] : place;
    });
    Plotly.restyle(
      div, { "marker.color": [colours], customdata: [custom], hovertext: [hover] }, [0]);
    var label = document.getElementById("map-date");
    if (label) label.textContent = date;
    div.setAttribute("data-date", date);
  }
  var slider = document.getElementById("map-slider");
  if (slider) {
    slider.addEventListener("input", function () { drawMap(parseInt(slider.value, 10)); });
  }
  window.addEventListener("load", function () {
    drawTimeline();
    if (slider) drawMap(parseInt(slider.value, 10));
  });
})();
