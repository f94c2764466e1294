// The pages' behaviours, bound here rather than in inline attributes (the Content-Security-Policy refuses them).
document.addEventListener("click", function (evenement) {
  if (evenement.target.closest("[data-imprimer]")) {
    window.print();
  }
});
