// Swagger UI, vendored from npm (swagger-ui-dist, Apache-2.0); no validator badge, which would
// send the contract to an outside service.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: true,
  tryItOutEnabled: true,
});
