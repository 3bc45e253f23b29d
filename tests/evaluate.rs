//! `emoscope evaluate` reproduces the PyTorch accuracy recorded at training time, on the real
//! FER2013 PrivateTest split, within 0.2 percentage points.

mod common;

use emoscope::cli::evaluate::evaluate;
use serde_json::Value;

#[test]
fn evaluate_agrees_with_pytorch_on_private_test() {
    let test_split = common::synth::fer_dir().join("test");
    let dir = tempfile::tempdir().expect("dir");
    let config = common::test_config(dir.path());
    let models: Vec<String> = std::fs::read_dir(&config.models_dir)
        .expect("models dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "onnx"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    assert!(!models.is_empty());
    for name in models {
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
