//! The OpenAPI contract: the committed file is what the code generates, a real validator accepts
//! it, its examples fit their schemas, the server serves it with its docs and page, and a
//! schema-driven fuzzer (schemathesis), sending an API key, finds no 5xx and no response that
//! breaks the schema.

use crate::common;

use std::process::Command;
use std::time::Duration;

use common::synth::Codec;
use common::{TestApp, happy_spec, repo, run_tool, test_tool, tool_output, video};
use emoscope::api::openapi::document_json;
use serde_json::Value;

#[test]
fn committed_contract_matches_the_code() {
    let path = repo().join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).expect("openapi/openapi.json");
    assert!(
        committed == document_json(),
        "openapi/openapi.json is not what the code generates; regenerate it with\n    \
         cargo run -- openapi > openapi/openapi.json"
    );
    let doc: Value = serde_json::from_str(&committed).expect("JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    // Every route of the API is in the contract.
    for path in [
        "/v1/jobs",
        "/v1/jobs/{id}",
        "/v1/jobs/{id}/cancel",
        "/v1/jobs/{id}/events",
        "/v1/jobs/{id}/emotions",
        "/v1/jobs/{id}/timeline",
        "/v1/jobs/{id}/people",
        "/v1/jobs/{id}/people/{person}/timeline",
        "/v1/jobs/{id}/annotated.mp4",
        "/v1/jobs/{id}/report",
        "/v1/jobs/{id}/reports",
        "/v1/jobs/{id}/reports/{report_id}",
        "/v1/jobs/{id}/deliveries",
        "/v1/info",
        "/healthz",
        "/readyz",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not documented");
    }
    // Every 4xx/5xx answer points at the one error schema.
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            for (status, response) in op["responses"].as_object().expect("responses") {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

#[test]
fn openapi_spec_validator_accepts_the_contract() {
    let validator = test_tool("third_party/venv/bin/openapi-spec-validator");
    let out = run_tool(
        Command::new(validator).arg(repo().join("openapi/openapi.json")),
        "openapi-spec-validator",
    );
    assert!(out.contains(": OK"), "{out}");
}

#[test]
fn every_example_in_the_contract_fits_its_schema() {
    let python = test_tool("third_party/venv/bin/python");
    let out = run_tool(
        Command::new(python)
            .arg(repo().join("tests/tools/check_examples.py"))
            .arg(repo().join("openapi/openapi.json")),
        "check_examples.py",
    );
    assert!(out.contains(", 0 wrong"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_serves_its_contract_docs_and_page_offline() {
    let app = TestApp::start(|_| {}).await;
    let resp = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.expect("body"), document_json());
    for (path, kind, needle) in [
        ("/", "text/html", "<title>Emoscope</title>"),
        ("/assets/app.js", "text/javascript", "/v1/jobs"),
        ("/assets/charts.js", "text/javascript", "Charts"),
        ("/assets/app.css", "text/css", ":root"),
        ("/docs", "text/html", "swagger-ui-bundle.js"),
        ("/docs/init.js", "text/javascript", "/openapi.json"),
        (
            "/docs/swagger-ui-bundle.js",
            "text/javascript",
            "SwaggerUIBundle",
        ),
        ("/docs/swagger-ui.css", "text/css", ".swagger-ui"),
    ] {
        let resp = app.client.get(app.url(path)).send().await.expect("get");
        assert_eq!(resp.status(), 200, "{path}");
        let headers = resp.headers().clone();
        let ctype = headers["content-type"].to_str().expect("ascii");
        assert!(ctype.starts_with(kind), "{path}: {ctype}");
        let csp = headers["content-security-policy"].to_str().expect("ascii");
        assert!(csp.starts_with("default-src 'self'"), "{path}: {csp}");
        let body = resp.text().await.expect("body");
        assert!(body.contains(needle), "{path} lacks {needle:?}");
        // Offline: nothing the page or docs load points at another host.
        if path.ends_with(".html") || !path.contains('.') {
            for attr in ["src=\"http", "href=\"http"] {
                assert!(!body.contains(attr), "{path} loads from elsewhere");
            }
        }
    }
    // Revalidation is cheap (ETag → 304) and the big bundle is gzipped for browsers that ask.
    let bundle = app.url("/docs/swagger-ui-bundle.js");
    let resp = app.client.get(&bundle).send().await.expect("get");
    let etag = resp.headers()["etag"].clone();
    let resp = app
        .client
        .get(&bundle)
        .header("if-none-match", etag)
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 304);
    let resp = app
        .client
        .get(&bundle)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("get");
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    app.stop().await;
}

/// Two passes: one over every operation with made-up ids, and one with the id of a real succeeded
/// job (with a report), so that results, timeline and reports are fuzzed for real.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_response_off_the_schema() {
    let schemathesis = test_tool("third_party/venv/bin/schemathesis");
    let mut app = TestApp::start(|c| {
        c.limits.max_queued_jobs = 1000;
        // Coverage, not the rate limits, is what this run is for.
        c.rate_limits.uploads_per_minute = 0;
        c.rate_limits.reports_per_minute = 0;
    })
    .await;
    // Keys are required, as on a shared server: schemathesis sends one, and checks that each
    // operation refuses a request without it.
    let (_, key) = common::keys::make_key(&app, "schemathesis", false).await;
    app.client = common::keys::client_with(&key);
    let (status, job) = app
        .upload(&video("happy", happy_spec, Codec::H264Mp4), &[])
        .await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    let job = app.wait(&id, Duration::from_secs(120)).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let (status, report) = app
        .post_report(&id, serde_json::json!({"provider": "template"}))
        .await;
    assert_eq!(status, 202, "{report}");

    let out = common::artifacts_dir("schemathesis");
    let config = out.join("schemathesis.toml");
    let report_id = report["id"].as_str().expect("report id");
    std::fs::write(
        &config,
        format!("[parameters]\n\"path.id\" = \"{id}\"\n\"path.report_id\" = \"{report_id}\"\n"),
    )
    .expect("config");
    let spec = app.url("/openapi.json");
    // positive_data_acceptance is left out: limits are configuration (the contract can't know
    // them) and random bytes that match `format: binary` are rarely a video.
    let auth = format!("Authorization: Bearer {key}");
    let checks = [
        "run", &spec, "--url", &app.base, "--checks", "all", "--header", &auth,
    ];
    let common = [
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        "50",
        "--seed",
        "1",
        "--no-color",
    ];
    // The pass with the real job's id leaves out DELETE; the other may delete it (it lists jobs).
    for (name, extra) in [
        ("real-job", vec!["--exclude-method", "DELETE"]),
        ("random-ids", vec![]),
    ] {
        let mut cmd = Command::new(&schemathesis);
        // Its example database (.hypothesis/) goes with the logs, not into the checkout.
        cmd.current_dir(&out);
        if name == "real-job" {
            cmd.arg("--config-file").arg(&config);
        }
        cmd.args(checks).args(common).args(&extra);
        // Blocking, on another thread: the server under test runs on this runtime.
        let output = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .expect("join")
            .expect("schemathesis starts");
        let log = tool_output(output, &format!("schemathesis ({name})"));
        std::fs::write(out.join(format!("{name}.log")), &log).expect("log");
        assert!(log.contains(" passed"), "{log}");
        assert!(!log.contains(" failed"), "{log}");
        if name == "real-job" {
            // Hundreds of bad requests later, the real job and its results are intact.
            let (status, job) = app.get(&format!("/v1/jobs/{id}")).await;
            assert_eq!(status, 200, "{job}");
            assert_eq!(job["status"], "succeeded");
            let (status, emotions) = app.get(&format!("/v1/jobs/{id}/emotions")).await;
            assert_eq!(status, 200);
            assert_eq!(emotions["dominant"], "happy");
        }
    }
    app.stop().await;
}
