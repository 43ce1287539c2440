"use strict";
(function () {
  var data = JSON.parse(document.getElementById("perito-data").textContent);
  // The table's events, one array per field, in timeline order.
  var times = data.times, labelOf = data.labelOf, texts = data.texts, artifactOf = data.artifactOf;
  var labels = data.labels, near = data.near, window_ms = data.nearMs, text = data.text;
  var PAGE = 100, page = 0, shown = [];
  var body = document.getElementById("events-body");
  var status = document.getElementById("events-status");
  var label = document.getElementById("p-label");
  var prev = document.getElementById("p-prev"), next = document.getElementById("p-next");
  var search = document.getElementById("f-text"), artifact = document.getElementById("f-artifact");
  var nearBox = document.getElementById("f-near");

  function isNear(ms) {
    var lo = 0, hi = near.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (near[mid] < ms - window_ms) lo = mid + 1; else hi = mid; }
    return lo < near.length && near[lo] <= ms + window_ms;
  }
  function isDetection(ms) {
    var lo = 0, hi = near.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (near[mid] < ms) lo = mid + 1; else hi = mid; }
    return lo < near.length && near[lo] === ms;
  }
  function utc(ms) { return new Date(ms).toISOString().slice(0, 19).replace("T", " "); }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? String(values[key]) : all; });
  }
  function filter() {
    var words = search.value.trim().toLowerCase(), which = artifact.value, onlyNear = nearBox.checked;
    shown = [];
    for (var i = 0; i < times.length; i++) {
      if (which !== "" && String(artifactOf[i]) !== which) continue;
      if (onlyNear && !isNear(times[i])) continue;
      if (words && (utc(times[i]) + " " + labels[labelOf[i]] + " " + texts[i] + " " + data.artifacts[artifactOf[i]]).toLowerCase().indexOf(words) < 0) continue;
      shown.push(i);
    }
    page = 0;
    draw();
  }
  function cell(row, value) { var td = document.createElement("td"); td.textContent = value; row.appendChild(td); }
  function draw() {
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    page = Math.min(page, pages - 1);
    var rows = document.createDocumentFragment();
    for (var i = page * PAGE; i < Math.min(shown.length, (page + 1) * PAGE); i++) {
      var e = shown[i], tr = document.createElement("tr");
      if (near.length && isDetection(times[e])) tr.className = "near";
      cell(tr, utc(times[e])); cell(tr, data.artifacts[artifactOf[e]]); cell(tr, labels[labelOf[e]]); cell(tr, texts[e]);
      rows.appendChild(tr);
    }
    body.replaceChildren(rows);
    status.textContent = shown.length ? fill(text.count, {shown: shown.length, total: times.length}) : text.none;
    label.textContent = fill(text.page, {page: page + 1, pages: pages});
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  prev.addEventListener("click", function () { page -= 1; draw(); });
  next.addEventListener("click", function () { page += 1; draw(); });
  var pending = null;  // filtering hundreds of thousands of events: wait for a pause in typing
  search.addEventListener("input", function () { clearTimeout(pending); pending = setTimeout(filter, 150); });
  artifact.addEventListener("change", filter);
  nearBox.addEventListener("change", filter);
  // Printing shows every record, whatever the browser does with closed <details>.
  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () { closed.forEach(function (d) { d.open = false; }); });
  filter();
  if (window.performance && performance.mark) performance.mark("perito-table");
})();
