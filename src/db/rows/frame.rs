//! A frame's row, and its faces as stored.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;

use super::unsigned;
use crate::db::{DbError, DbResult};
use crate::pipeline::aggregate::{Emotion, PerEmotion, argmax};
use crate::pipeline::{BoxPx, FaceResult, FrameResult};

#[derive(sqlx::FromRow)]
pub struct FrameRow {
    frame: i64,
    time_ms: i64,
    faces: Json<Vec<StoredFace>>,
}

impl FrameRow {
    pub fn frame(&self) -> i64 {
        self.frame
    }

    pub fn faces(&self) -> &Json<Vec<StoredFace>> {
        &self.faces
    }

    /// Gives the faces of merged tracks their person's id (`merged`: track → person); whether
    /// any changed.
    pub fn relabel(&mut self, merged: &std::collections::BTreeMap<u32, u32>) -> bool {
        let mut changed = false;
        for face in &mut self.faces.0 {
            if let Some(to) = face.track_id.and_then(|t| merged.get(&t)) {
                face.track_id = Some(*to);
                changed = true;
            }
        }
        changed
    }
}

impl TryFrom<FrameRow> for FrameResult {
    type Error = DbError;
    fn try_from(r: FrameRow) -> DbResult<FrameResult> {
        Ok(FrameResult {
            frame: unsigned(r.frame, "frame")?,
            time_ms: unsigned(r.time_ms, "time_ms")?,
            faces: r.faces.0.into_iter().map(Into::into).collect(),
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredFace {
    #[serde(rename = "box")]
    bbox: StoredBox,
    score: f32,
    /// By name; a row without a readable one takes the most probable.
    emotion: String,
    probabilities: PerEmotion<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    track_id: Option<u32>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct StoredBox {
    x: i32,
    y: i32,
    w: i32,
    h: i32,
}

impl From<&FaceResult> for StoredFace {
    fn from(f: &FaceResult) -> Self {
        Self {
            bbox: f.bbox.into(),
            score: f.score,
            emotion: f.emotion.as_str().to_string(),
            probabilities: f.probabilities,
            track_id: f.track_id,
        }
    }
}

impl From<StoredFace> for FaceResult {
    fn from(f: StoredFace) -> Self {
        Self {
            bbox: f.bbox.into(),
            score: f.score,
            emotion: Emotion::parse(&f.emotion)
                .unwrap_or_else(|| Emotion::ALL[argmax(&f.probabilities.to_array())]),
            probabilities: f.probabilities,
            track_id: f.track_id,
        }
    }
}

impl From<BoxPx> for StoredBox {
    fn from(b: BoxPx) -> Self {
        Self {
            x: b.x,
            y: b.y,
            w: b.w,
            h: b.h,
        }
    }
}

impl From<StoredBox> for BoxPx {
    fn from(b: StoredBox) -> Self {
        Self {
            x: b.x,
            y: b.y,
            w: b.w,
            h: b.h,
        }
    }
}
