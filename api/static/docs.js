// Starts Swagger UI on /docs (api/pages/documentation.py): a static script, since the page's
// Content-Security-Policy refuses inline ones. The options are FastAPI's default ones.
window.addEventListener("load", function () {
  var racine = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: racine.dataset.schema,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
