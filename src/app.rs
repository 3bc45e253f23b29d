//! Starting the service: the store, the engine, the workers and the HTTP server.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};

use crate::api::auth::KeysInUse;
use crate::api::{AppState, router};
use crate::background::Background;
use crate::background::housekeeping::Housekeeping;
use crate::background::instance::Instance;
use crate::config::Config;
use crate::db::{LostWriters, SqlStore, Store};
use crate::egress::policy::Policy;
use crate::jobs::download::{Downloads, Parts as DownloadParts};
use crate::jobs::uploads::Uploads;
use crate::jobs::worker::{WorkerPool, Workers};
use crate::live::LiveSessions;
use crate::pipeline::Engine;
use crate::pipeline::catalogue::Catalogue;
use crate::pipeline::image::ImageAnalysers;
use crate::report::service::Reporter;
use crate::report::writers::ReportWriters;
use crate::storage::MediaStore;
use crate::webhooks::deliver::Dispatcher;

pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>> {
    let url = config.database_url();
    if url.is_sqlite() {
        tokio::fs::create_dir_all(&config.data_dir)
            .await
            .with_context(|| format!("cannot create data_dir {}", config.data_dir.display()))?;
    }
    let store = SqlStore::open(&url)
        .await
        .with_context(|| format!("cannot open the database {url}"))?;
    Ok(Arc::new(store))
}

/// The media store and this process's scratch folder, after one request proves the store
/// answers: a misconfigured bucket stops the start with a message that names it.
pub async fn open_uploads(config: &Config, instance: &Instance) -> Result<Uploads> {
    let media = MediaStore::open(config)?;
    media
        .check()
        .await
        .map_err(|e| anyhow::anyhow!("the media store does not answer: {e}"))?;
    tracing::info!(store = media.place(), "media store");
    Ok(Uploads::new(Arc::new(media), instance.scratch.clone()))
}

/// Loads the models off the async runtime (it takes a moment) for `workers` workers.
pub async fn load_engine(config: &Arc<Config>, workers: usize) -> Result<Arc<Engine>> {
    let c = config.clone();
    let threads = config.threads_per_session(workers);
    let engine = tokio::task::spawn_blocking(move || Engine::load(&c, threads)).await??;
    Ok(Arc::new(engine))
}

/// What every process with a store starts the same way (`serve`, `serve --api-only`, `worker`):
/// the database and its wake-ups, this process's slot, the media store, the background tasks.
struct Boot {
    config: Arc<Config>,
    store: Arc<dyn Store>,
    instance: Instance,
    uploads: Uploads,
    /// Woken when a job is queued.
    wake: Arc<Notify>,
    /// Woken when a report is queued.
    report_wake: Arc<Notify>,
    background: Background,
}

impl Boot {
    async fn open(config: Arc<Config>) -> Result<Self> {
        let store = open_store(&config).await?;
        let instance = Instance::acquire(&config.data_dir)?;
        let uploads = open_uploads(&config, &instance).await?;
        let background = Background::default();
        let (wake, report_wake) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        store.listen(wake.clone(), report_wake.clone(), background.token());
        Ok(Self {
            config,
            store,
            instance,
            uploads,
            wake,
            report_wake,
            background,
        })
    }

    /// The engine and `count` workers, with the jobs this slot's previous holder held taken
    /// back first: the lock proves that process gone, so they are ours to take back now, not
    /// after their heartbeats go stale, and its death is not theirs.
    async fn workers(&self, count: usize) -> Result<(WorkerPool, Arc<Engine>)> {
        let engine = load_engine(&self.config, count).await?;
        let prefix = &self.instance.worker_prefix;
        let taken = self
            .store
            .take_back(prefix, self.config.queue.max_crashes)
            .await?;
        if taken > 0 {
            tracing::warn!(
                jobs = taken,
                "took back the jobs this instance held when it last stopped"
            );
        }
        let (drain, cancel) = Workers::tokens();
        let workers = Workers {
            store: self.store.clone(),
            engine: engine.clone(),
            config: self.config.clone(),
            uploads: self.uploads.clone(),
            wake: self.wake.clone(),
            drain,
            cancel,
        };
        Ok((WorkerPool::spawn(workers, count, prefix)?, engine))
    }

    /// Housekeeping, the report writers and the webhook sender, after taking back the reports
    /// and deliveries this slot's previous holder held. Returns where webhooks may go.
    async fn start_background(&self, reporter: &Arc<Reporter>) -> Result<Arc<Policy>> {
        let (store, config) = (&self.store, &self.config);
        let policy = Arc::new(Policy::new(&config.webhooks));
        let default_url = &config.webhooks.default_callback_url;
        if !default_url.is_empty() {
            policy
                .parse(default_url)
                .map_err(|e| anyhow::anyhow!("webhooks.default_callback_url: {e}"))?;
            if config.webhooks.secret.expose().is_none() {
                tracing::warn!(
                    "webhooks.default_callback_url is set but webhooks.secret is not: uploads made without an API key will be refused (400 invalid_callback_url) until a secret is configured"
                );
            }
        }
        let prefix = self.instance.worker_prefix.as_str();
        let reports = store
            .recover_reports(LostWriters::OfInstance(prefix), config.report.max_attempts)
            .await?;
        let deliveries = store
            .recover_deliveries(LostWriters::OfInstance(prefix))
            .await?;
        let downloads = store
            .recover_downloads(LostWriters::OfInstance(prefix))
            .await?;
        if reports + deliveries + downloads > 0 {
            tracing::warn!(
                reports,
                deliveries,
                downloads,
                "took back the reports and webhooks this instance held when it last stopped, and failed its unfinished downloads"
            );
        }
        let housekeeping = Housekeeping {
            store: store.clone(),
            uploads: self.uploads.clone(),
            config: config.clone(),
            wake: self.wake.clone(),
        };
        self.background
            .spawn(housekeeping.run(self.background.token()));
        let pid = std::process::id();
        let writers = ReportWriters {
            store: store.clone(),
            reporter: reporter.clone(),
            config: config.clone(),
            worker_id: format!("{prefix}{pid}-reports"),
            wake: self.report_wake.clone(),
            cancel: self.background.token(),
        };
        self.background.spawn(writers.run());
        let dispatcher = Dispatcher {
            store: store.clone(),
            config: config.clone(),
            policy: policy.clone(),
            worker_id: format!("{prefix}{pid}-webhooks"),
            cancel: self.background.token(),
        };
        self.background.spawn(dispatcher.run());
        Ok(policy)
    }
}

/// What `serve` runs: the API and, when `workers > 0`, workers in the same process. Dropping it
/// stops the server and the workers; [`Service::stop`] also waits for them.
pub struct Service {
    pub addr: SocketAddr,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    workers: Option<WorkerPool>,
    /// How long the workers may finish their jobs when the service stops.
    stop_grace: Duration,
    background: Background,
    _instance: Option<Instance>,
}

impl Service {
    pub async fn start(mut config: Config, listener: TcpListener, workers: usize) -> Result<Self> {
        let addr = listener.local_addr()?;
        // What the listener got, not what was asked for (`:0`), decides which names it serves.
        config.listen = addr.to_string();
        let boot = Boot::open(Arc::new(config)).await?;
        let config = boot.config.clone();
        refuse_open_network(&config, addr, boot.store.as_ref()).await?;
        // Only a process that analyses videos loads ONNX Runtime and the models.
        let (pool, catalogue, provider, images, live) = if workers > 0 {
            let (pool, engine) = boot.workers(workers).await?;
            let l = &config.limits;
            let (catalogue, provider) = (Catalogue::of(&engine), Some(engine.provider));
            let holder = format!("{}{}-live", boot.instance.worker_prefix, std::process::id());
            let live = LiveSessions::new(engine.clone(), config.clone(), holder);
            let images = ImageAnalysers::spawn(engine, l.image_workers, l.image_queue)?;
            (Some(pool), catalogue, provider, Some(images), Some(live))
        } else {
            (None, Catalogue::read(&config)?, None, None, None)
        };
        let reporter = Arc::new(Reporter::new(&config.report)?);
        tracing::info!(
            provider = reporter.default_provider().as_str(),
            "narrative reports"
        );
        let webhooks = boot.start_background(&reporter).await?;
        let probes = Arc::new(Semaphore::new(config.probe_slots()));
        let downloads = Downloads::new(DownloadParts {
            store: boot.store.clone(),
            config: config.clone(),
            uploads: boot.uploads.clone(),
            probes: probes.clone(),
            downloader: format!(
                "{}{}-downloads",
                boot.instance.worker_prefix,
                std::process::id()
            ),
            wake: boot.wake.clone(),
            tasks: boot.background.tracker(),
            cancel: boot.background.token(),
        });
        let app = router(AppState {
            store: boot.store.clone(),
            catalogue: Arc::new(catalogue),
            provider,
            probes,
            downloads,
            keys: KeysInUse::new(config.auth.require_keys),
            streams: Arc::new(Semaphore::new(config.limits.max_event_streams)),
            shutdown: boot.background.token(),
            uploads: boot.uploads.clone(),
            wake: boot.wake.clone(),
            reporter,
            report_wake: boot.report_wake.clone(),
            webhooks,
            images,
            live,
            config,
        });
        let stop = boot.background.token();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await
        });
        tracing::info!(%addr, workers, "emoscope listening");
        Ok(Self {
            addr,
            server: Some(server),
            workers: pool,
            stop_grace: Duration::from_secs(boot.config.queue.stop_grace_secs),
            background: boot.background,
            _instance: Some(boot.instance),
        })
    }

    /// Stops taking requests, lets the workers put their jobs back, and waits for them and for
    /// the background tasks.
    pub async fn stop(mut self) -> Result<()> {
        self.background.cancel();
        if let Some(server) = self.server.take() {
            // Open connections (an event stream, a stalled upload) get a moment to finish.
            match tokio::time::timeout(Duration::from_secs(10), server).await {
                Ok(r) => r??,
                Err(_) => tracing::warn!("connections still open after 10 s; closing them"),
            }
        }
        if let Some(pool) = self.workers.take() {
            pool.stop(self.stop_grace).await;
        }
        self.background.stop(Duration::from_secs(10)).await;
        Ok(())
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.background.cancel();
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

/// Anyone who reaches an open server can read and delete every job: without keys it serves
/// only a loopback address, unless the operator says otherwise in so many words.
async fn refuse_open_network(config: &Config, addr: SocketAddr, store: &dyn Store) -> Result<()> {
    let keys = config.auth.require_keys || store.any_key().await?;
    if addr.ip().is_loopback() || keys || config.auth.allow_anonymous {
        return Ok(());
    }
    anyhow::bail!(
        "refusing to listen on {addr} without API keys: anyone who can reach it could read and \
         delete every job. Create a key first (`emoscope keys create --name NAME`), listen on \
         127.0.0.1, or set auth.allow_anonymous = true (EMOSCOPE_AUTH__ALLOW_ANONYMOUS=true) to \
         serve without keys on purpose"
    )
}

/// Only workers, against the configured database (scale-out).
pub async fn run_workers(
    config: Config,
    count: usize,
    signal: impl Future<Output = ()>,
) -> Result<()> {
    let boot = Boot::open(Arc::new(config)).await?;
    let (pool, _engine) = boot.workers(count).await?;
    let reporter = Arc::new(Reporter::new(&boot.config.report)?);
    boot.start_background(&reporter).await?;
    signal.await;
    tracing::info!("shutting down workers");
    pool.stop(Duration::from_secs(boot.config.queue.stop_grace_secs))
        .await;
    boot.background.cancel();
    boot.background.stop(Duration::from_secs(10)).await;
    Ok(())
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
