//! The integration tests, one binary (OpenCV and ONNX Runtime are linked once): the real server
//! on port 0 or as a child process, real SQLite and PostgreSQL, the real models and FER-made
//! videos. `scripts/test.sh --fast` skips the modules that need more than Rust and ../shared
//! (PostgreSQL, the S3 server, podman, Chromium). `tests/metrics` is apart because it reads
//! this process's global metrics recorder.

mod common;

mod api;
mod attack;
mod bounds;
mod cli;
mod clients;
mod container;
mod contract;
mod decode;
mod deploy;
mod downloads;
mod egress;
mod evaluate;
mod hardening;
mod identity;
mod images;
mod integration;
mod live;
mod people;
mod postgres;
mod real_footage;
mod recovery;
mod report;
mod schema;
mod startup;
mod topology;
mod tracking;
mod web;
mod webhooks;
