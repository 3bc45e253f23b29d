//! `emoscope live SOURCE`: a camera (its number, or `/dev/videoN`), a stream (RTSP, RTMP, HLS,
//! HTTP) or a file read as it plays, through a live run: a line whenever a person's most frequent
//! expression changes, and the people at the end (when the source ends, after `--max-secs`, or
//! at the first Ctrl-C). A quick look at a camera from a terminal; nothing is stored. A URL's
//! user, password and query are never printed.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;

use crate::config::Config;
use crate::egress::stream::Streams;
use crate::jobs::options::{JobOptions, Purpose};
use crate::live::capture::Capture;
use crate::pipeline::aggregate::{self, Emotion};
use crate::pipeline::{FrameResult, Observer, PipelineError, Progress};

pub struct LiveArgs {
    /// A device number, a device path, a URL or a file.
    pub source: String,
    pub asked: JobOptions,
    /// Frames analysed per second of the source at most.
    pub fps: f64,
    pub max_secs: Option<u64>,
}

pub fn run(config: &Config, args: LiveArgs, rt: tokio::runtime::Handle) -> Result<()> {
    let (engine, options) = super::engine_for(config, &args.asked, Purpose::Live)?;
    let shown = shown(&args.source);
    let max_ms = args.max_secs.map(|s| s as f64 * 1000.0);
    let stop = Arc::new(AtomicBool::new(false));
    let streams = Streams::for_operator(config, rt);
    let mut source = Capture::open(&args.source, args.fps, max_ms, stop.clone(), &streams)
        .map_err(|r| anyhow::anyhow!("cannot open {shown}: {}", r.message))?;
    let on_signal = stop;
    // The first Ctrl-C ends the run (and prints the people); a second one, the process.
    let _ = ctrlc_once(move || on_signal.store(true, Ordering::Relaxed));
    eprintln!("reading {shown}; Ctrl-C ends it");
    let mut lines = Lines::default();
    let outcome = engine
        .pipeline()
        .run_live(&options, &mut source, &mut lines)
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} frames analysed", outcome.summary.frames_analyzed)?;
    super::analyze::write_people(&mut out, outcome.people.as_deref().unwrap_or_default())?;
    writeln!(out, "{}", crate::views::NOTE)?;
    Ok(())
}

/// The source as it may be printed.
fn shown(source: &str) -> String {
    match reqwest::Url::parse(source) {
        Ok(url) if url.has_host() => crate::jobs::download::source::redact(&url),
        _ => source.to_string(),
    }
}

/// Installs a SIGINT handler that calls `f` the first time and restores the default (so a
/// second Ctrl-C ends the process).
fn ctrlc_once(f: impl Fn() + Send + Sync + 'static) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("emoscope-ctrlc".into())
        .spawn(move || {
            rt.block_on(async {
                if tokio::signal::ctrl_c().await.is_ok() {
                    f();
                }
            });
        })?;
    Ok(())
}

/// A line whenever a person's most frequent expression changes.
#[derive(Default)]
struct Lines {
    people: std::collections::BTreeMap<u32, ([u64; 7], Option<Emotion>)>,
}

impl Observer for Lines {
    fn on_frames(&mut self, frames: Vec<FrameResult>, _: Progress) -> Result<(), PipelineError> {
        let mut out = std::io::stdout().lock();
        for frame in frames {
            for face in &frame.faces {
                let Some(person) = face.track_id else {
                    continue;
                };
                let (counts, shown) = self.people.entry(person).or_insert(([0; 7], None));
                counts[face.emotion.index()] += 1;
                let now = aggregate::dominant(counts);
                if let (Some(e), true) = (now, now != *shown) {
                    *shown = now;
                    let total: u64 = counts.iter().sum();
                    let share = aggregate::percentages(counts)[e.index()];
                    let at = frame.time_ms as f64 / 1000.0;
                    let name = e.as_str();
                    let _ = writeln!(
                        out,
                        "{at:>8.1} s  person {person}: mostly {name}, {share:.0} % of {total} faces"
                    );
                }
            }
        }
        let _ = out.flush();
        Ok(())
    }
}
