// Swagger UI of /docs from this server's own copy (static/vendor/swagger-ui): no CDN, no inline script.
window.ui = SwaggerUIBundle({
  url: document.getElementById("swagger-ui").dataset.openapi,
  dom_id: "#swagger-ui",
  deepLinking: true,
  layout: "BaseLayout",
  presets: [SwaggerUIBundle.presets.apis],
  showExtensions: true,
  // no validator badge: it would send the API description to validator.swagger.io
  validatorUrl: null,
});
