//! The `emoscope` binary: thin subcommands over the library.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use emoscope::cli::analyze::{self, AnalyzeArgs, Format};
use emoscope::cli::evaluate;
use emoscope::config::Config;
use emoscope::jobs::options::JobOptions;
use emoscope::runtime::ExecutionProvider;
use emoscope::vocabulary::{DetectorKind, Focus};
use emoscope::{app, telemetry};

#[derive(Parser)]
#[command(
    name = "emoscope",
    version,
    about = "Which emotions the faces in a video show"
)]
struct Cli {
    /// TOML configuration file (EMOSCOPE_* environment variables override it).
    #[arg(long, global = true, env = "EMOSCOPE_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the database and uploads.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Folder with the emotion models.
    #[arg(long, global = true)]
    models_dir: Option<PathBuf>,
    /// Path to libonnxruntime.so.
    #[arg(long, global = true)]
    onnxruntime_lib: Option<PathBuf>,
    /// cpu or cuda.
    #[arg(long, global = true)]
    execution_provider: Option<ExecutionProvider>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The HTTP API with workers in the same process.
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:8080.
        #[arg(long)]
        listen: Option<String>,
        /// Jobs processed at once (0: one per core).
        #[arg(long, conflicts_with = "api_only")]
        workers: Option<usize>,
        /// No workers in this process: `emoscope worker` processes elsewhere do the analysis
        /// (with a shared PostgreSQL database).
        #[arg(long)]
        api_only: bool,
    },
    /// Workers only, against the configured database.
    Worker {
        #[arg(long)]
        workers: Option<usize>,
    },
    /// Analyse one video, or one still picture (.jpg, .jpeg, .png, .webp, .bmp), without a
    /// server.
    Analyze(AnalyzeCmd),
    /// Follow a camera (its number or /dev/videoN), a stream (RTSP, RTMP, HLS, HTTP) or a file
    /// as it plays: a line whenever a person's most frequent expression changes, the people at
    /// the end (Ctrl-C ends it).
    Live(LiveCmd),
    /// Accuracy of a model on a folder-per-class dataset (e.g. FER2013's test split).
    Evaluate(EvaluateCmd),
    /// Write (or show the stored) narrative report of a succeeded job in the database.
    Report(ReportCmd),
    /// API keys: once one exists, every /v1 request needs one.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Create or update the database schema.
    Migrate,
    /// Exit 0 when the server answers `GET /readyz` with 200 (a container's health check).
    Health {
        /// Default: `/readyz` at the configured `listen` address (0.0.0.0 asked as 127.0.0.1).
        #[arg(long)]
        url: Option<String>,
    },
    /// Print the OpenAPI 3.1 contract (the one committed in openapi/openapi.json).
    Openapi,
}

#[derive(Args)]
struct LiveCmd {
    /// A camera's number (0), a device (/dev/video0), a stream URL or a file.
    source: String,
    /// Frames analysed per second of the source at most.
    #[arg(long, default_value_t = 5.0)]
    fps: f64,
    /// Stop after this many seconds of the source.
    #[arg(long)]
    max_secs: Option<u64>,
    /// yunet or haar.
    #[arg(long)]
    detector: Option<DetectorKind>,
    #[arg(long)]
    min_face_px: Option<u32>,
    /// Emotion model name (a file stem in models_dir).
    #[arg(long)]
    model: Option<String>,
}

impl LiveCmd {
    fn run(self, config: &Config, rt: tokio::runtime::Handle) -> Result<()> {
        if !(self.fps.is_finite() && self.fps > 0.0) {
            anyhow::bail!("--fps must be a positive number");
        }
        let asked = JobOptions {
            detector: self.detector,
            min_face_px: self.min_face_px,
            model: self.model,
            tracking: Some(true),
            ..JobOptions::default()
        };
        let args = emoscope::cli::live::LiveArgs {
            source: self.source,
            asked,
            fps: self.fps,
            max_secs: self.max_secs,
        };
        emoscope::cli::live::run(config, args, rt)
    }
}

#[derive(Args)]
struct AnalyzeCmd {
    /// The video, or a still picture (by its name's ending: each face and the shares).
    video: PathBuf,
    /// Frames analysed per second of video; 0 analyses every frame.
    #[arg(long)]
    sample_fps: Option<f64>,
    /// yunet or haar.
    #[arg(long)]
    detector: Option<DetectorKind>,
    #[arg(long)]
    min_face_px: Option<u32>,
    /// Emotion model name (a file stem in models_dir).
    #[arg(long)]
    model: Option<String>,
    /// Do not follow faces across frames (no people in the result).
    #[arg(long)]
    no_tracking: bool,
    /// People seen for less than this are left out (likely false detections).
    #[arg(long)]
    min_track_ms: Option<u64>,
    /// all, or main: only the person on screen longest.
    #[arg(long)]
    focus: Option<Focus>,
    /// Write the analysed frames with boxes, people and expressions drawn on them (H.264 MP4).
    #[arg(long, value_name = "OUT.mp4")]
    annotate: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Write the per-frame timeline to this file (JSON lines).
    #[arg(long)]
    timeline: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
struct EvaluateCmd {
    dataset: PathBuf,
    #[arg(long)]
    model: Option<String>,
    #[arg(long)]
    json: bool,
    /// Place each face into frames (sizes, tilt, blur, noise, JPEG, dim light) and classify
    /// what the detector finds and the service crops, beside the faces as they are.
    #[arg(long)]
    through_pipeline: bool,
    /// With --through-pipeline: at most this many faces of each class folder (0: all).
    #[arg(long, default_value_t = 0)]
    per_class: usize,
    /// `fer2013`: the folder's labels; `ferplus`: the majority of FER+'s ten annotators, with
    /// recall, predicted and true shares per class and calibration.
    #[arg(long, value_enum, default_value = "fer2013")]
    labels: Labels,
    /// With --labels ferplus: the votes per image (default: ../ferplus/kaggle_to_fer2013_row.csv
    /// beside the dataset folder).
    #[arg(long)]
    votes: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Labels {
    Fer2013,
    Ferplus,
}

#[derive(Args)]
struct ReportCmd {
    job_id: String,
    /// BCP 47 language tag (templates: en, ru).
    #[arg(long, default_value = "en")]
    language: String,
    /// openai or template (default: openai when configured).
    #[arg(long)]
    provider: Option<String>,
    /// Chat model for the openai provider.
    #[arg(long)]
    model: Option<String>,
    #[arg(long)]
    regenerate: bool,
    /// Print the whole report as JSON instead of its text.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum KeysAction {
    /// Make a key; its token and webhook secret are printed once.
    Create {
        #[arg(long)]
        name: String,
        /// Sees and deletes every job, not only its own.
        #[arg(long)]
        admin: bool,
    },
    /// Every key (never their tokens).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Refuse a key from now on; its jobs stay (an admin key still sees them).
    Revoke { id: String },
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Serve { .. } | Command::Worker { .. }) {
        restart_with_few_malloc_arenas();
    }
    let config = load_config(&cli)?;
    let quiet_cli = matches!(
        cli.command,
        Command::Analyze(_) | Command::Evaluate(_) | Command::Live(_)
    );
    telemetry::init(if quiet_cli { "warn" } else { "info" });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    dispatch(cli.command, config, &rt)
}

/// glibc gives threads that allocate arenas of their own (up to eight per core), and memory
/// freed in them is seldom given back: a server whose threads come and go (live sessions, OpenCV
/// and ONNX Runtime buffers) grew by 40–70 MB with each round of four live sessions. With two
/// arenas it stays flat (docs/benchmarks.md). glibc reads `MALLOC_ARENA_MAX` when the process
/// starts, so a server started without it starts itself again with it; a value the operator
/// set is kept.
fn restart_with_few_malloc_arenas() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("MALLOC_ARENA_MAX", "2")
        .exec();
    eprintln!("warning: cannot restart with MALLOC_ARENA_MAX=2 ({error}); memory may grow");
}

/// The configuration: defaults, the file, `EMOSCOPE_*` variables, then the global flags.
fn load_config(cli: &Cli) -> Result<Config> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(v) = &cli.data_dir {
        config.data_dir = v.clone();
    }
    if let Some(v) = &cli.models_dir {
        config.models_dir = v.clone();
    }
    if let Some(v) = &cli.onnxruntime_lib {
        config.onnxruntime_lib = v.clone();
    }
    if let Some(v) = cli.execution_provider {
        config.execution_provider = v;
    }
    config.validate()?;
    Ok(config)
}

fn dispatch(command: Command, mut config: Config, rt: &tokio::runtime::Runtime) -> Result<()> {
    match command {
        Command::Serve {
            listen,
            workers,
            api_only,
        } => {
            if let Some(v) = listen {
                config.listen = v;
            }
            if let Some(v) = workers {
                config.workers = v;
            }
            rt.block_on(serve(config, api_only))
        }
        Command::Worker { workers } => {
            if let Some(v) = workers {
                config.workers = v;
            }
            let n = config.worker_count();
            rt.block_on(app::run_workers(config, n, app::shutdown_signal()))
        }
        Command::Analyze(cmd) => cmd.run(&config),
        Command::Live(cmd) => cmd.run(&config, rt.handle().clone()),
        Command::Evaluate(cmd) => cmd.run(&config),
        Command::Report(cmd) => rt.block_on(cmd.run(config)),
        Command::Keys { action } => rt.block_on(async {
            use emoscope::cli::keys;
            match action {
                KeysAction::Create { name, admin } => keys::create(&config, &name, admin).await,
                KeysAction::List { json } => keys::list(&config, json).await,
                KeysAction::Revoke { id } => keys::revoke(&config, &id).await,
            }
        }),
        Command::Migrate => rt.block_on(async {
            app::open_store(&config).await?;
            // The URL as Display shows it: without its password.
            println!("database at {} is up to date", config.database_url());
            Ok(())
        }),
        Command::Health { url } => rt.block_on(health(&config, url)),
        Command::Openapi => {
            print!("{}", emoscope::api::openapi::document_json());
            Ok(())
        }
    }
}

impl AnalyzeCmd {
    fn run(self, config: &Config) -> Result<()> {
        if self
            .sample_fps
            .is_some_and(|fps| !(fps.is_finite() && fps >= 0.0))
        {
            anyhow::bail!("--sample-fps must be 0 (every frame) or a positive number");
        }
        let asked = JobOptions {
            sample_fps: self.sample_fps,
            detector: self.detector,
            min_face_px: self.min_face_px,
            model: self.model,
            tracking: self.no_tracking.then_some(false),
            min_track_ms: self.min_track_ms,
            focus: self.focus,
            annotate: Some(self.annotate.is_some()),
            ..JobOptions::default()
        };
        let progress = !self.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
        let args = AnalyzeArgs {
            video: self.video,
            asked,
            format: self.format,
            timeline: self.timeline,
            annotated: self.annotate,
            progress,
        };
        analyze::run(config, args)
    }
}

impl EvaluateCmd {
    fn run(self, config: &Config) -> Result<()> {
        let model = self.model.as_deref();
        let votes = match self.labels {
            Labels::Fer2013 => None,
            Labels::Ferplus => Some(
                self.votes
                    .clone()
                    .unwrap_or_else(|| self.dataset.join("../ferplus/kaggle_to_fer2013_row.csv")),
            ),
        };
        if let (Some(votes), false) = (&votes, self.through_pipeline) {
            use emoscope::cli::against_people;
            let a = against_people::evaluate_against_people(config, &self.dataset, votes, model)?;
            match self.json {
                true => println!("{}", serde_json::to_string_pretty(&a)?),
                false => against_people::print_text(&a),
            }
            return Ok(());
        }
        if self.through_pipeline {
            use emoscope::cli::through_pipeline;
            let e = through_pipeline::evaluate_through_pipeline(
                config,
                &self.dataset,
                model,
                self.per_class,
                votes.as_deref(),
            )?;
            match self.json {
                true => println!("{}", serde_json::to_string_pretty(&e)?),
                false => through_pipeline::print_text(&e),
            }
        } else {
            let e = evaluate::evaluate(config, &self.dataset, model)?;
            match self.json {
                true => println!("{}", serde_json::to_string_pretty(&e)?),
                false => evaluate::print_text(&e),
            }
        }
        Ok(())
    }
}

impl ReportCmd {
    async fn run(self, config: Config) -> Result<()> {
        let request = emoscope::report::service::ReportRequest {
            language: Some(self.language),
            provider: self.provider,
            model: self.model,
            regenerate: self.regenerate,
        };
        report(config, &self.job_id, request, self.json).await
    }
}

async fn serve(config: Config, api_only: bool) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.listen).await?;
    let workers = if api_only { 0 } else { config.worker_count() };
    let service = app::Service::start(config, listener, workers).await?;
    app::shutdown_signal().await;
    service.stop().await
}

async fn health(config: &Config, url: Option<String>) -> Result<()> {
    let url = url.unwrap_or_else(|| {
        let listen = config.listen.replace("0.0.0.0", "127.0.0.1");
        format!("http://{}/readyz", listen.replace("[::]", "[::1]"))
    });
    let response = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()?
        .get(&url)
        .send()
        .await?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    anyhow::ensure!(status.is_success(), "{url}: {status} {body}");
    println!("{body}");
    Ok(())
}

async fn report(
    config: Config,
    job_id: &str,
    request: emoscope::report::service::ReportRequest,
    json: bool,
) -> Result<()> {
    let store = app::open_store(&config).await?;
    let job = store
        .get(job_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no job {job_id}"))?;
    let reporter = emoscope::report::service::Reporter::new(&config.report)?;
    let (report, _) = reporter.report(store.as_ref(), &job, &request).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", report.text.unwrap_or_default());
    }
    Ok(())
}
