//! The face embedding that tells people apart: how often two different people embed alike
//! enough to be taken for one (the false-merge rate of the thresholds), how often one face seen
//! smaller and blurred is still known, and that no embedding leaves the job.

use crate::common;

use emoscope::config::Config;
use emoscope::pipeline::Engine;
use emoscope::pipeline::detect::DetectorKind;
use emoscope::pipeline::identity::Embedding;
use emoscope::pipeline::track::TrackerConfig;
use opencv::core::{self, Mat, Rect, Scalar, Size};
use opencv::imgcodecs;
use opencv::imgproc;
use opencv::prelude::*;

const LABELS: [&str; 7] = [
    "angry", "disgust", "fear", "happy", "neutral", "sad", "surprise",
];

fn engine() -> Engine {
    let dir = std::env::temp_dir();
    Engine::load(&common::test_config(&dir), 1).expect("engine")
}

/// The FER2013 face at `path` drawn `size` pixels large on a grey 320×320 picture, blurred
/// by `sigma` (0: sharp).
fn picture(path: &std::path::Path, size: i32, sigma: f64) -> Mat {
    let gray =
        imgcodecs::imread(&*path.to_string_lossy(), imgcodecs::IMREAD_GRAYSCALE).expect("read");
    let mut face = Mat::default();
    imgproc::resize(
        &gray,
        &mut face,
        Size::new(size, size),
        0.0,
        0.0,
        imgproc::INTER_CUBIC,
    )
    .expect("resize");
    if sigma > 0.0 {
        let mut blurred = Mat::default();
        imgproc::gaussian_blur_def(&face, &mut blurred, Size::new(0, 0), sigma).expect("blur");
        face = blurred;
    }
    let mut canvas = Mat::new_rows_cols_with_default(320, 320, core::CV_8UC1, Scalar::all(128.0))
        .expect("canvas");
    let at = Rect::new((320 - size) / 2, (320 - size) / 2, size, size);
    face.copy_to(&mut Mat::roi_mut(&mut canvas, at).expect("roi"))
        .expect("copy");
    let mut bgr = Mat::default();
    imgproc::cvt_color_def(&canvas, &mut bgr, imgproc::COLOR_GRAY2BGR).expect("bgr");
    bgr
}

/// Each face's embedding through the real detector's landmarks, sharp at 160 px and small
/// and blurred (56 px, σ 1) as video gives it; faces the detector misses are left out.
fn embeddings(engine: &Engine, per_label: usize) -> Vec<(Embedding, Embedding)> {
    let mut detector = engine.face_detector(DetectorKind::Yunet).expect("detector");
    let mut embedder = engine
        .face_embedder()
        .expect("embedder")
        .expect("identity is on");
    let mut embed = |img: &Mat| {
        let face = detector
            .detect(img, 0.6)
            .expect("detect")
            .into_iter()
            .max_by(|a, b| a.score.total_cmp(&b.score))?;
        embedder.embed(img, &face.landmarks?).expect("embed")
    };
    let mut out = Vec::new();
    for label in LABELS {
        let n = if label == "disgust" {
            per_label.min(55)
        } else {
            per_label
        };
        for file in common::synth::test_faces(label, n) {
            if let (Some(sharp), Some(small)) = (
                embed(&picture(&file, 160, 0.0)),
                embed(&picture(&file, 56, 1.0)),
            ) {
                out.push((sharp, small));
            }
        }
    }
    out
}

#[test]
fn different_people_rarely_embed_alike_and_one_face_is_known_smaller_and_blurred() {
    let engine = engine();
    let faces = embeddings(&engine, 80);
    assert!(faces.len() >= 300, "only {} faces found", faces.len());
    let mut different = Vec::new();
    for i in 0..faces.len() {
        for j in i + 1..faces.len() {
            different.push(faces[i].0.similarity(&faces[j].0));
        }
    }
    let same: Vec<f32> = faces.iter().map(|(a, b)| a.similarity(b)).collect();
    // Different people, both small and blurred: small faces embed less apart.
    let mut small = Vec::new();
    for i in 0..faces.len() {
        for j in i + 1..faces.len() {
            small.push(faces[i].1.similarity(&faces[j].1));
        }
    }
    let share =
        |v: &[f32], min: f32| v.iter().filter(|&&s| s >= min).count() as f64 / v.len() as f64;
    println!(
        "{} faces, {} pairs of different faces (FER2013 holds a few faces of one person twice: an upper bound)",
        faces.len(),
        different.len()
    );
    println!(
        "| cosine ≥ | different people | different people, small and blurred | one face, sharp vs small and blurred |\n|---|---|---|---|"
    );
    for min in [0.3, 0.4, 0.45, 0.5, 0.55, 0.6] {
        println!(
            "| {min} | {:.3} % | {:.3} % | {:.1} % |",
            100.0 * share(&different, min),
            100.0 * share(&small, min),
            100.0 * share(&same, min)
        );
    }
    let c = TrackerConfig::default();
    // Merging at the end is the decision that can put two people under one number.
    assert!(
        share(&different, c.merge_min) < 0.01,
        "{}",
        share(&different, c.merge_min)
    );
    assert!(
        share(&different, c.identity_min) < 0.02,
        "{}",
        share(&different, c.identity_min)
    );
    assert!(
        share(&same, c.merge_min) > 0.8,
        "{}",
        share(&same, c.merge_min)
    );
    // A clear face of one person is rarely vetoed from its own track.
    assert!(
        share(&same, c.identity_veto) > 0.95,
        "{}",
        share(&same, c.identity_veto)
    );
}

#[test]
fn with_identity_off_no_embedding_model_is_opened() {
    let dir = std::env::temp_dir();
    let mut config: Config = common::test_config(&dir);
    config.tracking.identity = false;
    let engine = Engine::load(&config, 1).expect("engine");
    assert!(engine.face_embedder().expect("no error").is_none());
    assert!(!engine.identity_wanted && engine.identity_problem.is_none());
}

/// Whether `text` holds a run of at least 32 numbers in a row (separated by commas, spaces or
/// brackets only): the shape any embedding (128 numbers) would have in JSON, CSV or a log.
fn holds_vector(text: &str) -> bool {
    let (mut run, mut in_number, mut longest) = (0usize, false, 0usize);
    for ch in text.chars() {
        match ch {
            '0'..='9' | '.' | '-' | 'e' | 'E' | '+'
                if in_number || ch.is_ascii_digit() || ch == '-' =>
            {
                if !in_number {
                    run += 1;
                    in_number = true;
                }
            }
            ',' | ' ' | '[' | ']' => in_number = false,
            _ => {
                in_number = false;
                run = 0;
            }
        }
        longest = longest.max(run);
    }
    longest >= 32
}

#[test]
fn the_vector_check_finds_a_vector_and_passes_results() {
    let embedding: Vec<String> = (0..128)
        .map(|i| format!("{:.4}", i as f32 / 300.0 - 0.2))
        .collect();
    assert!(holds_vector(&format!(
        "{{\"x\":[{}]}}",
        embedding.join(",")
    )));
    assert!(holds_vector(&embedding.join(" ")));
    let csv = "0,0,0,412,188,270,270,0.93,happy,0.01,0,0.01,0.95,0.02,0.01,0,1\n1,200,0,410,188,270,270,0.93,happy,0.01,0,0.01,0.95,0.02,0.01,0,1\n";
    assert!(!holds_vector(csv));
}

/// Every value of every table of the SQLite database, as text (blobs: their length must stay
/// under an embedding's 512 bytes).
async fn database_text(path: &std::path::Path) -> String {
    use sqlx::Row;
    let url = format!("sqlite://{}?mode=ro", path.display());
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .expect("open the database");
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&pool)
            .await
            .expect("tables");
    let mut out = String::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query(&format!("PRAGMA table_info(\"{table}\")"))
            .fetch_all(&pool)
            .await
            .expect("columns")
            .iter()
            .map(|r| r.get::<String, _>("name"))
            .collect();
        for column in columns {
            let sql = format!(
                "SELECT typeof(\"{column}\"), CAST(\"{column}\" AS TEXT), length(\"{column}\") FROM \"{table}\""
            );
            for row in sqlx::query(&sql).fetch_all(&pool).await.expect("rows") {
                let kind: String = row.get(0);
                if kind == "blob" {
                    let len: i64 = row.get(2);
                    assert!(len < 512, "{table}.{column} holds a {len}-byte blob");
                } else if let Ok(Some(text)) = row.try_get::<Option<String>, _>(1) {
                    out.push_str(&text);
                    out.push('\n');
                }
            }
        }
    }
    pool.close().await;
    out
}

/// A job of two people on one background (told apart only by their embeddings), every frame,
/// with a webhook and the server logging at debug level: the people come out right, and no
/// embedding is in the database, the API's answers, the webhook or the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_embedding_reaches_the_database_the_api_the_webhooks_or_the_logs() {
    use crate::common::receiver::Receiver;
    use crate::common::server::{Server, finished, poll_job};
    use std::time::Duration;

    let data = tempfile::tempdir().expect("dir");
    let receiver = Receiver::start(&[], 200).await;
    let server = Server::start(
        data.path(),
        1,
        &[
            ("RUST_LOG", "debug"),
            (
                "EMOSCOPE_WEBHOOKS__SECRET",
                "whsec_dGVzdC1zZXJ2ZXItc2VjcmV0LTEyMzQ1Njc4",
            ),
            ("EMOSCOPE_WEBHOOKS__ALLOW_HTTP", "true"),
            ("EMOSCOPE_WEBHOOKS__ALLOWED_NETWORKS", "127.0.0.1"),
        ],
    );
    let video =
        common::scenes::scene_file("shot_reverse_shot", &common::scenes::shot_reverse_shot());
    let client = reqwest::Client::new();
    let form = reqwest::multipart::Form::new()
        .text("sample_fps", "0")
        .text("callback_url", receiver.url.clone())
        .part(
            "video",
            reqwest::multipart::Part::bytes(std::fs::read(&video).expect("video"))
                .file_name("talk.mp4"),
        );
    let (status, job) =
        common::status_and_json(client.post(server.url("/v1/jobs")).multipart(form)).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    let done = poll_job(
        &client,
        &server.base,
        &id,
        Duration::from_secs(120),
        finished,
    )
    .await;
    assert_eq!(done["status"], "succeeded", "{done}");

    let mut answers = vec![done.to_string()];
    let (_, people) =
        common::status_and_json(client.get(server.url(&format!("/v1/jobs/{id}/people")))).await;
    let listed = people["people"].as_array().expect("people").clone();
    assert_eq!(listed.len(), 2, "{people}");
    answers.push(people.to_string());
    for path in [
        format!("/v1/jobs/{id}/timeline?limit=1000"),
        format!("/v1/jobs/{id}/timeline?format=csv"),
        format!(
            "/v1/jobs/{id}/people/{}/timeline?limit=1000",
            listed[0]["id"]
        ),
        "/v1/info".to_string(),
    ] {
        let resp = client.get(server.url(&path)).send().await.expect("get");
        assert_eq!(resp.status(), 200, "{path}");
        answers.push(resp.text().await.expect("body"));
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let hooks = loop {
        let got = receiver.received().await;
        if !got.is_empty() || std::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!hooks.is_empty(), "no webhook came");

    for (what, text) in answers
        .iter()
        .map(|a| ("an API answer", a.clone()))
        .chain(
            hooks
                .iter()
                .map(|h| ("a webhook", String::from_utf8_lossy(&h.body).into_owned())),
        )
        .chain(server.log().into_iter().map(|l| ("the log", l)))
    {
        assert!(!holds_vector(&text), "{what} holds a vector: {text}");
    }
    let db = database_text(&data.path().join("emoscope.db")).await;
    assert!(db.contains(&id), "the database was read");
    assert!(!holds_vector(&db), "the database holds a vector");
}
