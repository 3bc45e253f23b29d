//! What the types cannot say: numbers in range, and settings that must agree with each other.
//! Runs once, at start; a bad value stops it with the setting's name.

use anyhow::{Result, bail};

use super::Config;

impl Config {
    pub fn validate(&self) -> Result<()> {
        self.check_limits()?;
        self.check_queue()?;
        self.check_defaults()?;
        self.check_background()?;
        if self.storage.timeout_secs == 0 {
            bail!("storage.timeout_secs must be at least 1");
        }
        let url = self.database_url();
        if !(url.is_sqlite() || url.is_postgres()) {
            bail!("database_url must start with sqlite: or postgres://, not {url}");
        }
        Ok(())
    }

    fn check_limits(&self) -> Result<()> {
        let l = &self.limits;
        if l.classify_batch == 0 {
            bail!("limits.classify_batch must be at least 1");
        }
        if l.detect_max_side < 32 {
            bail!("limits.detect_max_side must be at least 32");
        }
        if l.max_sample_fps.is_nan() || l.max_sample_fps <= 0.0 {
            bail!("limits.max_sample_fps must be positive");
        }
        if l.image_workers == 0 || l.image_queue == 0 || l.max_image_bytes == 0 {
            bail!(
                "limits.image_workers, limits.image_queue and limits.max_image_bytes must be at least 1"
            );
        }
        if l.max_live_frame_bytes == 0 || l.max_live_secs == 0 || l.live_summary_secs == 0 {
            bail!(
                "limits.max_live_frame_bytes, limits.max_live_secs and limits.live_summary_secs must be at least 1"
            );
        }
        if l.max_jpeg_scans == 0
            || l.max_live_control_per_sec == 0
            || l.max_live_tickets_per_key == 0
        {
            bail!(
                "limits.max_jpeg_scans, limits.max_live_control_per_sec and limits.max_live_tickets_per_key must be at least 1"
            );
        }
        // tungstenite buffers up to 128 KiB before it writes; the cap must leave it room.
        if l.max_live_write_buffer_bytes <= 128 << 10 {
            bail!("limits.max_live_write_buffer_bytes must be more than 131072");
        }
        if !(l.max_live_fps > 0.0 && l.max_live_fps <= 120.0) {
            bail!("limits.max_live_fps must be in (0, 120]");
        }
        if l.max_field_bytes == 0 || l.upload_idle_secs == 0 || l.request_timeout_secs == 0 {
            bail!(
                "limits.max_field_bytes, limits.upload_idle_secs and limits.request_timeout_secs must be at least 1"
            );
        }
        Ok(())
    }

    fn check_queue(&self) -> Result<()> {
        let q = &self.queue;
        if q.stale_after_secs <= q.heartbeat_secs {
            bail!("queue.stale_after_secs must be longer than queue.heartbeat_secs");
        }
        if q.max_attempts == 0 {
            bail!("queue.max_attempts must be at least 1");
        }
        if q.max_crashes == 0 {
            bail!("queue.max_crashes must be at least 1");
        }
        if q.sweep_secs == 0 {
            bail!("queue.sweep_secs must be at least 1");
        }
        if self.tracking.max_live_tracks == 0 || self.tracking.max_people == 0 {
            bail!("tracking.max_live_tracks and tracking.max_people must be at least 1");
        }
        Ok(())
    }

    /// The defaults are what every job gets when it names nothing: a bad one would make every
    /// upload fail as if the client had sent it.
    fn check_defaults(&self) -> Result<()> {
        let (d, l) = (&self.defaults, &self.limits);
        if !(d.sample_fps.is_finite() && d.sample_fps >= 0.0 && d.sample_fps <= l.max_sample_fps) {
            bail!(
                "defaults.sample_fps must be from 0 to limits.max_sample_fps ({}), not {}",
                l.max_sample_fps,
                d.sample_fps
            );
        }
        if d.min_face_px > l.max_frame_side {
            bail!("defaults.min_face_px must not exceed limits.max_frame_side");
        }
        if !(d.min_score > 0.0 && d.min_score <= 1.0) {
            bail!("defaults.min_score must be in (0, 1], not {}", d.min_score);
        }
        if !(d.face_margin >= 0.0 && d.face_margin <= 1.0) {
            bail!(
                "defaults.face_margin must be in [0, 1], not {}",
                d.face_margin
            );
        }
        Ok(())
    }

    fn check_background(&self) -> Result<()> {
        let w = &self.webhooks;
        if w.concurrency == 0 || w.timeout_secs == 0 || self.report.workers == 0 {
            bail!(
                "webhooks.concurrency, webhooks.timeout_secs and report.workers must be at least 1"
            );
        }
        if self.report.max_attempts == 0 {
            bail!("report.max_attempts must be at least 1");
        }
        let d = &self.downloads;
        if d.attempts == 0 || d.concurrency == 0 || d.connect_timeout_secs == 0 || d.max_secs == 0 {
            bail!(
                "downloads.attempts, downloads.concurrency, downloads.connect_timeout_secs and downloads.max_secs must be at least 1"
            );
        }
        Ok(())
    }
}
