//! Subcommands that work without the HTTP server: the pipeline on one video, accuracy, keys.

pub mod analyze;
pub mod evaluate;
pub mod keys;
