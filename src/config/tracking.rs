//! `tracking.*`: how faces are followed from frame to frame.

use serde::Deserialize;

/// How faces are followed from frame to frame.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackingConfig {
    /// How long (video time) a person who left the picture is waited for before a face there
    /// counts as someone new.
    pub max_lost_ms: u64,
    /// Most faces followed at once; in a crowd the rest count in the result but not as people.
    pub max_live_tracks: usize,
    /// Most people listed for one job (the longest on screen).
    pub max_people: usize,
    /// How long (video time) a person who left the picture is remembered while the video is
    /// analysed, to be given their number back on return; 0 leaves that to the end of the job.
    pub reid_ms: u64,
    /// Tell people apart by a face embedding (biometric data, kept in memory for one job only);
    /// `false` leaves position and the 16×16 look, for deployments that may not process
    /// biometric data.
    pub identity: bool,
}

impl Default for TrackingConfig {
    fn default() -> Self {
        Self {
            max_lost_ms: 2000,
            max_live_tracks: 64,
            max_people: 500,
            reid_ms: 60_000,
            identity: true,
        }
    }
}
