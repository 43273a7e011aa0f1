/* craftmap: the planner's route editor. Stops are chosen from a searchable list of centres or on a
   map, places that are not centres are added by clicking the map, and the order is changed by drag
   (SortableJS, touch included) or by each stop's buttons. The textarea of stop lines stays the one
   thing the form sends: it is hidden here and rewritten on every change, so the server reads the
   same text with and without script. */
(function () {
  "use strict";
  var root = document.getElementById("stop-editor"), area = document.getElementById("r-stops");
  if (!root || !area || !window.L) { return; }
  var T = JSON.parse(document.getElementById("route-editor-texts").textContent);
  var centres = JSON.parse(document.getElementById("route-centres").textContent);
  var byId = {};
  centres.forEach(function (c) { c.folded = fold(c.name + " " + c.municipality + " " + c.id); byId[c.id] = c; });
  var $ = function (id) { return document.getElementById(id); };
  var list = $("stop-list"), results = $("stop-results"), search = $("stop-search"), announce = $("stop-announce");
  var stops = parse(area.value), map, stopLayer, draft;
  var MAX_RESULTS = 12;

  function fold(text) {  // case and diacritics dropped: "siauliai" finds Šiauliai, "jekabpils" Jēkabpils
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (m, k) { return values[k]; });
  }

  function number(text) {  // a coordinate as typed: a decimal point or comma; null when it is not one
    var t = String(text).trim().replace(",", ".");
    return /^-?\d+(\.\d+)?$/.test(t) ? parseFloat(t) : null;
  }

  function parse(text) {
    return text.split(/\r?\n/).map(function (l) { return l.trim(); }).filter(Boolean).map(function (line) {
      if (line.indexOf("|") < 0) { return { centre_id: line }; }
      var parts = line.split("|").map(function (p) { return p.trim(); });
      if (parts.length < 4) { return { raw: line }; }
      return { name: parts[0], lat: number(parts[1]), lon: number(parts[2]), source: parts.slice(3).join(" | "),
               latText: parts[1], lonText: parts[2] };
    });
  }

  function line(s) {
    if (s.raw) { return s.raw; }
    if (s.centre_id) { return s.centre_id; }
    return [s.name, s.latText, s.lonText, s.source].join(" | ");
  }

  function label(s) {
    if (s.raw) { return s.raw; }
    if (s.centre_id) { return byId[s.centre_id] ? byId[s.centre_id].name : s.centre_id; }
    return s.name;
  }

  function detail(s) {
    if (s.raw) { return T.unread; }
    if (s.centre_id) {
      var c = byId[s.centre_id];
      if (!c) { return T.unknown; }
      return c.municipality + (c.closed ? " · " + T.closed : "") + (c.lat === null ? " · " + T.no_position : "");
    }
    return T.place + " · " + s.source + (s.lat === null ? " · " + T.no_position : "");
  }

  function position(s) {
    var c = s.centre_id ? byId[s.centre_id] : s;
    return c && c.lat !== null && c.lon !== null && c.lat !== undefined ? [c.lat, c.lon] : null;
  }

  function button(cls, text, name, handler) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = text;
    b.setAttribute("aria-label", name);
    b.title = name;
    b.addEventListener("click", handler);
    return b;
  }

  function item(s, i) {
    var li = document.createElement("li"), name = label(s);
    li.className = "stop" + (s.raw || (s.centre_id && !byId[s.centre_id]) ? " stop-bad" : "");
    var handle = document.createElement("span");
    handle.className = "stop-handle";
    handle.textContent = "\u2630";
    handle.title = T.handle;
    handle.setAttribute("aria-hidden", "true");
    var text = document.createElement("span");
    text.className = "stop-text";
    var strong = document.createElement("strong");
    strong.textContent = (i + 1) + ". " + name;
    var small = document.createElement("small");
    small.textContent = detail(s);
    text.append(strong, small);
    var tools = document.createElement("span");
    tools.className = "stop-tools";
    var up = button("stop-up", "\u2191", say(T.up, { name: name }), function () { move(i, i - 1, "stop-up"); });
    var down = button("stop-down", "\u2193", say(T.down, { name: name }), function () { move(i, i + 1, "stop-down"); });
    up.setAttribute("aria-disabled", String(i === 0));
    down.setAttribute("aria-disabled", String(i === stops.length - 1));
    tools.append(up, down, button("stop-remove", "\u2715", say(T.remove, { name: name }), function () { remove(i); }));
    li.append(handle, text, tools);
    return li;
  }

  function render() {
    list.replaceChildren.apply(list, stops.map(item));
    $("stop-list-empty").hidden = stops.length > 0;
    area.value = stops.map(line).join("\n");
    drawStops();
  }

  function focusAt(index, cls) {
    var li = list.children[Math.max(0, Math.min(index, list.children.length - 1))];
    (li ? li.querySelector("." + cls) : search).focus();
  }

  function move(from, to, cls) {
    var s = stops[from];
    if (to < 0 || to >= stops.length) {
      announce.textContent = say(to < 0 ? T.first : T.last, { name: label(s) });
      return;
    }
    stops.splice(to, 0, stops.splice(from, 1)[0]);
    render();
    if (cls) { focusAt(to, cls); }
    announce.textContent = say(T.moved, { name: label(s), n: to + 1, total: stops.length });
  }

  function remove(i) {
    var s = stops.splice(i, 1)[0];
    render();
    focusAt(i, "stop-remove");
    announce.textContent = say(T.removed, { name: label(s) });
  }

  function add(s) {
    stops.push(s);
    render();
    announce.textContent = say(T.added, { name: label(s), n: stops.length });
  }

  function showResults() {
    var q = fold(search.value.trim()), found = centres.filter(function (c) { return !q || c.folded.indexOf(q) >= 0; });
    results.replaceChildren.apply(results, found.slice(0, MAX_RESULTS).map(function (c) {
      var li = document.createElement("li"), b = document.createElement("button");
      b.type = "button";
      b.className = "result";
      b.setAttribute("aria-label", say(T.add, { name: c.name }) + ", " + c.municipality);
      var strong = document.createElement("strong"), small = document.createElement("small");
      strong.textContent = c.name;
      small.textContent = c.municipality + (c.closed ? " · " + T.closed : "");
      b.append(strong, small);
      b.addEventListener("click", function () { add({ centre_id: c.id }); });
      li.append(b);
      return li;
    }));
    $("stop-results-count").textContent = !found.length ? T.no_match
      : say(T.matches, { n: found.length }) + (found.length > MAX_RESULTS ? " " + T.more : "");
  }

  function openPlace(latlng) {
    $("place-form").hidden = false;
    $("place-error").textContent = "";
    if (latlng) {
      $("place-lat").value = latlng.lat.toFixed(5);
      $("place-lon").value = latlng.lng.toFixed(5);
      showDraft();
    }
    $("place-name").focus();
  }

  function closePlace() {
    $("place-form").hidden = true;
    ["place-name", "place-source", "place-lat", "place-lon"].forEach(function (id) { $(id).value = ""; });
    if (draft) { draft.remove(); draft = null; }
  }

  function addPlace() {
    var name = $("place-name").value.trim(), source = $("place-source").value.trim();
    var lat = number($("place-lat").value), lon = number($("place-lon").value);
    var problem = !name ? [T.name_required, "place-name"] : name.indexOf("|") >= 0 ? [T.name_bar, "place-name"]
      : !source ? [T.source_required, "place-source"]
      : lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180 ? [T.bad_position, "place-lat"] : null;
    if (problem) {
      $("place-error").textContent = problem[0];
      $(problem[1]).focus();
      return;
    }
    add({ name: name, source: source, lat: lat, lon: lon, latText: lat.toFixed(5), lonText: lon.toFixed(5) });
    closePlace();
    $("place-open").focus();
  }

  function showDraft() {
    var lat = number($("place-lat").value), lon = number($("place-lon").value);
    if (!map || lat === null || lon === null) { return; }
    if (draft) { draft.setLatLng([lat, lon]); } else {
      draft = L.circleMarker([lat, lon], { radius: 9, color: "#c45500", weight: 3, interactive: false }).addTo(map);
    }
  }

  function stopIcon(n) {
    return L.divIcon({ className: "stop-marker", html: "<span>" + n + "</span>", iconSize: [24, 24] });
  }

  function drawStops() {
    if (!map) { return; }
    stopLayer.clearLayers();
    var points = [];
    stops.forEach(function (s, i) {
      var p = position(s);
      if (!p) { return; }
      points.push(p);
      L.marker(p, { icon: stopIcon(i + 1), interactive: false, keyboard: false }).addTo(stopLayer);
    });
    if (points.length > 1) { L.polyline(points, { color: "#1d1d1b", weight: 2, dashArray: "6 6" }).addTo(stopLayer); }
  }

  function centreMarker(c) {
    var m = L.marker([c.lat, c.lon], {
      icon: L.divIcon({ className: "centre-pin", iconSize: [18, 18] }), title: c.name, keyboard: false, riseOnHover: true
    });
    m.on("click", function () { add({ centre_id: c.id }); });
    return m;
  }

  function buildMap() {
    var cfg = root.dataset, zoom = Number(cfg.maxZoom) || 18;
    map = L.map($("route-map"), { maxZoom: zoom }).setView([56.15, 24.6], 7);
    if (cfg.tiles) { L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: zoom }).addTo(map); }
    stopLayer = L.layerGroup().addTo(map);
    centres.filter(function (c) { return c.lat !== null; }).forEach(function (c) { centreMarker(c).addTo(map); });
    map.on("click", function (e) { openPlace(e.latlng); });
    fetch(cfg.boundaries).then(function (r) { return r.json(); }).then(function (doc) {
      L.geoJSON(doc, { interactive: false, style: { color: "#666", weight: 1, fill: false } }).addTo(map);
      map.attributionControl.addAttribution(doc.attribution);
    }).catch(function () { $("place-error").textContent = T.map_error; }).finally(function () {
      root.setAttribute("data-loaded", "");
    });
  }

  function start() {
    root.hidden = false;
    $("stops-fallback").hidden = true;  // still submitted: the list writes it
    search.addEventListener("input", showResults);
    $("place-open").addEventListener("click", function () { openPlace(null); });
    $("place-add").addEventListener("click", addPlace);
    $("place-cancel").addEventListener("click", function () { closePlace(); $("place-open").focus(); });
    ["place-lat", "place-lon"].forEach(function (id) { $(id).addEventListener("input", showDraft); });
    $("place-form").addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); addPlace(); }  // not the route form's submit
    });
    search.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });
    buildMap();
    if (window.Sortable) {
      Sortable.create(list, { handle: ".stop-handle", animation: 150, onEnd: function (e) {
        if (e.oldIndex !== e.newIndex) { move(e.oldIndex, e.newIndex, null); }
      } });
    }
    showResults();
    render();
  }

  start();
}());
