/* craftmap: what every page does in the browser. Served as a file because the Content Security
   Policy runs no inline script and applies no style attribute: colours arrive as data-colour and are
   set here through the style object, which the policy allows. */
(function () {
  "use strict";

  function paint(root) {
    root.querySelectorAll(".swatch[data-colour]").forEach(function (s) { s.style.borderColor = s.dataset.colour; });
    root.querySelectorAll(".chip[data-colour]").forEach(function (c) { c.style.backgroundColor = c.dataset.colour; });
  }

  function printButtons() {
    document.querySelectorAll("button.print-button").forEach(function (b) {
      b.hidden = false;  // without script the button could do nothing, so it stays hidden
      b.addEventListener("click", function () { window.print(); });
    });
  }

  function keepPainted(box) {  // Leaflet rebuilds its layer list whenever a layer is added or toggled
    new MutationObserver(function () { paint(box); }).observe(box, { childList: true, subtree: true });
  }

  function foldOnPhones() {  // long forms wait behind their summary on a phone, so the results come first
    if (!window.matchMedia("(max-width: 59.99rem)").matches) { return; }
    document.querySelectorAll("details.fold-narrow").forEach(function (d) { d.open = false; });
  }

  /* A route page asks the offline worker (static/js/offline.js) to keep it and all it loaded and
     offers; a copy the worker served without a connection says so, and from when. */
  function offline() {
    var note = document.querySelector(".offline-note[data-worker]");
    if (!note) { return; }
    var at = new Date(document.documentElement.getAttribute("data-saved-at") || "");
    if (!isNaN(at)) {  // a saved copy is not saved again
      note.textContent = note.getAttribute("data-saved-text").replace("%(date)s",
        at.toLocaleString(document.documentElement.lang, { dateStyle: "long", timeStyle: "short" }));
      note.classList.add("saved-copy");
      note.hidden = false;
      return;
    }
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.addEventListener("message", function (e) {
      if (!e.data || e.data.type !== "kept") { return; }
      document.body.setAttribute("data-offline", e.data.failed ? "partial" : "ready");
      if (e.data.failed) { return; }
      note.textContent = note.getAttribute("data-ready-text");
      note.hidden = false;
    });
    navigator.serviceWorker.register(note.getAttribute("data-worker")).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var urls = performance.getEntriesByType("resource").map(function (e) { return e.name; });
      document.querySelectorAll("a[download], link[rel=alternate]").forEach(function (a) { urls.push(a.href); });
      registration.active.postMessage({ type: "keep", page: window.location.href, urls: urls });
    }).catch(function () { document.body.setAttribute("data-offline", "unavailable"); });
  }

  window.addEventListener("load", offline);

  /* Files over what the server takes in one request are stopped here, before the answers typed beside
     them are sent and lost to a "too large" page. */
  function uploadLimits() {
    document.querySelectorAll("input[type=file][data-max-total]").forEach(function (input) {
      var note = document.getElementById("photos-too-much");
      input.form.addEventListener("submit", function (e) {
        var total = Array.prototype.reduce.call(input.files, function (n, f) { return n + f.size; }, 0);
        var over = total > Number(input.getAttribute("data-max-total"));
        note.hidden = !over;
        if (!over) { return; }
        e.preventDefault();
        note.textContent = input.getAttribute("data-too-much").replace("%(mb)s", (total / 1048576).toLocaleString(
          document.documentElement.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }));
        input.focus();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    foldOnPhones();
    paint(document);
    document.querySelectorAll(".leaflet-control-layers").forEach(keepPainted);
    printButtons();
    uploadLimits();
  });
}());
