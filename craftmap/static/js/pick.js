/* craftmap: pick a centre's location on a small map; the inputs stay the source of truth. */
(function () {
  "use strict";
  var box = document.getElementById("pick-map"), lat = document.getElementById("f-lat"), lon = document.getElementById("f-lon");
  if (!box || !window.L) { return; }
  var cfg = box.dataset;

  function typed() {  // the coordinates in the inputs, or null while they are empty or not numbers
    var a = parseFloat(lat.value), b = parseFloat(lon.value);
    return isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180 ? [a, b] : null;
  }

  var here = typed();
  var map = L.map(box, { maxZoom: Number(cfg.maxZoom) || 18 }).setView(here || [56.15, 24.6], here ? 12 : 7);
  if (cfg.tiles) {
    L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: Number(cfg.maxZoom) || 18 }).addTo(map);
  }
  var marker = here ? L.marker(here).addTo(map) : null;
  var status = document.getElementById("pick-status"), precision = document.getElementById("f-coord_precision");
  fetch(cfg.boundaries).then(function (r) {
    if (!r.ok) { throw new Error("HTTP " + r.status); }
    return r.json();
  }).then(function (doc) {
    var own = null;
    L.geoJSON(doc, {
      interactive: false,
      style: function (f) {
        var mine = f.properties.name_local === cfg.municipality;
        return mine ? { color: "#0b5d8a", weight: 3, fillOpacity: 0.06 } : { color: "#666", weight: 1, fill: false };
      },
      onEachFeature: function (f, layer) { if (f.properties.name_local === cfg.municipality) { own = layer; } }
    }).addTo(map);
    map.attributionControl.addAttribution(doc.attribution);
    if (own) {  // the whole municipality in view, with the marker wherever it is
      var bounds = own.getBounds();
      if (marker) { bounds.extend(marker.getLatLng()); }
      map.fitBounds(bounds);
    }
    box.setAttribute("data-loaded", "");
  }).catch(function () {
    if (status) { status.className = "pick-status error"; status.textContent = cfg.boundariesError; }
    box.setAttribute("data-loaded", "failed");
  });
  map.on("click", function (e) {  // a click is an approximate position: say so, the editor may change it
    lat.value = e.latlng.lat.toFixed(5);
    lon.value = e.latlng.lng.toFixed(5);
    if (marker) { marker.setLatLng(e.latlng); } else { marker = L.marker(e.latlng).addTo(map); }
    if (precision) {
      precision.value = "approximate";
      precision.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (status) { status.className = "pick-status"; status.textContent = cfg.clicked; }
  });
}());
