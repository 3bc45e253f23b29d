//! Emoscope: which emotions the faces in a video show.
//!
//! The folder tree follows a video through the service: `api` takes the upload, `jobs` queues and
//! stores it, `storage` keeps the video (a folder or an S3 bucket) for a worker, `pipeline` decodes, detects, classifies and aggregates, `egress` is the one way out to
//! addresses a client chose, and `cli` runs the same pipeline without a server.

pub mod api;
pub mod app;
pub mod auth;
pub mod background;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod egress;
pub mod fields;
pub mod jobs;
pub mod live;
pub mod pipeline;
pub mod report;
pub mod runtime;
pub mod storage;
pub mod telemetry;
pub mod views;
pub mod vocabulary;
pub mod webhooks;
