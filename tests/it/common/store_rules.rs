//! Rules every job store keeps (SQLite and PostgreSQL run the same checks).

/// A job row for store-level tests; its video does not exist.
pub fn new_job(i: usize) -> emoscope::jobs::NewJob {
    emoscope::jobs::NewJob {
        id: uuid::Uuid::now_v7().to_string(),
        options: emoscope::pipeline::AnalysisOptions {
            sample_fps: 5.0,
            detector: emoscope::pipeline::detect::DetectorKind::Yunet,
            min_face_px: 24,
            model: "emonet".into(),
            tracking: true,
            min_track_ms: 1000,
            focus: emoscope::pipeline::people::Focus::All,
            annotate: false,
        },
        video_name: Some(format!("clip-{i}.mp4")),
        source: emoscope::jobs::JobSource::Upload {
            video_path: format!("/nonexistent/{i}.video"),
        },
        video_bytes: 1000,
        keep_video: false,
        video: emoscope::pipeline::probe::VideoInfo {
            duration_ms: 1000,
            fps: 25.0,
            width: 640,
            height: 360,
            frame_count: 25,
            codec: "h264".into(),
        },
        progress_total: 5,
        warnings: Vec::new(),
        max_attempts: 3,
        owner: None,
        callback_url: None,
    }
}

/// Only a job that keeps dying at the same point fails: losses at the same progress in a row
/// count, a loss further on starts the count again, and a lost worker costs no attempt.
pub async fn check_loss_rule(store: &dyn emoscope::db::Store) {
    use emoscope::jobs::JobStatus;
    let job = new_job(0);
    let id = job.id.clone();
    store.create(job, 10).await.expect("create").expect("room");
    let worker = "host:dir:0/1-0";
    let lose_at = |done: u64| {
        let id = id.clone();
        async move {
            let claimed = store.claim(worker).await.expect("claim").expect("job");
            assert_eq!(claimed.id, id);
            store
                .record(&id, worker, &[], done, 100)
                .await
                .expect("record");
            assert_eq!(
                store.take_back("host:dir:0/", 3).await.expect("take back"),
                1
            );
            store.get(&id).await.expect("get").expect("job")
        }
    };
    for done in [16, 32, 32] {
        let j = lose_at(done).await;
        assert_eq!(j.status, JobStatus::Queued, "lost at {done}");
        assert_eq!(j.attempts, 0, "a lost worker costs no attempt");
    }
    // The third loss at 32 in a row: this job is what kills its worker.
    let j = lose_at(32).await;
    assert_eq!(j.status, JobStatus::Failed);
    assert_eq!(j.error_code, Some(emoscope::jobs::JobFailure::WorkerLost));
    // Another instance's jobs are not taken back.
    assert_eq!(store.take_back("host:dir:1/", 3).await.expect("none"), 0);
    store.delete(&id).await.expect("delete");
}

/// A job made from a URL through its states: `downloading` and held by its downloader (not
/// claimable, counted in the queue's places), queued with its video's facts, or failed; a cancel
/// lets it go; the jobs of a lost downloader fail, those of another do not.
pub async fn check_download_states(store: &dyn emoscope::db::Store) {
    use emoscope::db::LostWriters;
    use emoscope::db::downloads::Downloaded;
    use emoscope::jobs::{JobFailure, JobStatus};
    let downloader = "host:dir:0/1-downloads";
    let downloading = |i: usize| {
        let mut job = new_job(i);
        job.source = emoscope::jobs::JobSource::Url {
            shown: "https://cdn.example.com/a.mp4?…".into(),
            downloader: downloader.into(),
        };
        job
    };
    let [a, b, c, d] = [0, 1, 2, 3].map(downloading);
    let ids: Vec<String> = [&a, &b, &c, &d].iter().map(|j| j.id.clone()).collect();
    for job in [a, b, c, d] {
        let made = store.create(job, 10).await.expect("create").expect("room");
        assert_eq!(made.status, JobStatus::Downloading);
        assert_eq!(made.kind, emoscope::jobs::JobKind::Url);
        assert_eq!(
            made.source_url.as_deref(),
            Some("https://cdn.example.com/a.mp4?…")
        );
    }
    // Downloading jobs take places in the queue, and no worker claims them.
    assert!(store.create(new_job(9), 4).await.expect("create").is_none());
    assert!(
        store
            .claim("host:dir:0/1-0")
            .await
            .expect("claim")
            .is_none()
    );
    assert!(
        store
            .download_heartbeat(&ids[0], downloader)
            .await
            .expect("beat")
    );
    assert!(
        !store
            .download_heartbeat(&ids[0], "someone else")
            .await
            .expect("beat")
    );

    let video = new_job(0).video;
    let done = Downloaded {
        video_path: "/media/a.video",
        video_bytes: 1234,
        video: &video,
        progress_total: 7,
    };
    assert!(
        store
            .downloaded(&ids[0], downloader, done)
            .await
            .expect("queued")
    );
    let queued = store.get(&ids[0]).await.expect("get").expect("job");
    assert_eq!(
        (queued.status, queued.video_bytes, queued.progress_total),
        (JobStatus::Queued, 1234, 7)
    );
    assert_eq!(queued.video_path.as_deref(), Some("/media/a.video"));
    let claimed = store
        .claim("host:dir:0/1-0")
        .await
        .expect("claim")
        .expect("the queued one");
    assert_eq!(claimed.id, ids[0]);

    let failed = store.download_failed(&ids[1], downloader, JobFailure::TooLarge, "too big");
    assert!(failed.await.expect("failed"));
    let failed = store.get(&ids[1]).await.expect("get").expect("job");
    assert_eq!(
        (failed.status, failed.error_code),
        (JobStatus::Failed, Some(JobFailure::TooLarge))
    );
    assert!(failed.finished_at.is_some());

    let canceled = store
        .request_cancel(&ids[2])
        .await
        .expect("cancel")
        .expect("job");
    assert_eq!(canceled.status, JobStatus::Canceled);
    assert!(
        !store
            .download_heartbeat(&ids[2], downloader)
            .await
            .expect("beat"),
        "a canceled job is let go"
    );
    let late = Downloaded {
        video_path: "/media/c.video",
        video_bytes: 1,
        video: &video,
        progress_total: 1,
    };
    assert!(
        !store
            .downloaded(&ids[2], downloader, late)
            .await
            .expect("not queued")
    );

    assert_eq!(
        store
            .recover_downloads(LostWriters::OfInstance("host:dir:1/"))
            .await
            .expect("none"),
        0
    );
    assert_eq!(
        store
            .recover_downloads(LostWriters::OfInstance("host:dir:0/"))
            .await
            .expect("one"),
        1
    );
    let lost = store.get(&ids[3]).await.expect("get").expect("job");
    assert_eq!(
        (lost.status, lost.error_code),
        (JobStatus::Failed, Some(JobFailure::DownloadFailed))
    );
    for id in &ids {
        store.delete(id).await.expect("delete");
    }
}

/// Sixteen uploads race for ten places: exactly ten are queued.
pub async fn check_atomic_admission(store: std::sync::Arc<dyn emoscope::db::Store>) {
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .create(new_job(i), 10)
                    .await
                    .expect("create")
                    .is_some()
            })
        })
        .collect();
    let mut admitted = 0;
    for t in tasks {
        admitted += usize::from(t.await.expect("task"));
    }
    assert_eq!(admitted, 10);
    let queued = store
        .count_with_status(emoscope::jobs::JobStatus::Queued)
        .await
        .expect("count");
    assert_eq!(queued, 10);
}

/// Rows exactly as the first schema (migrations 0001 and 0002) and the code of that time wrote
/// them: a succeeded job, one analysed frame and a report.
pub const FIRST_SCHEMA_ROWS: &str = r#"
INSERT INTO jobs (id, status, options, video_name, video_path, video_bytes, keep_video, video,
    progress_done, progress_total, summary, warnings, error_code, error_message, attempts,
    max_attempts, worker_id, heartbeat_at, run_after, cancel_requested, created_at, started_at,
    finished_at, updated_at)
VALUES ('019ac6a1-7441-76ea-a89d-2fb3757ceca0', 'succeeded',
    '{"sample_fps":5.0,"detector":"haar","min_face_px":24,"model":"emonet"}', 'talk.mp4', NULL,
    326910, FALSE,
    '{"duration_ms":10000,"fps":25.0,"width":640,"height":360,"frame_count":250,"codec":"h264"}',
    50, 50,
    '{"percentages":{"angry":0.0,"disgust":0.0,"fear":0.0,"happy":75.0,"neutral":25.0,"sad":0.0,"surprise":0.0},"counts":{"angry":0,"disgust":0,"fear":0,"happy":3,"neutral":1,"sad":0,"surprise":0},"dominant":"happy","mean_probabilities":{"angry":0.01,"disgust":0.0,"fear":0.02,"happy":0.7,"neutral":0.2,"sad":0.05,"surprise":0.02},"frames_analyzed":50,"frames_with_face":4,"faces_classified":4}',
    '["the YuNet face detector is unavailable on this server"]', NULL, NULL, 1, 3, NULL, 1764243032153,
    1764243032151, FALSE, 1764243032151, 1764243032153, 1764243032646, 1764243032646);
INSERT INTO frames (job_id, frame, time_ms, faces)
VALUES ('019ac6a1-7441-76ea-a89d-2fb3757ceca0', 55, 2200,
    '[{"box":{"x":220,"y":80,"w":200,"h":201},"score":0.912,"emotion":"happy","probabilities":{"angry":0.0,"disgust":0.0,"fear":0.0,"happy":0.9,"neutral":0.1,"sad":0.0,"surprise":0.0}}]');
INSERT INTO reports (id, job_id, provider, model, language, text, inputs, usage, created_at)
VALUES ('019ac6a1-9999-76ea-a89d-2fb3757ceca0', '019ac6a1-7441-76ea-a89d-2fb3757ceca0',
    'openai', 'gpt-4o', 'en', 'Mostly happy.',
    '{"percentages":{"angry":0.0,"disgust":0.0,"fear":0.0,"happy":75.0,"neutral":25.0,"sad":0.0,"surprise":0.0},"counts":{"angry":0,"disgust":0,"fear":0,"happy":3,"neutral":1,"sad":0,"surprise":0},"dominant":"happy","mean_probabilities":{"angry":0.01,"disgust":0.0,"fear":0.02,"happy":0.7,"neutral":0.2,"sad":0.05,"surprise":0.02},"frames_analyzed":50,"frames_with_face":4,"faces_classified":4,"duration_ms":10000,"segments":[{"start_ms":0,"end_ms":5000,"faces":4,"dominant":"happy","dominant_percent":75.0}]}',
    '{"prompt_tokens":321,"completion_tokens":45,"total_tokens":366}', 1764243040000);
"#;

/// A stream's results so far: stored while its reader holds it, replaced by the next write and
/// by its end, wiped when it ends otherwise than succeeding; never written by another holder.
pub async fn check_so_far_rules(store: &dyn emoscope::db::Store) {
    use emoscope::db::Finish;
    use emoscope::jobs::{JobKind, JobSource, JobStatus};
    use emoscope::pipeline::aggregate::Accumulator;
    use emoscope::pipeline::people::{Focus, PeopleAccumulator, Person};
    use emoscope::pipeline::{BoxPx, FaceResult};
    let reader = "host:dir:0/live-1";
    let stream = |i: usize| {
        let mut job = new_job(i);
        job.source = JobSource::Stream {
            shown: "rtsp://camera.example.com/1".into(),
            reader: reader.into(),
        };
        job
    };
    // `n` people seen in one frame each, and the summary of their faces.
    let results = |n: u32| -> (emoscope::pipeline::aggregate::EmotionSummary, Vec<Person>) {
        let mut people = PeopleAccumulator::new(1000);
        let mut job = Accumulator::default();
        let probabilities = [0.0, 0.0, 0.0, 0.9, 0.1, 0.0, 0.0];
        for id in 1..=n {
            let face = FaceResult {
                bbox: BoxPx {
                    x: 0,
                    y: 0,
                    w: 40,
                    h: 40,
                },
                score: 0.9,
                emotion: emoscope::pipeline::aggregate::Emotion::Happy,
                probabilities: probabilities.into(),
                track_id: Some(id),
            };
            people.add(u64::from(id), u64::from(id) * 40, &face);
            job.add_frame([probabilities]);
        }
        let summary = job.summary();
        (summary, people.finish(40.0, u64::from(n), 0, Focus::All))
    };
    let made = store
        .create(stream(0), 10)
        .await
        .expect("create")
        .expect("room");
    assert_eq!(
        (made.kind, made.status),
        (JobKind::Stream, JobStatus::Running)
    );
    let id = made.id;
    // The reader writes the results of `n` people so far.
    let so_far = |id: String, n: u32| async move {
        let (summary, people) = results(n);
        let held = store.record_so_far(&id, reader, &summary, &people).await;
        assert!(held.expect("so far"), "the reader holds the job");
    };

    so_far(id.clone(), 2).await;
    so_far(id.clone(), 3).await;
    let job = store.get(&id).await.expect("get").expect("job");
    assert_eq!(job.summary.map(|s| s.faces_classified), Some(3));
    assert_eq!(store.people(&id).await.expect("people").len(), 3);
    let (summary, people) = results(1);
    assert!(
        !store
            .record_so_far(&id, "host:dir:1/live-9", &summary, &people)
            .await
            .expect("another holder"),
        "only the holder writes"
    );

    // The end replaces the people so far with its own.
    let (summary, people) = results(1);
    let finish = Finish::Succeeded {
        video: made.video,
        summary: Box::new(summary),
        people: Some(people),
        warnings: Vec::new(),
        merged: Default::default(),
    };
    assert!(store.finish(&id, reader, finish).await.expect("finish"));
    assert_eq!(store.people(&id).await.expect("people").len(), 1);

    // A canceled stream keeps no results.
    let id = store
        .create(stream(1), 10)
        .await
        .expect("create")
        .expect("room")
        .id;
    so_far(id.clone(), 2).await;
    assert!(
        store
            .finish(&id, reader, Finish::Canceled)
            .await
            .expect("cancel")
    );
    let job = store.get(&id).await.expect("get").expect("job");
    assert_eq!((job.status, job.summary), (JobStatus::Canceled, None));
    assert!(store.people(&id).await.expect("people").is_empty());
}

/// The first schema (0001, 0002).
pub const FIRST_SCHEMA: i64 = 2;

/// The migrator cut to the migrations up to `version`.
pub fn schema_until(mut m: sqlx::migrate::Migrator, version: i64) -> sqlx::migrate::Migrator {
    let kept: Vec<_> = m
        .migrations
        .iter()
        .filter(|x| x.version <= version)
        .cloned()
        .collect();
    m.migrations = std::borrow::Cow::Owned(kept);
    m
}

/// The last schema before jobs had a `kind` column (0008).
pub const KINDLESS_SCHEMA: i64 = 8;

/// Jobs of every kind as the code before `kind` wrote them: their ids name what they were.
pub fn kindless_rows() -> String {
    let row = |id: &str, status: &str, video_path: &str, source_url: &str, codec: &str| {
        format!(
            "INSERT INTO jobs (id, status, options, video_name, video_path, video_bytes, \
             keep_video, video, warnings, attempts, max_attempts, run_after, cancel_requested, \
             created_at, updated_at, source_url) VALUES ('{id}', '{status}', \
             '{{\"sample_fps\":5.0,\"detector\":\"yunet\",\"min_face_px\":24,\"model\":\"emonet\"}}', \
             NULL, {video_path}, 0, FALSE, \
             '{{\"duration_ms\":0,\"fps\":0.0,\"width\":0,\"height\":0,\"frame_count\":0,\"codec\":\"{codec}\"}}', \
             '[]', 1, 1, 1, FALSE, 1, 1, {source_url});\n"
        )
    };
    [
        row(
            "upload",
            "succeeded",
            "'/media/upload.video'",
            "NULL",
            "h264",
        ),
        row("upload-swept", "succeeded", "NULL", "NULL", "h264"),
        row(
            "url",
            "succeeded",
            "NULL",
            "'https://cdn.example.com/a.mp4'",
            "h264",
        ),
        row(
            "url-downloading",
            "downloading",
            "NULL",
            "'https://cdn.example.com/b.mp4'",
            "",
        ),
        row(
            "stream-running",
            "running",
            "NULL",
            "'rtsp://camera.example.com/1'",
            "stream",
        ),
        row(
            "stream-ended",
            "succeeded",
            "NULL",
            "'https://example.com/live.m3u8'",
            "live",
        ),
        row("live", "succeeded", "NULL", "NULL", "live"),
    ]
    .concat()
}

/// The kinds today's store reads for [`kindless_rows`] after its migrations.
pub async fn check_kinds_named(store: &dyn emoscope::db::Store) {
    use emoscope::jobs::JobKind;
    for (id, kind) in [
        ("upload", JobKind::Upload),
        ("upload-swept", JobKind::Upload),
        ("url", JobKind::Url),
        ("url-downloading", JobKind::Url),
        ("stream-running", JobKind::Stream),
        ("stream-ended", JobKind::Stream),
        ("live", JobKind::Live),
    ] {
        let job = store.get(id).await.expect("read").expect("the old job");
        assert_eq!(job.kind, kind, "{id}");
    }
}

/// What the current store reads from [`FIRST_SCHEMA_ROWS`]: every field as it was written.
pub async fn check_first_schema_rows(store: &dyn emoscope::db::Store) {
    use emoscope::pipeline::detect::DetectorKind;
    let id = "019ac6a1-7441-76ea-a89d-2fb3757ceca0";
    let job = store.get(id).await.expect("read").expect("the old job");
    assert_eq!(job.status, emoscope::jobs::JobStatus::Succeeded);
    assert_eq!(job.options.detector, DetectorKind::Haar);
    assert_eq!(job.options.sample_fps, 5.0);
    assert_eq!(job.video.frame_count, 250);
    assert_eq!(job.video.codec, "h264");
    assert_eq!(job.video_bytes, 326_910);
    assert_eq!(job.warnings.len(), 1);
    let summary = job.summary.expect("summary");
    assert_eq!(summary.percentages.happy, 75.0);
    assert_eq!(summary.counts.neutral, 1);
    assert_eq!(
        summary.dominant,
        Some(emoscope::pipeline::aggregate::Emotion::Happy)
    );
    assert_eq!(summary.faces_classified, 4);
    let frames = store.timeline(id, None, 10).await.expect("timeline");
    assert_eq!(frames.len(), 1);
    assert_eq!((frames[0].frame, frames[0].time_ms), (55, 2200));
    assert_eq!(frames[0].faces[0].bbox.h, 201);
    assert_eq!(frames[0].faces[0].probabilities.happy, 0.9);
    let reports = store.reports(id).await.expect("reports");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].status, emoscope::report::ReportStatus::Succeeded);
    let inputs = reports[0]
        .inputs
        .as_ref()
        .expect("an old report has its inputs");
    assert_eq!(inputs.segments[0].dominant_percent, 75.0);
    assert_eq!(inputs.summary.frames_with_face, 4);
    assert_eq!(reports[0].usage.as_ref().map(|u| u.total_tokens), Some(366));
    // And the old rows take part in what came after them: a report key, a cancel, a delete.
    assert!(
        store
            .find_report(id, emoscope::report::Provider::Openai, "gpt-4o", "en")
            .await
            .expect("find")
            .is_some()
    );
    assert!(store.delete(id).await.expect("delete").is_some());
}

/// Live tickets: good once, until they expire, wherever they are taken; a key holds at most
/// `per_key` unexpired ones, and an expired one frees its place. Only hashes are given to the
/// store, as the service gives them.
pub async fn check_ticket_rules(store: &dyn emoscope::db::Store) {
    use emoscope::db::tickets::Issued;
    let now = 1_800_000_000_000_i64;
    let minute = 60_000;
    let issue = |hash: &'static str, key: Option<&'static str>, at: i64| async move {
        store
            .issue_ticket(hash, key, at, at + minute, 2, 100)
            .await
            .expect("issue")
    };
    assert_eq!(issue("h1", Some("key-a"), now).await, Issued::Yes);
    assert_eq!(issue("h2", Some("key-a"), now).await, Issued::Yes);
    assert_eq!(issue("h3", Some("key-a"), now).await, Issued::KeyFull);
    assert_eq!(issue("h4", Some("key-b"), now).await, Issued::Yes);
    assert_eq!(
        issue("h5", None, now).await,
        Issued::Yes,
        "a server without keys"
    );
    let redeem = |hash: &'static str, at: i64| async move {
        store.redeem_ticket(hash, at).await.expect("redeem")
    };
    assert_eq!(redeem("h1", now + 1).await, Some(Some("key-a".into())));
    assert_eq!(redeem("h1", now + 2).await, None, "a second use");
    assert_eq!(redeem("made-up", now).await, None);
    assert_eq!(redeem("h5", now).await, Some(None));
    // A used ticket frees its place.
    assert_eq!(issue("h6", Some("key-a"), now).await, Issued::Yes);
    // Expired: refused when used, and gone when the next ticket is given.
    assert_eq!(redeem("h2", now + minute).await, None);
    assert_eq!(
        issue("h7", Some("key-a"), now + minute + 1).await,
        Issued::Yes
    );
    assert_eq!(
        issue("h8", Some("key-a"), now + minute + 1).await,
        Issued::Yes
    );
    assert_eq!(redeem("h6", now + minute + 2).await, None, "h6 expired");
    // All keys together: the store's bound (h7 and h8 are held).
    let full = store
        .issue_ticket(
            "h9",
            Some("key-c"),
            now + minute + 1,
            now + 2 * minute,
            2,
            2,
        )
        .await
        .expect("issue");
    assert_eq!(full, Issued::Full);
}

/// Rate buckets: a burst of `burst` tokens, then one every interval, per account and kind; a
/// refusal says how long until the next token.
pub async fn check_rate_rules(store: &dyn emoscope::db::Store) {
    let now = 1_800_000_000_000_i64;
    let second = 1_000;
    let take = |account: &'static str, kind: &'static str, at: i64| async move {
        store
            .take_token(account, kind, at, second, 3)
            .await
            .expect("take")
    };
    for _ in 0..3 {
        assert_eq!(take("key-a", "uploads", now).await, None);
    }
    assert_eq!(
        take("key-a", "uploads", now).await,
        Some(second),
        "the burst is spent"
    );
    assert_eq!(take("key-a", "uploads", now + 400).await, Some(600));
    assert_eq!(take("key-b", "uploads", now).await, None, "another key");
    assert_eq!(take("key-a", "images", now).await, None, "another kind");
    assert_eq!(
        take("", "uploads", now).await,
        None,
        "everyone, without keys"
    );
    // One token an interval.
    assert_eq!(take("key-a", "uploads", now + second).await, None);
    assert_eq!(take("key-a", "uploads", now + second).await, Some(second));
    // Idle long enough, the whole burst is back, and no more than it.
    for _ in 0..3 {
        assert_eq!(take("key-a", "uploads", now + 60 * second).await, None);
    }
    assert!(take("key-a", "uploads", now + 60 * second).await.is_some());
}
