// attrition report: claim filters for the timeline, the time slider for the map and the
// search box of the bibliography.
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
  var LABELS = readJSON("labels") || {};
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                "Dec"];
  function label(code) { return LABELS[code] || code; }
  function fmtDate(iso) {  // "2023-05-20" -> "20 May 2023", the page's one date format
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? parseInt(m[3], 10) + " " + MONTHS[parseInt(m[2], 10) - 1] + " " + m[1] : iso;
  }

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
          return [p.id, p.claimant, label(p.metric), label(p.subject_side), label(p.rate),
                  p.quote, fmtDate(p.date)]; }),
        hovertemplate: "<b>%{customdata[0]}</b> %{customdata[1]}, %{customdata[6]}<br>" +
          "%{customdata[2]} of %{customdata[3]} (%{customdata[4]}): %{y:,}<br>" +
          "<i>%{customdata[5]}</i><extra></extra>"
      });
    });
    Object.keys(SIDE_COLOURS).forEach(function (side) {  // legend: colour = claimant side
      traces.push({ type: "scatter", mode: "markers", name: "claimed by " + label(side),
                    x: [null],
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
    var shown = document.getElementById("map-date");
    if (shown) { shown.textContent = fmtDate(date); shown.setAttribute("data-date", date); }
    div.setAttribute("data-date", date);
  }
  var slider = document.getElementById("map-slider");
  if (slider) {
    slider.addEventListener("input", function () { drawMap(parseInt(slider.value, 10)); });
  }
  // ---- bibliography: search the claims --------------------------------------------------
  var search = document.getElementById("bibliography-search");
  function filterBibliography() {
    var table = document.getElementById("bibliography-table");
    if (!table || !search) return;
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var rows = table.tBodies[0].rows;
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var text = rows[i].textContent.toLowerCase();
      var ok = words.every(function (w) { return text.indexOf(w) >= 0; });
      rows[i].hidden = !ok;
      if (ok) shown += 1;
    }
    var count = document.getElementById("bibliography-count");
    if (count) count.textContent = shown + " of " + rows.length + " claims";
  }
  if (search) search.addEventListener("input", filterBibliography);

  window.addEventListener("load", function () {
    drawTimeline();
    if (slider) drawMap(parseInt(slider.value, 10));
    filterBibliography();
  });
})();
