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

  document.addEventListener("DOMContentLoaded", function () {
    foldOnPhones();
    paint(document);
    document.querySelectorAll(".leaflet-control-layers").forEach(keepPainted);
    printButtons();
  });
}());
