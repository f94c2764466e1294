// The pages' behaviours, bound here rather than in inline attributes (the Content-Security-Policy refuses them).
document.addEventListener("click", function (evenement) {
  if (evenement.target.closest("[data-imprimer]")) {
    window.print();
  }
});

// A table or a text wider than a narrow window scrolls sideways within the page: a keyboard user must be able to
// reach it to scroll it (RGAA 7.3, axe « scrollable-region-focusable »). Only the regions that do scroll join the
// tab order, and they leave it once the window is wide enough again.
(function () {
  var REGIONS = "main table, main pre, main .fr-table__content";
  var FOCALISABLES = "a[href], button, input, select, textarea, [tabindex]";

  function defilantes() {
    document.querySelectorAll(REGIONS).forEach(function (region) {
      var defile = region.scrollWidth > region.clientWidth + 1 && getComputedStyle(region).overflowX !== "visible";
      if (defile && !region.hasAttribute("tabindex") && !region.querySelector(FOCALISABLES)) {
        region.setAttribute("tabindex", "0");
        region.setAttribute("data-defilante", "");
      } else if (!defile && region.hasAttribute("data-defilante")) {
        region.removeAttribute("tabindex");
        region.removeAttribute("data-defilante");
      }
    });
  }

  var attente;
  function plusTard() {
    clearTimeout(attente);
    attente = setTimeout(defilantes, 150);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", defilantes);
  } else {
    defilantes();
  }
  window.addEventListener("load", defilantes);
  window.addEventListener("resize", plusTard);
  document.addEventListener("htmx:afterSettle", defilantes); // a part of the page refreshed in place
})();
