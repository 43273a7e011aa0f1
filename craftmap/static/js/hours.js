/* craftmap: under the opening hours field, show how the hours typed will be read and saved, as the
   server reads them (the same rules as saving). Texts come from the page, set with textContent. */
(function () {
  "use strict";
  var input = document.getElementById("f-opening_hours"), out = document.getElementById("hours-understood");
  var parts = document.getElementById("hours-understood-parts");
  if (!input || !out || !parts || !window.fetch) { return; }
  var cfg = out.dataset, timer = null, pending = null;

  function showReading(d) {
    out.textContent = "";
    if (!d.stored) { return; }
    out.appendChild(parts.content.cloneNode(true));
    out.querySelector(".understood-text").textContent = d.text;
    out.querySelector(".understood-stored").textContent = d.stored;
  }

  function showError(message) {
    out.textContent = "";
    var p = document.createElement("p");
    p.className = "error";
    p.textContent = message;
    out.appendChild(p);
  }

  function ask() {
    var text = input.value.trim();
    if (pending) { pending.abort(); }
    if (!text) { out.textContent = ""; pending = null; return; }
    var request = pending = new AbortController();
    var url = new URL(cfg.preview, document.baseURI);  // the page's ?lang= is already in it
    url.searchParams.set("text", text);
    url.searchParams.set("country", cfg.country);
    fetch(url.toString(), { signal: request.signal, headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (d) { return { ok: r.ok, body: d }; });
      })
      .then(function (answer) {
        if (request !== pending) { return; }
        if (answer.ok) { showReading(answer.body); } else { showError(answer.body.error || cfg.failed); }
        out.setAttribute("data-checked", text);
      })
      .catch(function (e) {
        if (e.name !== "AbortError" && request === pending) { showError(cfg.failed); }
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 300);
  });
}());
