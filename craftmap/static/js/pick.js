/* craftmap: pick a centre's location on a small map; the inputs stay the source of truth. */
(function () {
  "use strict";
  var box = document.getElementById("pick-map"), lat = document.getElementById("f-lat"), lon = document.getElementById("f-lon");
  if (!box || !window.L) { return; }
  var start = lat.value && lon.value ? [Number(lat.value), Number(lon.value)] : [56.15, 24.6];
  var map = L.map(box, { maxZoom: 18 }).setView(start, lat.value ? 12 : 7);
  var marker = lat.value ? L.marker(start).addTo(map) : null;
  map.on("click", function (e) {
    lat.value = e.latlng.lat.toFixed(5);
    lon.value = e.latlng.lng.toFixed(5);
    if (marker) { marker.setLatLng(e.latlng); } else { marker = L.marker(e.latlng).addTo(map); }
  });
}());
