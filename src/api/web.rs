//! The web page (`/`), the API docs (`/docs`) and the contract (`/openapi.json`), all embedded in
//! the binary: the service may run in a closed network, so nothing is fetched from elsewhere.

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::compression::CompressionLayer;

use super::AppState;

/// Only this origin, so a page that reached out to a CDN would break visibly, not silently.
/// `blob:` media: with an API key the page fetches the annotated video itself.
const PAGE_CSP: &str = "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
/// Swagger UI sets inline styles and draws its icons as data: SVGs.
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

struct Asset {
    path: &'static str,
    content_type: &'static str,
    csp: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $file:literal, $type:expr, $csp:expr) => {
        Asset {
            path: $path,
            content_type: $type,
            csp: $csp,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $file)),
        }
    };
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

static ASSETS: &[Asset] = &[
    asset!("/", "index.html", HTML, PAGE_CSP),
    asset!("/assets/app.js", "app.js", JS, PAGE_CSP),
    asset!("/assets/charts.js", "charts.js", JS, PAGE_CSP),
    asset!("/assets/live.js", "live.js", JS, PAGE_CSP),
    asset!("/assets/app.css", "app.css", CSS, PAGE_CSP),
    asset!("/docs", "docs.html", HTML, DOCS_CSP),
    asset!("/docs/init.js", "docs-init.js", JS, DOCS_CSP),
    asset!(
        "/docs/swagger-ui-bundle.js",
        "vendor/swagger-ui/swagger-ui-bundle.js",
        JS,
        DOCS_CSP
    ),
    asset!(
        "/docs/swagger-ui.css",
        "vendor/swagger-ui/swagger-ui.css",
        CSS,
        DOCS_CSP
    ),
];

/// A content hash, so that a browser revalidates with `If-None-Match` and gets a 304 instead of
/// the 1.7 MB Swagger bundle again.
fn etag(asset: &Asset) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    asset.body.hash(&mut h);
    format!("\"{:016x}\"", h.finish())
}

fn serve(asset: &'static Asset, etag: &str, request: &HeaderMap) -> Response {
    let etag = HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"\""));
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes());
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(asset.csp),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        // Versioned with the binary: always revalidate, which the ETag makes cheap.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::ETAG, etag),
    ];
    if fresh {
        (StatusCode::NOT_MODIFIED, headers).into_response()
    } else {
        (headers, asset.body).into_response()
    }
}

async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi::document_json(),
    )
        .into_response()
}

pub fn routes() -> Router<AppState> {
    let mut router = Router::new().route("/openapi.json", get(openapi_json));
    for asset in ASSETS {
        let tag = etag(asset);
        router = router.route(
            asset.path,
            get(move |headers: HeaderMap| async move { serve(asset, &tag, &headers) }),
        );
    }
    // Gzip when the browser accepts it: the Swagger bundle shrinks from 1.7 MB to about 0.5 MB.
    router.layer(CompressionLayer::new())
}
