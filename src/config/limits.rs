//! `limits.*`: every cap a client meets (uploads, pictures, live sessions, HTTP) and the
//! analysis's own sizes; one section, as operators know it, grouped here by surface.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    // Videos (uploads, URLs, streams) and their jobs.
    /// Largest accepted upload, in bytes.
    pub max_upload_bytes: u64,
    /// Longest accepted video, in seconds.
    pub max_duration_secs: f64,
    /// Largest accepted frame side, in pixels.
    pub max_frame_side: u32,
    /// Highest `sample_fps` a job may ask for.
    pub max_sample_fps: f64,
    /// Most items on one page of a listing.
    pub max_page_size: u32,
    /// Longest window a person's timeline may be smoothed over (`smooth_ms`), in milliseconds.
    pub max_smooth_ms: u64,
    /// Uploads are refused with 429 while this many jobs wait in the queue.
    pub max_queued_jobs: u64,
    // Every request.
    /// Longest value of a form field or query option other than the video, in bytes.
    pub max_field_bytes: usize,
    /// An upload whose body sends nothing for this long is dropped (`408`).
    pub upload_idle_secs: u64,
    /// Every request but an upload must be answered within this time (`408`/`503` past it).
    pub request_timeout_secs: u64,
    /// Uploads checked with FFmpeg at once; more wait their turn (0: one per core).
    pub max_concurrent_probes: usize,
    /// How long an `Idempotency-Key` is remembered, in seconds.
    pub idempotency_ttl_secs: u64,
    /// Job event streams (`/events`) open at once; more are refused with 429.
    pub max_event_streams: usize,
    /// An upload refused before its body is read (429, 413, …) has up to this many bytes of its
    /// body read and dropped first, so that the client can read the answer (0: none).
    pub refused_body_drain_bytes: u64,
    // Pictures (`POST /v1/images`).
    /// Largest picture accepted by `POST /v1/images`, in bytes.
    pub max_image_bytes: u64,
    /// Most pixels (width × height, read from the file's header before it is decoded) of a
    /// picture accepted by `POST /v1/images`.
    pub max_image_pixels: u64,
    /// Pictures analysed at once by this process, each analyser with its own model sessions.
    pub image_workers: usize,
    /// Pictures waiting for an analyser; past this, `503 busy`. A picture takes its place
    /// before its body is read, so at most `image_workers + image_queue` bodies are in memory.
    pub image_queue: usize,
    /// Most scans of a JPEG picture or live frame (a progressive JPEG's decoding walks every
    /// block once a scan, so a small file of many empty scans costs minutes); counted before
    /// it is decoded.
    pub max_jpeg_scans: u32,
    // Live sessions (`GET /v1/live`).
    /// Live sessions (`GET /v1/live`) open at once in this process, each with its own model
    /// sessions and thread; and per API key (or for the open server's callers together).
    pub max_live_sessions: usize,
    pub max_live_sessions_per_key: usize,
    /// Largest frame of a live session, in bytes and in pixels (read from its header before it
    /// is decoded).
    pub max_live_frame_bytes: u64,
    pub max_live_frame_pixels: u64,
    /// Frames a live session analyses per second at most; of frames sent faster, the latest
    /// waiting one is taken and the older ones are dropped.
    pub max_live_fps: f64,
    /// Longest live session; it ends (and is kept as a job if asked) after this.
    pub max_live_secs: u64,
    /// How often a live session sends its running summary per person.
    pub live_summary_secs: u64,
    /// Bytes waiting to be written to a live client, pongs included; past this, the client is
    /// taken to have stopped reading and the session ends (`not_reading`).
    pub max_live_write_buffer_bytes: usize,
    /// Control messages (pings, pongs) a live client may send a second, on average over a
    /// second's burst; past this, the session ends (`too_many_messages`).
    pub max_live_control_per_sec: u32,
    /// Live tickets a key may hold unused at once (`POST /v1/live/tickets`).
    pub max_live_tickets_per_key: usize,
    // The analysis's own sizes.
    /// Longest side of the frame given to the face detector.
    pub detect_max_side: u32,
    /// Faces classified in one batch.
    pub classify_batch: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_upload_bytes: 1 << 30,
            max_duration_secs: 3.0 * 3600.0,
            max_frame_side: 4096,
            max_sample_fps: 60.0,
            detect_max_side: 640,
            classify_batch: 16,
            max_page_size: 1000,
            max_smooth_ms: 10_000,
            max_queued_jobs: 100,
            max_field_bytes: 1024,
            upload_idle_secs: 30,
            request_timeout_secs: 30,
            max_concurrent_probes: 0,
            idempotency_ttl_secs: 86_400,
            max_event_streams: 256,
            refused_body_drain_bytes: 8 << 20,
            max_image_bytes: 10 << 20,
            max_image_pixels: 40_000_000,
            image_workers: 1,
            image_queue: 8,
            max_jpeg_scans: 100,
            max_live_sessions: 4,
            max_live_sessions_per_key: 2,
            max_live_frame_bytes: 2 << 20,
            max_live_frame_pixels: 3840 * 2160,
            max_live_fps: 15.0,
            max_live_secs: 1800,
            live_summary_secs: 2,
            max_live_write_buffer_bytes: 1 << 20,
            max_live_control_per_sec: 20,
            max_live_tickets_per_key: 20,
        }
    }
}
