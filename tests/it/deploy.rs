//! The Kubernetes manifests of `deploy/kubernetes`: the base and the example production overlay
//! rendered with kubectl's kustomize and checked strictly against the Kubernetes 1.37 API
//! schemas (`kubernetes-validate`, offline), then read for what the schemas cannot know: that
//! every setting they pass is one the service takes, that a worker pod outlasts the worker's
//! own stop, and that every container runs locked down. Both tools come from PyPI into
//! third_party/venv (`scripts/setup.sh --test`).

use std::process::Command;

use serde_json::Value;

use crate::common::{repo, run_tool, test_tool};

/// The resources `kubectl kustomize DIR` renders, as JSON, and the rendered YAML.
fn render(dir: &str) -> (Vec<Value>, String) {
    let kubectl = test_tool("third_party/venv/bin/kubectl");
    let yaml = run_tool(
        Command::new(kubectl)
            .arg("kustomize")
            .arg(repo().join("deploy/kubernetes").join(dir)),
        "kubectl kustomize",
    );
    let path = std::env::temp_dir().join(format!(
        "emoscope-deploy-{}-{}.yaml",
        dir.replace('/', "-"),
        std::process::id()
    ));
    std::fs::write(&path, &yaml).expect("write the rendered manifests");
    let python = test_tool("third_party/venv/bin/python");
    let json = run_tool(
        Command::new(python)
            .arg("-c")
            .arg("import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))")
            .arg(&path),
        "yaml to json",
    );
    let _ = std::fs::remove_file(&path);
    let docs: Vec<Value> = serde_json::from_str(&json).expect("the rendered manifests as JSON");
    (docs, yaml)
}

/// `kubernetes-validate --strict` of rendered manifests; its report.
fn validate(dir: &str, yaml: &str) -> String {
    let path = std::env::temp_dir().join(format!(
        "emoscope-validate-{}-{}.yaml",
        dir.replace('/', "-"),
        std::process::id()
    ));
    std::fs::write(&path, yaml).expect("write the rendered manifests");
    let validator = test_tool("third_party/venv/bin/kubernetes-validate");
    let out = Command::new(validator)
        .args(["--strict", "--kubernetes-version", "1.37.0"])
        .arg(&path)
        .output()
        .expect("run kubernetes-validate");
    let _ = std::fs::remove_file(&path);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{dir} does not validate:\n{report}");
    report
}

fn kinds(docs: &[Value]) -> Vec<String> {
    docs.iter()
        .map(|d| format!("{}/{}", d["kind"].as_str().unwrap_or("?"), name(d)))
        .collect()
}

fn name(doc: &Value) -> &str {
    doc["metadata"]["name"].as_str().unwrap_or("?")
}

fn find<'a>(docs: &'a [Value], kind: &str, prefix: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && name(d).starts_with(prefix))
        .unwrap_or_else(|| panic!("no {kind} {prefix}* among {:?}", kinds(docs)))
}

/// The report says `resource` (its kind and name, or the start of its name) passed.
fn passed(report: &str, resource: &str) {
    assert!(
        report.contains(&format!("passed for resource {resource}")),
        "{resource} was not checked:\n{report}"
    );
}

#[test]
fn the_base_and_the_production_example_render_and_validate_strictly() {
    let (base, yaml) = render("base");
    let report = validate("base", &yaml);
    for resource in [
        "configmap/emoscope-config",
        "service/emoscope",
        "deployment/emoscope-api",
        "deployment/emoscope-worker",
        "poddisruptionbudget/emoscope-api",
        "poddisruptionbudget/emoscope-worker",
        "horizontalpodautoscaler/emoscope-worker",
    ] {
        passed(&report, resource);
    }
    assert!(!report.contains("WARN"), "{report}");
    assert_eq!(base.len(), 7, "{:?}", kinds(&base));

    let (production, yaml) = render("overlays/example-production");
    let report = validate("overlays/example-production", &yaml);
    for resource in [
        "namespace/emoscope",
        "ingress/emoscope",
        "secret/emoscope-secrets",
    ] {
        passed(&report, resource);
    }
    // KEDA's ScaledObject replaces the autoscaler; its schema is KEDA's, not Kubernetes'.
    let all = kinds(&production);
    assert!(
        all.contains(&"ScaledObject/emoscope-worker".to_string()),
        "{all:?}"
    );
    assert!(
        !all.iter().any(|k| k.starts_with("HorizontalPodAutoscaler")),
        "{all:?}"
    );
    let warnings: Vec<&str> = report.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{report}");
    assert!(warnings[0].contains("ScaledObject"), "{report}");
    assert!(
        production
            .iter()
            .all(|d| d["kind"] == "Namespace" || d["metadata"]["namespace"] == "emoscope")
    );
}

#[test]
fn every_setting_the_manifests_pass_is_one_the_service_takes() {
    for dir in ["base", "overlays/example-production"] {
        let (docs, _) = render(dir);
        let config = find(&docs, "ConfigMap", "emoscope-config");
        let mut vars: Vec<(String, String)> = config["data"]
            .as_object()
            .expect("the ConfigMap's data")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        if let Some(secret) = docs.iter().find(|d| d["kind"] == "Secret") {
            for key in secret["data"]
                .as_object()
                .expect("the Secret's data")
                .keys()
            {
                // The values are placeholders; a URL of the right kind stands in for them.
                let value = match key.as_str() {
                    "EMOSCOPE_DATABASE_URL" => "postgres://emoscope:x@db.example/emoscope",
                    _ => "placeholder",
                };
                vars.push((key.clone(), value.to_string()));
            }
        }
        let settings = vars
            .iter()
            .filter(|(k, _)| k.starts_with("EMOSCOPE_"))
            .count();
        assert!(settings >= 6, "{dir}: {vars:?}");
        let config = emoscope::config::Config::layered(None, vars.clone())
            .unwrap_or_else(|e| panic!("{dir}: the service refuses its settings: {e:#}"));
        assert_eq!(
            config.storage.bucket,
            if dir == "base" {
                "emoscope"
            } else {
                "emoscope-prod"
            }
        );
        // A worker pod outlasts the worker's own stop: SIGTERM, the grace to finish, then the
        // hand-back, all before Kubernetes' SIGKILL.
        let worker = find(&docs, "Deployment", "emoscope-worker");
        let pod_grace = worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
            .as_u64()
            .expect("the worker pods' grace period");
        assert!(
            pod_grace >= config.queue.stop_grace_secs + 10,
            "{dir}: pods get {pod_grace} s, workers take {} s to stop",
            config.queue.stop_grace_secs
        );
    }
}

#[test]
fn every_container_runs_locked_down_and_the_api_is_probed() {
    let (docs, _) = render("overlays/example-production");
    for component in ["emoscope-api", "emoscope-worker"] {
        let pod = &find(&docs, "Deployment", component)["spec"]["template"]["spec"];
        assert_eq!(pod["securityContext"]["runAsUser"], 10001, "{component}");
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{component}");
        assert_eq!(pod["automountServiceAccountToken"], false, "{component}");
        let containers = pod["containers"].as_array().expect("containers");
        assert!(!containers.is_empty());
        for c in containers {
            let security = &c["securityContext"];
            assert_eq!(security["readOnlyRootFilesystem"], true, "{component}");
            assert_eq!(security["allowPrivilegeEscalation"], false, "{component}");
            assert_eq!(security["capabilities"]["drop"], serde_json::json!(["ALL"]));
            assert!(
                c["image"]
                    .as_str()
                    .is_some_and(|i| i.starts_with("registry.example.com/emoscope:")),
                "{c}"
            );
            // The service writes only its data folder, a volume.
            let mounts = c["volumeMounts"].as_array().expect("volume mounts");
            assert!(
                mounts.iter().any(|m| m["mountPath"] == "/data"),
                "{component}"
            );
        }
    }
    let api =
        &find(&docs, "Deployment", "emoscope-api")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(api["args"], serde_json::json!(["serve", "--api-only"]));
    assert_eq!(api["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(api["livenessProbe"]["httpGet"]["path"], "/healthz");
    let worker =
        &find(&docs, "Deployment", "emoscope-worker")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(worker["args"][0], "worker");
}
