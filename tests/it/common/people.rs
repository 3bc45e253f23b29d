//! The people endpoints end to end, on whichever database the app runs: a scene of three people
//! through the real server, then every way of reading them, and every way of asking wrongly.

use std::time::Duration;

use emoscope::pipeline::aggregate::EMOTIONS;
use serde_json::Value;

use super::scenes::{crossing, scene_file};
use super::{TestApp, error_code};

pub const WAIT: Duration = Duration::from_secs(300);

fn percent_sum(v: &Value) -> f64 {
    v["percentages"]
        .as_object()
        .expect("percentages")
        .values()
        .filter_map(Value::as_f64)
        .sum()
}

/// All pages of one person's timeline, asked with `query` (a page size, options).
async fn person_frames(app: &TestApp, id: &str, person: u64, query: &str) -> Vec<Value> {
    let mut frames = Vec::new();
    let mut cursor: Option<u64> = None;
    loop {
        let mut path = format!("/v1/jobs/{id}/people/{person}/timeline?{query}");
        if let Some(c) = cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = app.get(&path).await;
        assert_eq!(status, 200, "{page}");
        frames.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_u64() {
            Some(c) => cursor = Some(c),
            None => return frames,
        }
    }
}

pub async fn check_people_api(app: &TestApp) {
    let video = scene_file("crossing", &crossing());

    // Wrong options are refused before anything is stored.
    for (field, value) in [
        ("tracking", "maybe"),
        ("focus", "everyone"),
        ("min_track_ms", "-1"),
        ("min_track_ms", "99999999999"),
    ] {
        let (status, body) = app.upload(&video, &[(field, value)]).await;
        assert_eq!(status, 400, "{field}={value}: {body}");
        assert_eq!(error_code(&body), "invalid_option", "{body}");
    }

    let (status, job) = app.upload(&video, &[]).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    assert_eq!(job["options"]["tracking"], true);
    assert_eq!(job["options"]["focus"], "all");
    let (status, body) = app.get(&format!("/v1/jobs/{id}/people")).await;
    if job["status"] != "succeeded" {
        assert_eq!(status, 409, "{body}");
        assert_eq!(error_code(&body), "job_not_succeeded");
    }
    let done = app.wait(&id, WAIT).await;
    assert_eq!(done["status"], "succeeded", "{done}");

    let (status, view) = app.get(&format!("/v1/jobs/{id}/people")).await;
    assert_eq!(status, 200, "{view}");
    let people = view["people"].as_array().expect("people");
    assert_eq!(people.len(), 3, "{view}");
    assert!(
        view["note"]
            .as_str()
            .expect("note")
            .contains("not a diagnosis")
    );
    let mut last_screen = u64::MAX;
    for p in people {
        assert!((percent_sum(p) - 100.0).abs() < 0.011, "{p}");
        let screen = p["screen_ms"].as_u64().expect("screen_ms");
        assert!(screen <= last_screen, "ordered by screen time: {view}");
        last_screen = screen;
        assert!(p["first_ms"].as_u64() <= p["last_ms"].as_u64());
        let share = p["screen_share"].as_f64().expect("share");
        assert!(
            share > 0.9 && share <= 1.0,
            "everyone is on screen throughout: {p}"
        );
        assert!(!p["periods"].as_array().expect("periods").is_empty());
    }

    // The job's timeline carries the person of each face; each person's timeline holds exactly
    // that person's faces, in order, over pages.
    let (status, page) = app.get(&format!("/v1/jobs/{id}/timeline?limit=1000")).await;
    assert_eq!(status, 200);
    let frames = page["items"].as_array().expect("items");
    for p in people {
        let pid = p["id"].as_u64().expect("id");
        let expected: Vec<u64> = frames
            .iter()
            .filter(|f| {
                f["faces"]
                    .as_array()
                    .is_some_and(|faces| faces.iter().any(|x| x["track_id"].as_u64() == Some(pid)))
            })
            .map(|f| f["frame"].as_u64().expect("frame"))
            .collect();
        let mine = person_frames(app, &id, pid, "limit=4").await;
        let got: Vec<u64> = mine
            .iter()
            .map(|f| f["frame"].as_u64().expect("frame"))
            .collect();
        assert_eq!(got, expected, "person {pid}");
        assert_eq!(got.len() as u64, p["faces"].as_u64().expect("faces"));
        for f in &mine {
            let faces = f["faces"].as_array().expect("faces");
            assert_eq!(faces.len(), 1);
            assert_eq!(faces[0]["track_id"].as_u64(), Some(pid));
        }
        let csv = app
            .client
            .get(app.url(&format!("/v1/jobs/{id}/people/{pid}/timeline?format=csv")))
            .send()
            .await
            .expect("csv")
            .text()
            .await
            .expect("text");
        let mut lines = csv.lines();
        assert!(lines.next().expect("header").ends_with(",track_id"));
        assert_eq!(lines.clone().count(), got.len(), "{csv}");
        assert!(lines.all(|l| l.ends_with(&format!(",{pid}"))), "{csv}");
    }

    check_smoothed_timeline(app, &id, people[0]["id"].as_u64().expect("id")).await;

    // People that do not exist, and bad pages.
    for person in ["999", "0", "abc", "-1", "99999999999999999999"] {
        let (status, body) = app
            .get(&format!("/v1/jobs/{id}/people/{person}/timeline"))
            .await;
        assert_eq!(status, 404, "{person}: {body}");
        assert_eq!(error_code(&body), "not_found");
    }
    let first = people[0]["id"].as_u64().expect("id");
    for (query, code) in [
        ("limit=0", "invalid_limit"),
        ("cursor=-3", "invalid_cursor"),
        ("format=xml", "invalid_format"),
    ] {
        let (status, body) = app
            .get(&format!("/v1/jobs/{id}/people/{first}/timeline?{query}"))
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(error_code(&body), code);
    }

    // Only the main person, and no tracking at all.
    let (_, main) = app
        .upload(&video, &[("focus", "main"), ("sample_fps", "2")])
        .await;
    let (_, untracked) = app
        .upload(&video, &[("tracking", "false"), ("sample_fps", "2")])
        .await;
    let (main, untracked) = (
        main["id"].as_str().expect("id"),
        untracked["id"].as_str().expect("id"),
    );
    assert_eq!(app.wait(main, WAIT).await["status"], "succeeded");
    assert_eq!(app.wait(untracked, WAIT).await["status"], "succeeded");
    let (_, view) = app.get(&format!("/v1/jobs/{main}/people")).await;
    assert_eq!(view["focus"], "main");
    assert_eq!(view["people"].as_array().map(Vec::len), Some(1), "{view}");
    let (status, body) = app.get(&format!("/v1/jobs/{untracked}/people")).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(error_code(&body), "not_tracked");
    let (_, page) = app.get(&format!("/v1/jobs/{untracked}/timeline")).await;
    assert!(page["items"][0]["faces"][0]["track_id"].is_null(), "{page}");

    // People go with their job.
    let (status, _) = app.delete(&format!("/v1/jobs/{id}")).await;
    assert_eq!(status, 204);
    let (status, _) = app.get(&format!("/v1/jobs/{id}/people")).await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get(&format!("/v1/jobs/{id}/people/{first}/timeline"))
        .await;
    assert_eq!(status, 404);
}

/// `smooth_ms`: each of a person's faces also gets the mean of the person's probabilities
/// within half the window on either side, the same over pages as in one page; refused where it
/// does not apply.
async fn check_smoothed_timeline(app: &TestApp, id: &str, person: u64) {
    let base = format!("/v1/jobs/{id}/people/{person}/timeline");
    let (_, plain) = app.get(&format!("{base}?limit=1000")).await;
    let plain = plain["items"].as_array().expect("items").clone();
    assert!(plain.len() > 5, "{plain:?}");
    assert!(
        plain
            .iter()
            .all(|f| f["faces"][0].get("smoothed").is_none())
    );
    let (status, whole) = app.get(&format!("{base}?limit=1000&smooth_ms=1000")).await;
    assert_eq!(status, 200, "{whole}");
    let whole = whole["items"].as_array().expect("items").clone();
    assert_eq!(whole.len(), plain.len());
    let probs = |f: &Value, key: &str| -> Vec<f64> {
        let p = if key.is_empty() {
            &f["faces"][0]["probabilities"]
        } else {
            &f["faces"][0][key]["probabilities"]
        };
        EMOTIONS.iter().map(|e| p[e].as_f64().expect("p")).collect()
    };
    for (f, own) in whole.iter().zip(&plain) {
        assert_eq!(f["frame"], own["frame"]);
        let t = f["time_ms"].as_u64().expect("time");
        let near: Vec<&Value> = plain
            .iter()
            .filter(|g| g["time_ms"].as_u64().expect("time").abs_diff(t) <= 500)
            .collect();
        let got = probs(f, "smoothed");
        for (i, e) in EMOTIONS.iter().enumerate() {
            let want = near.iter().map(|g| probs(g, "")[i]).sum::<f64>() / near.len() as f64;
            assert!((got[i] - want).abs() < 1e-4, "{e} at {t}: {got:?}");
        }
        let top = (0..7).fold(0, |b, i| if got[i] > got[b] { i } else { b });
        assert_eq!(f["faces"][0]["smoothed"]["emotion"], EMOTIONS[top], "{f}");
        // What the face itself shows is unchanged.
        assert_eq!(probs(f, ""), probs(own, ""));
    }
    // Page by page, the same numbers: the window reaches across the pages' edges.
    let paged = person_frames(app, id, person, "limit=3&smooth_ms=1000").await;
    assert_eq!(paged, whole);

    for query in [
        "smooth_ms=0",
        "smooth_ms=10001",
        "smooth_ms=1000&format=csv",
        "smooth_ms=x",
    ] {
        let (status, body) = app.get(&format!("{base}?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
    }
    let (status, body) = app
        .get(&format!("/v1/jobs/{id}/timeline?smooth_ms=1000"))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), "invalid_option");
}

/// One person in three shots with another between, every frame analysed (250 frames: more than
/// one chunk of the relabelling), on an app whose tracker forgets who left
/// (`tracking.reid_ms = 0`): the end of the job joins each person's tracks, `/people` lists each
/// person once, and the stored timeline carries the joined numbers.
pub async fn check_joined_people(app: &TestApp) {
    let video = scene_file("three_shots", &super::scenes::three_shots());
    let (status, job) = app.upload(&video, &[("sample_fps", "0")]).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    assert_eq!(app.wait(&id, WAIT).await["status"], "succeeded");
    let (_, people) = app.get(&format!("/v1/jobs/{id}/people")).await;
    let people = people["people"].as_array().expect("people").clone();
    // Each cut ends every track and nobody absent is remembered: the tracker gives five tracks
    // (three shots of one person, two of the other), and only the end of the job joins them.
    assert_eq!(people.len(), 2, "{people:?}");
    let mut ids: Vec<u64> = people
        .iter()
        .map(|p| p["id"].as_u64().expect("id"))
        .collect();
    ids.sort_unstable();
    let mut faces_of = std::collections::BTreeMap::<u64, u64>::new();
    let mut cursor: Option<u64> = None;
    loop {
        let mut path = format!("/v1/jobs/{id}/timeline?limit=100");
        if let Some(c) = cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (_, page) = app.get(&path).await;
        for frame in page["items"].as_array().expect("frames") {
            for face in frame["faces"].as_array().expect("faces") {
                *faces_of
                    .entry(face["track_id"].as_u64().expect("tracked"))
                    .or_default() += 1;
            }
        }
        match page["next_cursor"].as_u64() {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    // Every face carries its person's number.
    assert_eq!(
        faces_of.keys().copied().collect::<Vec<_>>(),
        ids,
        "{faces_of:?}"
    );
    for p in &people {
        let pid = p["id"].as_u64().expect("id");
        assert_eq!(faces_of[&pid], p["faces"].as_u64().expect("faces"), "{p}");
        assert_eq!(
            person_frames(app, &id, pid, "limit=4").await.len() as u64,
            faces_of[&pid],
            "{p}"
        );
    }
}
