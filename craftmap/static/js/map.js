/* craftmap: the browser side of the map pages. Every text from the data is set with
   textContent, never as HTML, so names from editors can never run as script. */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  function config() {
    return JSON.parse(document.getElementById("craftmap-config").textContent);
  }

  var SYMBOL = { yes: "\u267F", limited: "\u00BD", no: "\u2715", unknown: "?" };

  // on a touch screen every marker takes a 44 px finger, its drawn pin staying 28 px
  var TARGET = window.matchMedia("(pointer: coarse)").matches ? 44 : 28;

  var ICONS = {}, DAY = { on: false };  // DAY.on: the centres shown carry a travel day's open_on
  /* A pin shows wheelchair access by its colour and symbol; on a travel day a centre open that day
     carries a tick, one closed that day is faded, and one not known to be either is left as it is. */
  function pinIcon(wheelchair, day) {
    var kind = SYMBOL[wheelchair] ? wheelchair : "unknown", key = kind + "/" + (day || "");
    ICONS[key] = ICONS[key] || L.divIcon({
      className: "pin-marker" + (day ? " day-" + day : ""),
      html: '<span class="pin pin-' + kind + '">' + SYMBOL[kind] + (day === "open" ? '<span class="day-mark">\u2713</span>' : "") + "</span>",
      iconSize: [TARGET, TARGET], iconAnchor: [TARGET / 2, TARGET / 2], popupAnchor: [0, -12]
    });
    return ICONS[key];
  }

  /* markercluster's own look, at least 44 px on a touch screen; on a travel day a tick with the number
     of its centres open that day */
  function clusterIcon(group) {
    var n = group.getChildCount(), size = Math.max(40, TARGET), open = 0;
    if (DAY.on) {
      group.getAllChildMarkers().forEach(function (m) { open += m.feature.properties.open_on.state === "open" ? 1 : 0; });
    }
    var mark = open ? '<span class="day-mark">\u2713' + open + "</span>" : "";
    return L.divIcon({ html: "<div><span>" + n + "</span></div>" + mark, iconSize: [size, size],
      className: "marker-cluster marker-cluster-" + (n < 10 ? "small" : n < 100 ? "medium" : "large") });
  }

  function popupContent(p, t) {
    var crafts = p.crafts.map(function (c) { return c.label; }).join(", ") || t.unknown;
    var signage = p.signage_label + (p.signage_checked_on ? " (" + p.signage_checked_on + ")" : "");
    return el("div", { "class": "popup" }, [
      el("h3", { text: p.name }),
      el("p", { text: t.crafts + ": " + crafts }),
      el("p", { text: p.settlement }),
      el("p", { text: t.hours + ": " + (p.opening_hours_text || p.opening_hours || t.unknown) }),
      p.opening_hours_provenance ? el("p", { "class": "provenance", text: p.opening_hours_provenance }) : null,
      // with no hours recorded "not known" is said once, not again for the day
      p.open_on && p.opening_hours ? el("p", { "class": "open-on state-" + p.open_on.state, text: dayText(p.open_on, t) }) : null,
      el("p", { "class": "popup-wheelchair", text: p.wheelchair_label }),
      el("p", { text: signage }),
      el("a", { href: p.url, text: t.details })
    ]);
  }

  /* "Open today: 10:00–18:00", "Closed on Saturday, 5 December: <holiday>", "Not known whether open
     today"; another day than today is named. */
  function dayText(o, t) {
    var spans = o.intervals.map(function (i) { return i.opens + "–" + i.closes; }).join(", ");
    var when = o.date === today() ? null : longDate(o.date);
    var text = when ? { open: t.day_open, closed: t.day_closed, unknown: t.day_unknown }[o.state].replace("%(date)s", when)
                    : { open: t.today_open, closed: t.today_closed, unknown: t.today_unknown }[o.state];
    text += o.state === "open" && spans ? ": " + spans : "";
    return text + (o.holiday ? " \u2013 " + t.holiday + ": " + o.holiday.name : "");  // beside, not as the reason
  }

  function longDate(iso) {  // "sestdiena, 5. decembris": the day a visitor picked, in the page's language
    return new Date(iso + "T12:00:00").toLocaleDateString(document.documentElement.lang,
                                                          { weekday: "long", day: "numeric", month: "long" });
  }

  function today() {  // the visitor's own calendar day, as YYYY-MM-DD
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  /* The JSON at url; rejects on a failed request or an error status, so callers can say so. */
  function fetchJson(url, signal) {
    return fetch(url, { signal: signal }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status + " for " + url); }
      return r.json();
    });
  }

  function centreUrl(template, id) {
    return template.replace("__id__", encodeURIComponent(id));
  }

  function makeMarker(feature, t) {
    var p = feature.properties, c = feature.geometry.coordinates, day = p.open_on && p.open_on.state;
    var label = p.wheelchair_label || t.wheelchair[p.wheelchair] || "";
    var marker = L.marker([c[1], c[0]], {
      icon: pinIcon(p.wheelchair, day), title: p.name + " – " + label + (day ? " – " + dayText(p.open_on, t) : ""),
      alt: p.name, keyboard: true
    });
    marker.feature = feature;
    return marker;
  }

  /* A popup pans clear of the result count and the zoom buttons at the map's top (the count grows with
     a travel day's line) and is never wider than the map leaves room for. */
  function popupOptions(map) {
    var count = document.getElementById("result-count"), top = 110;
    if (count && count.offsetParent) {
      top = Math.max(top, count.getBoundingClientRect().bottom - map.getContainer().getBoundingClientRect().top + 12);
    }
    return { autoPanPaddingTopLeft: [20, top], autoPanPaddingBottomRight: [20, 20],
             maxWidth: Math.max(180, Math.min(300, map.getSize().x - 80)) };
  }

  /* One handler for all markers of a layer: a popup is made only when a marker is opened, with
     the details fetched then, so 100 000 markers cost no popups up front. */
  function openPopupsOn(layer, t, detailUrl) {
    layer.on("popupopen", function (e) { focusPopup(e.popup, e.layer || e.sourceTarget); });
    layer.on("click keypress", function (e) {
      var marker = e.layer;
      if (e.type === "keypress" && e.originalEvent.key !== "Enter") { return; }
      var options = popupOptions(marker._map || layer._map);
      if (!detailUrl) {
        marker.bindPopup(popupContent(marker.feature.properties, t), options).openPopup();
        return;
      }
      marker.bindPopup(el("div", { "class": "popup", text: t.loading }), options).openPopup();
      fetchJson(detailUrl(marker.feature.id)).then(function (d) {
        marker.setPopupContent(popupContent(d.properties, t));
      }, function () {
        marker.setPopupContent(el("div", { "class": "popup popup-error", role: "alert", text: t.popup_error }));
      });
    });
  }

  var KM = null;
  function km(value, lang) {  // one decimal, with the visitor's decimal separator, as the pages print it
    KM = KM || new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    return KM.format(value);
  }

  /* An opened popup takes the focus (its first link, else itself); Escape closes it and gives the
     focus back to the marker it belongs to. */
  function focusPopup(popup, marker) {
    var box = popup.getElement();
    if (!box) { return; }
    var content = box.querySelector(".leaflet-popup-content");
    content.setAttribute("tabindex", "-1");
    var target = content.querySelector("a[href]") || content;
    if (box.contains(document.activeElement)) { return; }
    target.focus({ preventScroll: true });
    if (box.dataset.escape) { return; }
    box.dataset.escape = "1";
    box.addEventListener("keydown", function (e) {
      if (e.key !== "Escape") { return; }
      e.stopPropagation();
      var source = popup._source || marker;
      popup.close();
      var icon = source && source.getElement && source.getElement();
      if (icon) { icon.focus(); }
    });
  }

  function listItem(feature, t, url, lang) {
    var p = feature.properties;
    var where = p.settlement + (feature.geometry ? "" : " – " + t.unlocated);
    var dist = p.distance_km !== undefined ? " – " + km(p.distance_km, lang) + " " + t.km : "";
    return el("li", { "data-id": feature.id }, [
      el("a", { href: url, text: p.name }),
      el("span", { text: " – " + where + dist + ". " }),
      el("span", { "class": "pin pin-" + p.wheelchair, "aria-hidden": "true", text: SYMBOL[p.wheelchair] || "?" }),
      el("span", { text: " " + (t.wheelchair[p.wheelchair] || "") }),
      p.open_on ? el("span", { "class": "open-on state-" + p.open_on.state, text: ". " + dayText(p.open_on, t) }) : null
    ]);
  }

  function currentFilters(names) {
    var params = new URLSearchParams(window.location.search), out = {};
    names.forEach(function (n) { if (params.get(n)) { out[n] = params.get(n); } });
    return out;
  }

  function syncLanguageLinks() {
    var here = new URLSearchParams(window.location.search);
    document.querySelectorAll(".languages a[data-lang]").forEach(function (a) {
      var params = new URLSearchParams(here);
      params.set("lang", a.getAttribute("data-lang"));
      a.setAttribute("href", window.location.pathname + "?" + params.toString());
    });
  }

  function overview(map, control, routeLayers, cfg) {
    var t = cfg.texts;
    var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50, disableClusteringAtZoom: 14,
      zoomToBoundsOnClick: false, spiderfyOnMaxZoom: false, iconCreateFunction: clusterIcon });
    /* A cluster whose centres would still lie on top of one another once zoomed in (one address, or an
       approximate point shared by several) spreads at the first tap; any other zooms in to them. */
    cluster.on("clusterclick clusterkeypress", function (e) {
      var key = e.originalEvent && e.originalEvent.key;
      if (e.type === "clusterkeypress" && key !== "Enter" && key !== " ") { return; }
      if (key === " " && e.originalEvent.preventDefault) { e.originalEvent.preventDefault(); }
      var bounds = e.layer.getBounds();
      if (map.getBoundsZoom(bounds) >= 14 || bounds.getNorthEast().equals(bounds.getSouthWest())) {
        e.layer.spiderfy();
      } else {
        e.layer.zoomToBounds({ padding: [30, 30] });
      }
    });
    var LIST_MAX = 200;
    map.addLayer(cluster);
    control.addOverlay(cluster, t.centres);
    openPopupsOn(cluster, t, function (id) {
      return centreUrl(cfg.centreApi.split("?")[0], id) + "?lang=" + encodeURIComponent(cfg.lang) +
        "&date=" + (filters.date || today());  // the travel day picked, else the visitor's today
    });
    var boundaries = L.geoJSON(null, { style: { color: "#555", weight: 1, fill: false }, interactive: false });
    control.addOverlay(boundaries, t.boundaries);
    var tiled = false;
    map.eachLayer(function (l) { tiled = tiled || l instanceof L.TileLayer; });
    map.attributionControl.addAttribution(cfg.boundaryAttribution);
    map.on("overlayadd", function (e) {
      if (e.layer === boundaries && !boundaries.getLayers().length) {
        fetchJson(cfg.boundaries).then(function (d) { boundaries.addData(d); },
                                       function () { status.textContent = t.boundaries_error; });
      }
    });
    if (!tiled) { map.addLayer(boundaries); }  // without a base map, the boundaries say where things are
    var form = document.getElementById("filters");
    var list = document.getElementById("centre-items");
    var status = document.getElementById("result-count");
    var filters = currentFilters(cfg.filters);
    Object.keys(filters).forEach(function (k) {
      var input = form.elements[k];
      if (input) { input.value = filters[k]; }
      if (k === "date" && input && input.value !== filters[k]) { delete filters[k]; }  // no day: the browser refused it
    });
    if (!filters.date && new URLSearchParams(window.location.search).has("date")) {
      var kept = new URLSearchParams(window.location.search);
      kept.delete("date");
      window.history.replaceState(null, "", window.location.pathname + "?" + kept.toString());
    }
    var panel = filterPanel(form, cfg, map);
    routePopups(routeLayers, cfg.routes || [], t);

    var shown = [], nearby = false, emptyText = t.no_results;
    var listTitle = document.getElementById("list-title"), viewTitle = listTitle.textContent;

    /* "Centres in this view": those whose marker is inside the map's view. Centres without a known
       location are in no view: listed (saying so) while the view holds every shown centre, else named
       once in a line to the full list. Near me lists all by distance. */
    function fillList() {
      list.textContent = "";
      var lang = "?lang=" + encodeURIComponent(cfg.lang), view = map.getBounds();
      var located = shown.filter(function (f) { return f.geometry; });
      var inView = nearby ? shown : located.filter(function (f) {
        return view.contains([f.geometry.coordinates[1], f.geometry.coordinates[0]]);
      });
      var whole = nearby || inView.length === located.length;  // the view holds every shown centre
      var unlocated = shown.length - located.length;
      if (whole && !nearby) { inView = inView.concat(shown.filter(function (f) { return !f.geometry; })); }
      inView.slice(0, LIST_MAX).forEach(function (f) {
        list.appendChild(listItem(f, t, centreUrl(cfg.centrePage.split("?")[0], f.id) + lang, cfg.lang));
      });
      var params = new URLSearchParams(filters);
      params.set("lang", cfg.lang);
      var full = cfg.list.split("?")[0] + "?" + params.toString();
      if (inView.length > LIST_MAX) {
        list.appendChild(el("li", {}, [el("a", { href: full,
          text: t.more.replace("%(n)s", String(inView.length - LIST_MAX)) })]));
      }
      if (!whole && unlocated) {  // centres in no view: named once, not listed among those in view
        list.appendChild(el("li", { "class": "unlocated-note" }, [el("a", { href: full,
          text: t.unlocated_more.replace("%(n)s", String(unlocated)) })]));
      }
      if (!inView.length) { list.insertBefore(el("li", { text: shown.length ? t.none_in_view : emptyText }), list.firstChild); }
    }
    map.on("moveend", fillList);

    function show(collection, fit) {
      cluster.clearLayers();
      DAY.on = Boolean(filters.date) && collection.features.every(function (f) { return f.properties.open_on; });
      var markers = [];
      shown = collection.features;
      var u = collection.meta && collection.meta.unknown;  // nothing found where the data is unknown: say so
      emptyText = u ? t["unknown_" + u.field].replace("%(count)s", u.count).replace("%(total)s", u.of) : t.no_results;
      nearby = collection.features.some(function (f) { return f.properties.distance_km !== undefined; });
      listTitle.textContent = nearby ? t.near_title : viewTitle;  // no heading without its distances
      collection.features.forEach(function (f) {
        if (f.geometry) { markers.push(makeMarker(f, t)); }
      });
      cluster.addLayers(markers);
      fillList();
      var m = collection.meta;
      status.textContent = u ? emptyText : t.status.replace(/%\((\w+)\)s/g, function (_, k) { return String(m[k]); });
      if (filters.date && !u) { status.textContent += ".\n" + daySummary(filters.date, collection.features, t); }
      document.querySelectorAll(".legend-day").forEach(function (li) { li.hidden = !filters.date; });
      if (fit) {  // every route and every shown centre in view
        var bounds = L.latLngBounds([]);
        if (markers.length) { bounds.extend(cluster.getBounds()); }
        Object.keys(routeLayers).forEach(function (id) {
          if (map.hasLayer(routeLayers[id])) { bounds.extend(routeLayers[id].getBounds()); }
        });
        if (bounds.isValid()) { firstView(map, bounds, { maxZoom: 11, padding: [20, 20] }); }
      }
      document.body.setAttribute("data-loaded", String(Number(document.body.getAttribute("data-loaded") || 0) + 1));
    }

    /* "Saturday, 5 December: open 3, closed 5, not known 33". */
    function daySummary(iso, features, t) {
      var n = { open: 0, closed: 0, unknown: 0 };
      features.forEach(function (f) {  // those on the map, whose marks it explains
        if (f.geometry && f.properties.open_on) { n[f.properties.open_on.state] += 1; }
      });
      return t.day_status.replace("%(date)s", longDate(iso)).replace(/%\((open|closed|unknown)\)s/g,
                                                                      function (_, k) { return String(n[k]); });
    }

    var pending = null;  // the newest request: a late answer to an older filter must not replace its list

    /* Resolves to true once the list shows the answer, false when a newer request replaced it or it failed. */
    function load(extra, fit) {
      var params = new URLSearchParams(filters);
      params.set("lang", cfg.lang);
      params.set("fields", "map");
      Object.keys(extra || {}).forEach(function (k) { params.set(k, extra[k]); });
      status.textContent = t.loading;
      if (pending) { pending.abort(); }
      var request = pending = new AbortController();
      return fetchJson(cfg.api.split("?")[0] + "?" + params.toString(), request.signal).then(function (d) {
        if (request !== pending) { return false; }
        show(d, fit);
        return true;
      }, function () {
        if (request === pending) { status.textContent = t.load_error; }
        return false;
      });
    }

    function onFilterChange() {
      filters = {};
      cfg.filters.forEach(function (n) {
        var input = form.elements[n];
        if (input && input.value) { filters[n] = input.value; }
      });
      var params = new URLSearchParams(filters);
      params.set("lang", cfg.lang);
      window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
      syncLanguageLinks();
      panel.count();
      load({}, true);
    }

    form.addEventListener("change", onFilterChange);
    form.elements.q.addEventListener("input", function () {
      window.clearTimeout(form.searchTimer);
      form.searchTimer = window.setTimeout(onFilterChange, 300);
    });

    onMap(map, document.getElementById("locate-me"), "topleft");
    var you = null;  // one "you are here", moved on each new fix
    function youAreHere(latlng) {
      you = you ? you.setLatLng(latlng) : L.circleMarker(latlng, { radius: 8, color: "#0b3d91" }).addTo(map)
        .bindTooltip(t.you_are_here);
    }
    document.getElementById("locate-me").addEventListener("click", function () {
      map.firstView = null;  // the visitor's own place is the view now, also when the phone turns
      map.once("locationfound", function (e) { youAreHere(e.latlng); });
      map.once("locationerror", function () { status.textContent = t.near_error; });
      map.locate({ setView: true, maxZoom: 12 });
    });

    document.getElementById("near-me").addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = t.near_error; return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        var here = L.latLng(pos.coords.latitude, pos.coords.longitude), before = shown;
        map.firstView = null;
        youAreHere(here);
        map.setView(here, 10);
        load({ near: here.lng + "," + here.lat }, false).then(function (answered) {
          if (!answered) { return; }
          if (!shown.length) { return farFromEveryCentre(here, before); }
          document.getElementById("centre-list").focus({ preventScroll: true });  // the map stays in sight
        });
      }, function (error) {  // a refusal is the visitor's to undo, so say how
        status.textContent = error && error.code === 1 ? t.near_denied : t.near_error;
      });
    });

    /* Nothing within reach: show the whole region again, and say how far its nearest centre is. */
    function farFromEveryCentre(here, centres) {
      var nearest = null;
      centres.forEach(function (f) {
        if (!f.geometry) { return; }
        var d = here.distanceTo([f.geometry.coordinates[1], f.geometry.coordinates[0]]) / 1000;
        nearest = nearest === null ? d : Math.min(nearest, d);
      });
      load({}, true).then(function (answered) {
        if (!answered) { return; }
        var fit = L.latLngBounds([here]);
        fit.extend(map.getBounds());
        map.fitBounds(fit, { padding: [20, 20] });
        status.textContent = nearest === null ? t.near_none : t.near_far.replace("%(km)s", km(nearest, cfg.lang));
      });
    }
    syncLanguageLinks();
    load({}, true);
  }

  /* The filters fold behind a button on a phone, so the map fills the first screen; the button says
     how many are set. Without script the form simply stays open. */
  function filterPanel(form, cfg, map) {
    var toggle = document.getElementById("filters-toggle"), done = document.getElementById("filters-done");
    var narrow = window.matchMedia("(max-width: 59.99rem)");
    function setOpen(open) {
      form.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      map.invalidateSize();
    }
    function count() {
      var n = cfg.filters.filter(function (k) { return form.elements[k] && form.elements[k].value; }).length;
      toggle.querySelector(".filter-count").textContent = n ? "(" + n + ")" : "";
    }
    toggle.hidden = false;
    done.hidden = !narrow.matches;
    toggle.addEventListener("click", function () {
      setOpen(form.hidden);
      if (!form.hidden) { form.elements[cfg.filters[0]].focus(); }
    });
    done.addEventListener("click", function () {
      setOpen(false);
      document.querySelector(".map-wrap").scrollIntoView({ block: "start" });
      toggle.focus();
    });
    setOpen(!narrow.matches);
    narrow.addEventListener("change", function () { done.hidden = !narrow.matches; setOpen(!narrow.matches); });
    count();
    return { count: count };
  }

  /* A tap on a route line (or within 12 px of it) opens its name,
     stops, length and a link to its page. */
  function routePopups(routeLayers, routes, t) {
    // the canvas renderer tests taps against the line with a tolerance, the same way for a finger
    // and a mouse, where an SVG stroke takes only a pointer that lands exactly on it
    var nearLine = L.canvas({ tolerance: 12 });
    routes.forEach(function (r) {
      var group = routeLayers[r.id];
      if (!group) { return; }
      L.geoJSON(group.toGeoJSON(), { style: { weight: 4, opacity: 0 }, renderer: nearLine }).addTo(group);
      group.bindPopup(function () {
        return el("div", { "class": "popup popup-route" }, [
          el("h3", { text: r.name }),
          el("p", { text: r.summary }),
          el("a", { href: r.url, text: t.open_route })
        ]);
      });
    });
  }

  /* Fit bounds, and keep them as the view to fit again when the phone turns (see keepFirstView). */
  function firstView(map, bounds, options) {
    map.firstView = { bounds: bounds, options: options };
    map.fitBounds(bounds, options);
  }

  /* Until the visitor moves the map, turning the phone (or resizing the window) fits the first view
     to the new shape, so nothing it showed is cut; once they have moved it, their view stays. */
  function keepFirstView(map, mode) {
    var touched = false, timer = null;
    ["pointerdown", "touchstart", "wheel", "keydown"].forEach(function (type) {
      map.getContainer().addEventListener(type, function () { touched = true; }, { passive: true });
    });
    window.addEventListener("resize", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (mode === "overview") { fitFirstScreen(map); } else { map.invalidateSize({ animate: false }); }
        var view = map.firstView;
        if (!touched && view && !document.body.classList.contains("printing")) {
          map.fitBounds(view.bounds, L.extend({ animate: false }, view.options));
        }
      }, 150);
    });
  }

  /* The map below everything above it fills what is left of the first screen on a phone. */
  function fitFirstScreen(map) {
    var wrap = map.getContainer().closest(".map-wrap");
    if (!wrap || !window.matchMedia("(max-width: 59.99rem)").matches) { return; }
    var top = wrap.getBoundingClientRect().top + window.scrollY;
    wrap.style.height = Math.max(320, Math.round(window.innerHeight - top)) + "px";
    map.invalidateSize();
  }

  /* A button of the page moved onto the map as a control of its own (its label stays its name). */
  function onMap(map, button, position) {
    var Holder = L.Control.extend({
      options: { position: position },
      onAdd: function () {
        var box = el("div", { "class": "leaflet-bar map-button" }, [button]);
        L.DomEvent.disableClickPropagation(box);
        return box;
      }
    });
    new Holder().addTo(map);
  }

  /* Attribution folds into an (i) button, so on a phone it no longer covers the scale bar and the
     clusters under it; the button opens and closes it. */
  function foldAttribution(map, label) {
    var attribution = map.attributionControl && map.attributionControl.getContainer();
    if (!attribution) { return; }
    attribution.classList.add("folded");
    var Toggle = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var button = el("button", { type: "button", "class": "attribution-toggle", "aria-expanded": "false",
                                    "aria-label": label, title: label, text: "i" });
        L.DomEvent.disableClickPropagation(button);
        button.addEventListener("click", function () {
          var open = attribution.classList.toggle("folded") === false;
          button.setAttribute("aria-expanded", String(open));
        });
        return button;
      }
    });
    new Toggle().addTo(map);
  }

  function routeView(map, control, routeLayers, cfg) {
    var t = cfg.texts, bounds = [];
    cfg.stops.forEach(function (s) {
      if (!s.location_known) { return; }
      var marker = L.marker([s.lat, s.lon], {
        icon: L.divIcon({ className: "stop-marker", html: "<span>" + Number(s.seq) + "</span>", iconSize: [24, 24] }),
        title: s.seq + ". " + s.name + " – " + s.wheelchair_label, keyboard: true
      }).addTo(map);
      marker.bindPopup(function () {
        return el("div", { "class": "popup" }, [
          el("h3", { text: t.stop + " " + s.seq + ": " + s.name }),
          el("p", { "class": "popup-wheelchair", text: s.wheelchair_label }),
          el("p", { text: s.signage_label }),
          s.url ? el("a", { href: s.url, text: t.details }) : null
        ]);
      });
      bounds.push([s.lat, s.lon]);
    });
    var whole = L.latLngBounds(bounds);
    Object.keys(routeLayers).forEach(function (id) { whole.extend(routeLayers[id].getBounds()); });
    function fit() { if (whole.isValid()) { firstView(map, whole, { padding: [20, 20], animate: false }); } }
    fit();
    /* Print: lay the map out at the printed size and fit the whole route to it, then back */
    window.addEventListener("beforeprint", function () {
      document.body.classList.add("printing");
      var stamp = document.querySelector(".print-date");
      if (stamp) {
        stamp.textContent = stamp.getAttribute("data-text").replace("%(date)s",
          new Date().toLocaleDateString(document.documentElement.lang, { year: "numeric", month: "2-digit", day: "2-digit" }));
      }
      map.invalidateSize({ animate: false });
      fit();
    });
    window.addEventListener("afterprint", function () {
      document.body.classList.remove("printing");
      map.invalidateSize({ animate: false });
      fit();
    });
    document.body.setAttribute("data-loaded", "1");
  }

  function centreView(map, control, routeLayers, cfg) {
    var group = L.featureGroup().addTo(map);
    var marker = makeMarker(cfg.feature, cfg.texts).addTo(group);
    openPopupsOn(group, cfg.texts, null);
    map.setView(marker.getLatLng(), 11);
    document.body.setAttribute("data-loaded", "1");
  }

  function plainView(map, control, routeLayers) {
    var bounds = L.latLngBounds([]);
    Object.keys(routeLayers).forEach(function (id) { bounds.extend(routeLayers[id].getBounds()); });
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20] }); }
    document.body.setAttribute("data-loaded", "1");
  }

  window.craftmap = {
    start: function (map, control, routeLayers) {
      var cfg = config();
      map.getContainer().setAttribute("aria-label", document.title);
      [["zoom-in", cfg.texts.zoom_in], ["zoom-out", cfg.texts.zoom_out]].forEach(function (z) {
        var button = map.getContainer().querySelector(".leaflet-control-" + z[0]);
        if (button && z[1]) { button.title = z[1]; button.setAttribute("aria-label", z[1]); }
      });
      if (window.matchMedia("(max-width: 40rem)").matches) {  // on a phone the open layer list hides the map
        control.options.collapsed = true;  // else Leaflet opens it again whenever a layer changes
        control.collapse();
        map.on("click", control.collapse, control);
      }
      foldAttribution(map, cfg.texts.attribution);
      var views = { overview: overview, route: routeView, centre: centreView, plain: plainView };
      views[cfg.mode](map, control, routeLayers, cfg);
      if (cfg.mode === "overview") { fitFirstScreen(map); }
      keepFirstView(map, cfg.mode);
      window.craftmap.map = map;
      window.craftmap.routeLayers = routeLayers;
    }
  };
}());
