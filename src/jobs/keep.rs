//! A finished live session kept as a job: its results stored as an analysed video's are (the
//! timeline, the people, the summary), so that `/people`, reports and webhooks work on it. No
//! frame and no face image is stored: there is no video.

use crate::auth::Caller;
use crate::db::{Finish, Store};
use crate::jobs::{Job, JobSource, NewJob};
use crate::pipeline::{AnalysisOptions, FrameResult, Outcome};

/// Frames written per statement.
const CHUNK: usize = 500;

/// The session's results as a succeeded job of `caller`'s; `session` holds it while it is
/// written.
pub async fn keep(
    store: &dyn Store,
    caller: &Caller,
    session: &str,
    options: AnalysisOptions,
    callback_url: Option<String>,
    outcome: Outcome,
    frames: &[FrameResult],
) -> Result<Job, String> {
    let id = uuid::Uuid::now_v7().to_string();
    let total = frames.len() as u64;
    let new = NewJob {
        id: id.clone(),
        options,
        video_name: Some("live session".into()),
        video_bytes: 0,
        keep_video: false,
        video: outcome.video.clone(),
        progress_total: total,
        warnings: Vec::new(),
        max_attempts: 1,
        owner: caller.owner().map(str::to_string),
        callback_url,
        source: JobSource::Live {
            session: session.to_string(),
        },
    };
    let fail = |e: crate::db::DbError| format!("cannot store the session: {e}");
    store.create(new, 0).await.map_err(fail)?;
    let mut done = 0;
    for chunk in frames.chunks(CHUNK) {
        done += chunk.len() as u64;
        store
            .record(&id, session, chunk, done, total)
            .await
            .map_err(fail)?;
    }
    if !store
        .finish(&id, session, Finish::from(outcome))
        .await
        .map_err(fail)?
    {
        return Err("the kept job was deleted while it was written".into());
    }
    store
        .get(&id)
        .await
        .map_err(fail)?
        .ok_or_else(|| "the kept job was deleted while it was written".into())
}
