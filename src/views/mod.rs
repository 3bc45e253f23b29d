//! What the API, the event stream, the webhooks and the CLI show: JSON shapes built `From` the
//! domain (jobs, results, reports), apart from how they are stored (`db::rows`). This floor
//! knows nothing of HTTP.

pub mod job;
pub mod live;
pub mod report;
pub mod results;

/// Said beside every set of percentages.
pub const NOTE: &str = "Shares of facial expressions as classified by a model trained on FER2013; \
    expressions are not a measure of what a person feels and this is not a diagnosis.";
