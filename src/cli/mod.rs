//! Subcommands that run the pipeline without a server.

pub mod analyze;
pub mod evaluate;
