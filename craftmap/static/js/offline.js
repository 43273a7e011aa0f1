/* craftmap's offline worker: a route page a visitor has opened once keeps working on that device
   where the mobile signal ends. It keeps the page, what the page loaded (its stops' data, scripts,
   styles and map set-up), its GPX, KML and GeoJSON, and the map tiles already seen. A page, its data
   and tiles are asked of the network first and the saved copy used only when that fails; a saved
   page says it is one, and from when. Requests of any other page pass through untouched. */
"use strict";

var PAGES = "craftmap-routes-v1", TILES = "craftmap-tiles-v1", TILE_MAX = 500, PATIENCE_MS = 8000;
var SCOPE = new URL(self.registration.scope);
var STATIC = SCOPE.pathname + "static/";  // content-hashed URLs: a saved copy never goes stale
var TILE_PATH = /\/\d+\/\d+\/\d+(@2x)?\.(png|jpe?g|webp)$/;  // a base-map tile: zoom, column and row

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function sameOrigin(url) { return url.origin === SCOPE.origin; }

function isRoutePage(href) {
  var url = new URL(href, SCOPE);
  var rest = url.pathname.slice(SCOPE.pathname.length);
  return sameOrigin(url) && url.pathname.indexOf(SCOPE.pathname) === 0 && /^routes\/[^/]+$/.test(rest);
}

function isTile(request, url) {
  return request.destination === "image" && TILE_PATH.test(url.pathname);
}

/* The network's answer, or a failure after PATIENCE_MS: a weak signal should not hang the page. */
function fromNetwork(request) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("no answer")); }, PATIENCE_MS);
    fetch(request).then(function (r) { clearTimeout(timer); resolve(r); },
                        function (e) { clearTimeout(timer); reject(e); });
  });
}

function keep(cacheName, request, response) {
  if (!response || !(response.ok || response.type === "opaque")) { return Promise.resolve(); }
  return caches.open(cacheName).then(function (cache) {
    return cache.put(request, response).then(function () { return cacheName === TILES ? trim(cache) : null; });
  });
}

function trim(cache) {  // the oldest tiles go first, so a long journey cannot fill the phone
  return cache.keys().then(function (keys) {
    return Promise.all(keys.slice(0, Math.max(0, keys.length - TILE_MAX)).map(function (k) { return cache.delete(k); }));
  });
}

/* A page's copy carries the time it was saved. */
function stamped(response) {
  var headers = new Headers(response.headers);
  headers.set("X-Craftmap-Saved-At", new Date().toISOString());
  return response.blob().then(function (b) {
    return new Response(b, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function saved(request, anyQuery) {
  return caches.match(request, { ignoreVary: true }).then(function (hit) {
    return hit || (anyQuery ? caches.match(request, { ignoreVary: true, ignoreSearch: true }) : null);
  });
}

/* The saved page, marked so that its script says "saved copy from …". */
function savedPage(hit) {
  var at = (hit.headers.get("X-Craftmap-Saved-At") || "").replace(/[^0-9TZ:.\-]/g, "");
  return hit.text().then(function (html) {
    var headers = new Headers(hit.headers);
    headers.delete("Content-Length");
    return new Response(html.replace("<html ", '<html data-saved-at="' + at + '" '), { status: 200, headers: headers });
  });
}

function routePage(event) {
  var request = event.request;
  return fromNetwork(request).then(function (response) {
    if (response.ok) { event.waitUntil(stamped(response.clone()).then(function (r) { return keep(PAGES, request, r); })); }
    return response;
  }, function () {
    return saved(request, true).then(function (hit) { return hit ? savedPage(hit) : Response.error(); });
  });
}

/* Network first, the saved copy when the network fails; what the network gives is kept. */
function networkFirst(event, cacheName, anyQuery) {
  var request = event.request;
  return fromNetwork(request).then(function (response) {
    event.waitUntil(keep(cacheName, request, response.clone()));
    return response;
  }, function () {
    return saved(request, anyQuery).then(function (hit) { return hit || Response.error(); });
  });
}

function cacheFirst(event) {
  return saved(event.request, false).then(function (hit) {
    return hit || fetch(event.request).then(function (response) {
      event.waitUntil(keep(PAGES, event.request, response.clone()));
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET") { return; }
  if (request.mode === "navigate") {
    if (isRoutePage(url.href)) { event.respondWith(routePage(event)); return; }
    // a download a route page offered (GPX, KML, GeoJSON) opens from its saved copy when offline
    if (sameOrigin(url)) {
      event.respondWith(fetch(request).catch(function () {
        return saved(request, false).then(function (hit) { return hit || Response.error(); });
      }));
    }
    return;
  }
  if (isTile(request, url)) { event.respondWith(networkFirst(event, TILES, false)); return; }
  if (!sameOrigin(url) || !isRoutePage(request.referrer || SCOPE.href)) { return; }
  if (url.pathname.indexOf(STATIC) === 0) { event.respondWith(cacheFirst(event)); return; }
  event.respondWith(networkFirst(event, PAGES, true));
});

/* A route page opened before this worker took charge names what it loaded and offers: all is saved
   now, so the first visit already works offline. The page is told when it is done. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || !isRoutePage(String(data.page || ""))) { return; }
  var urls = (Array.isArray(data.urls) ? data.urls : []).slice(0, 300);
  var work = caches.open(PAGES).then(function (cache) {
    var page = new Request(data.page);
    var jobs = [fetch(page).then(function (r) { return r.ok ? stamped(r).then(function (s) { return cache.put(page, s); }) : null; })];
    urls.forEach(function (href) {
      var url = new URL(String(href), SCOPE);
      if (sameOrigin(url)) {
        jobs.push(fetch(url.href).then(function (r) { return r.ok ? cache.put(url.href, r) : null; }));
      } else if (/^https?:$/.test(url.protocol) && TILE_PATH.test(url.pathname)) {
        jobs.push(fetch(url.href, { mode: "no-cors" }).then(function (r) { return keep(TILES, new Request(url.href), r); }));
      }
    });
    return Promise.allSettled(jobs);
  }).then(function (results) {
    var failed = results.filter(function (r) { return r.status === "rejected"; }).length;
    if (event.source) { event.source.postMessage({ type: "kept", failed: failed }); }
  });
  event.waitUntil(work);
});
