//! Subcommands that work without the HTTP server: the pipeline on one video, a live source,
//! accuracy (of the model, and through the detector and crop), keys.

pub mod against_people;
pub mod analyze;
pub mod analyze_image;
pub mod evaluate;
pub mod keys;
pub mod live;
pub mod through_pipeline;
