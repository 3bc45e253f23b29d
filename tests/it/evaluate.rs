//! `emoscope evaluate` reproduces the PyTorch accuracy recorded at training time, on the real
//! FER2013 PrivateTest split, within 0.2 percentage points.

use crate::common;

use emoscope::cli::evaluate::evaluate;
use serde_json::Value;

/// The emotion models in `models/`, by name; there is at least one.
fn shipped_models(config: &emoscope::config::Config) -> Vec<String> {
    let models: Vec<String> = std::fs::read_dir(&config.models_dir)
        .expect("models dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "onnx"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    assert!(!models.is_empty());
    models
}

#[test]
fn evaluate_agrees_with_pytorch_on_private_test() {
    let test_split = common::synth::fer_dir().join("test");
    let dir = tempfile::tempdir().expect("dir");
    let config = common::test_config(dir.path());
    for name in shipped_models(&config) {
        let metrics_path = common::repo()
            .join("training/runs")
            .join(&name)
            .join("metrics.json");
        let text = std::fs::read_to_string(&metrics_path).unwrap_or_else(|e| {
            panic!(
                "model {name} has no training record at {}: {e}",
                metrics_path.display()
            )
        });
        let metrics: Value = serde_json::from_str(&text).expect("metrics json");
        let torch = metrics["test_PrivateTest"]["accuracy"]
            .as_f64()
            .expect("accuracy");

        let e = evaluate(&config, &test_split, Some(&name)).expect("evaluate");
        assert_eq!(e.images, 3589, "PrivateTest has 3589 images");
        let diff = (e.accuracy - torch).abs() * 100.0;
        assert!(
            diff <= 0.2,
            "model {name}: service {:.2}% vs PyTorch {:.2}%",
            e.accuracy * 100.0,
            torch * 100.0
        );
        let total: u64 = e.confusion.iter().flatten().sum();
        assert_eq!(total, 3589);
    }
}

/// The pipeline benchmark on ten faces of each class: every condition is reported, large clean
/// faces are found, and what it measures stays in sane bounds. (The figures themselves are in
/// docs/benchmarks.md, from the full command.)
#[test]
fn the_pipeline_benchmark_reports_every_condition() {
    use emoscope::cli::through_pipeline::{CONDITIONS, evaluate_through_pipeline};
    let test_split = common::synth::fer_dir().join("test");
    let dir = tempfile::tempdir().expect("dir");
    let config = common::test_config(dir.path());
    let e = evaluate_through_pipeline(&config, &test_split, None, 10, None).expect("evaluate");
    assert_eq!(e.images, 70);
    assert_eq!(e.conditions.len(), CONDITIONS.len());
    assert!((0.4..=0.95).contains(&e.direct_accuracy), "{e:?}");
    let large = e
        .conditions
        .iter()
        .find(|r| r.condition.name == "160 px")
        .expect("160 px");
    assert!(large.detected >= 0.85, "{large:?}");
    for r in &e.conditions {
        assert!(r.accuracy <= r.accuracy_detected + 1e-9, "{r:?}");
        assert!(
            r.aligned_accuracy <= r.aligned_accuracy_detected + 1e-9,
            "{r:?}"
        );
        assert!((0.0..=1.0).contains(&r.detected), "{r:?}");
    }
    assert!(large.aligned_accuracy_detected > 0.4, "{large:?}");
}

/// Judged against FER+'s majority, the pipeline benchmark keeps only the faces that have one.
#[test]
fn the_pipeline_benchmark_can_judge_against_the_ferplus_majority() {
    use emoscope::cli::against_people::read_votes;
    use emoscope::cli::through_pipeline::evaluate_through_pipeline;
    let fer = common::synth::fer_dir();
    let votes = fer.join("ferplus/kaggle_to_fer2013_row.csv");
    assert!(votes.exists(), "{} is missing", votes.display());
    let dir = tempfile::tempdir().expect("dir");
    let config = common::test_config(dir.path());
    let e = evaluate_through_pipeline(&config, &fer.join("test"), None, 3, Some(&votes))
        .expect("evaluate");
    assert_eq!(e.labels, "ferplus");
    // The first three faces of each class folder, less those without a clear majority.
    let all = read_votes(&votes).expect("votes");
    let with_majority = emoscope::cli::evaluate::dataset_files(&fer.join("test"), 3)
        .expect("files")
        .iter()
        .filter(|(p, _)| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            all.get(&name).and_then(|v| v.majority()).is_some()
        })
        .count();
    assert_eq!(e.images, with_majority);
    assert!(e.images > 0 && e.images <= 21, "{}", e.images);
    assert!((0.0..=1.0).contains(&e.direct_accuracy));
}

/// Against people: every shipped model has a FER+ record and reproduces it on PrivateTest (the
/// faces with a clear majority, agreement and shares within 0.2 points, the calibration error
/// and the cross-entropy within 0.003).
#[test]
fn evaluate_against_people_reproduces_the_recorded_figures() {
    use emoscope::cli::against_people::evaluate_against_people;
    let fer = common::synth::fer_dir();
    let votes = fer.join("ferplus/kaggle_to_fer2013_row.csv");
    assert!(
        votes.exists(),
        "{} is missing: the FER+ votes come with ../shared/data/fer2013",
        votes.display()
    );
    let dir = tempfile::tempdir().expect("dir");
    let config = common::test_config(dir.path());
    let runs = common::repo().join("training/runs");
    let record = |name: &str| -> Option<Value> {
        let text = std::fs::read_to_string(runs.join(name).join("ferplus.json")).ok()?;
        Some(serde_json::from_str(&text).expect("record json"))
    };
    for name in shipped_models(&config) {
        let r = record(&name).unwrap_or_else(|| {
            panic!("the shipped model {name} has no FER+ record (ferplus.json)")
        });
        let a = evaluate_against_people(&config, &fer.join("test"), &votes, Some(&name))
            .expect("evaluate");
        assert_eq!(
            a.faces as u64,
            r["faces"].as_u64().expect("faces"),
            "{name}"
        );
        let near = |got: f64, key: &str| {
            let want = r[key].as_f64().expect(key);
            assert!((got - want).abs() <= 0.002, "{name} {key}: {got} vs {want}");
        };
        near(a.agreement, "agreement");
        near(a.fer2013_accuracy, "fer2013_accuracy");
        for (i, share) in a.predicted_share.iter().enumerate() {
            let want = r["predicted_share"][i].as_f64().expect("share");
            assert!((share - want).abs() <= 0.002, "{name} share {i}");
        }
        // The probabilities as the service makes them, with the model's temperature.
        let close = |got: f64, key: &str| {
            let want = r[key].as_f64().expect(key);
            assert!((got - want).abs() <= 0.003, "{name} {key}: {got} vs {want}");
        };
        close(a.ece, "ece");
        close(a.cross_entropy, "cross_entropy");
    }
}
