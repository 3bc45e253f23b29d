//! Starting the service: the store, the engine, the workers and the HTTP server.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::api::auth::KeysInUse;
use crate::api::rate::RateLimits;
use crate::api::{AppState, router};
use crate::config::Config;
use crate::jobs::instance::Instance;
use crate::jobs::store::{LostWriters, SqlStore, Store};
use crate::jobs::uploads::Uploads;
use crate::jobs::worker::{WorkerPool, Workers, housekeeping};
use crate::pipeline::Engine;
use crate::pipeline::catalogue::Catalogue;
use crate::report::service::Reporter;
use crate::report::writers::ReportWriters;
use crate::storage::MediaStore;
use crate::webhooks::deliver::Dispatcher;
use crate::webhooks::target::Policy;

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

/// The workers of this process, with the jobs its previous incarnation held taken back first.
async fn start_workers(workers: Workers, count: usize, instance: &Instance) -> Result<WorkerPool> {
    let (store, config) = (&workers.store, &workers.config);
    // The lock proves that the process that held this slot before is gone: its jobs are ours
    // to take back now, not after their heartbeats go stale, and its death is not theirs.
    let taken = store
        .take_back(&instance.worker_prefix, config.queue.max_crashes)
        .await?;
    if taken > 0 {
        tracing::warn!(
            jobs = taken,
            "took back the jobs this instance held when it last stopped"
        );
    }
    Ok(WorkerPool::spawn(workers, count, &instance.worker_prefix)?)
}

/// The report writers and the webhook sender of this process, after taking back the reports
/// and deliveries that its previous incarnation held. Returns where webhooks may go, for the API.
async fn start_background(
    store: &Arc<dyn Store>,
    config: &Arc<Config>,
    reporter: &Arc<Reporter>,
    report_wake: &Arc<Notify>,
    cancel: &CancellationToken,
    instance: &Instance,
) -> Result<Arc<Policy>> {
    let policy = Arc::new(Policy::new(&config.webhooks).map_err(anyhow::Error::msg)?);
    let prefix = instance.worker_prefix.as_str();
    let reports = store
        .recover_reports(LostWriters::OfInstance(prefix), config.report.max_attempts)
        .await?;
    let deliveries = store
        .recover_deliveries(LostWriters::OfInstance(prefix))
        .await?;
    if reports + deliveries > 0 {
        tracing::warn!(
            reports,
            deliveries,
            "took back the reports and webhooks this instance held when it last stopped"
        );
    }
    if !config.webhooks.default_callback_url.is_empty() && config.webhooks.secret.expose().is_none()
    {
        tracing::warn!(
            "webhooks.default_callback_url is set but webhooks.secret is not: uploads made without an API key will be refused (400 invalid_callback_url) until a secret is configured"
        );
    }
    let pid = std::process::id();
    tokio::spawn(
        ReportWriters {
            store: store.clone(),
            reporter: reporter.clone(),
            config: config.clone(),
            worker_id: format!("{prefix}{pid}-reports"),
            wake: report_wake.clone(),
            cancel: cancel.child_token(),
        }
        .run(),
    );
    tokio::spawn(
        Dispatcher {
            store: store.clone(),
            config: config.clone(),
            policy: policy.clone(),
            worker_id: format!("{prefix}{pid}-webhooks"),
            cancel: cancel.child_token(),
        }
        .run(),
    );
    Ok(policy)
}

/// What `serve` runs: the API and, when `workers > 0`, workers in the same process. Dropping it
/// stops the server and the workers; [`Service::stop`] also waits for them.
pub struct Service {
    pub addr: SocketAddr,
    cancel: CancellationToken,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    workers: Option<WorkerPool>,
    _instance: Option<Instance>,
}

impl Service {
    pub async fn start(mut config: Config, listener: TcpListener, workers: usize) -> Result<Self> {
        let addr = listener.local_addr()?;
        // What the listener got, not what was asked for (`:0`), decides which names it serves.
        config.listen = addr.to_string();
        let config = Arc::new(config);
        let store = open_store(&config).await?;
        refuse_open_network(&config, addr, store.as_ref()).await?;
        let instance = Instance::acquire(&config.data_dir)?;
        let uploads = open_uploads(&config, &instance).await?;
        let wake = Arc::new(Notify::new());
        let report_wake = Arc::new(Notify::new());
        let cancel = CancellationToken::new();
        store.listen(wake.clone(), report_wake.clone(), cancel.child_token());
        // Only a process that analyses videos loads ONNX Runtime and the models.
        let (pool, catalogue, provider) = if workers > 0 {
            let engine = load_engine(&config, workers).await?;
            let w = Workers {
                store: store.clone(),
                engine: engine.clone(),
                config: config.clone(),
                uploads: uploads.clone(),
                wake: wake.clone(),
                cancel: cancel.child_token(),
            };
            let p = start_workers(w, workers, &instance).await?;
            (Some(p), Catalogue::of(&engine), Some(engine.provider))
        } else {
            (None, Catalogue::read(&config)?, None)
        };
        tokio::spawn(housekeeping(
            store.clone(),
            uploads.clone(),
            config.clone(),
            wake.clone(),
            cancel.child_token(),
        ));
        let reporter = Arc::new(Reporter::new(&config.report)?);
        tracing::info!(
            provider = reporter.default_provider().as_str(),
            "narrative reports"
        );
        let webhooks =
            start_background(&store, &config, &reporter, &report_wake, &cancel, &instance).await?;
        let app = router(AppState {
            store,
            catalogue: Arc::new(catalogue),
            provider,
            probes: Arc::new(Semaphore::new(config.probe_slots())),
            keys: KeysInUse::new(config.auth.require_keys),
            rates: Arc::new(RateLimits::new(&config.rate_limits)),
            streams: Arc::new(Semaphore::new(config.limits.max_event_streams)),
            shutdown: cancel.child_token(),
            config,
            uploads,
            wake,
            reporter,
            report_wake,
            webhooks,
        });
        let stop = cancel.child_token();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await
        });
        tracing::info!(%addr, workers, "emoscope listening");
        Ok(Self {
            addr,
            cancel,
            server: Some(server),
            workers: pool,
            _instance: Some(instance),
        })
    }

    /// Stops taking requests, lets the workers put their jobs back, and waits for them.
    pub async fn stop(mut self) -> Result<()> {
        self.cancel.cancel();
        if let Some(server) = self.server.take() {
            // Open connections (an event stream, a stalled upload) get a moment to finish.
            match tokio::time::timeout(Duration::from_secs(10), server).await {
                Ok(r) => r??,
                Err(_) => tracing::warn!("connections still open after 10 s; closing them"),
            }
        }
        if let Some(pool) = self.workers.take() {
            pool.stop().await;
        }
        Ok(())
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.cancel.cancel();
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
    let config = Arc::new(config);
    let store = open_store(&config).await?;
    let instance = Instance::acquire(&config.data_dir)?;
    let uploads = open_uploads(&config, &instance).await?;
    let engine = load_engine(&config, count).await?;
    let wake = Arc::new(Notify::new());
    let report_wake = Arc::new(Notify::new());
    let cancel = CancellationToken::new();
    store.listen(wake.clone(), report_wake.clone(), cancel.child_token());
    let w = Workers {
        store: store.clone(),
        engine,
        config: config.clone(),
        uploads: uploads.clone(),
        wake: wake.clone(),
        cancel: cancel.child_token(),
    };
    let pool = start_workers(w, count, &instance).await?;
    let reporter = Arc::new(Reporter::new(&config.report)?);
    start_background(&store, &config, &reporter, &report_wake, &cancel, &instance).await?;
    tokio::spawn(housekeeping(
        store,
        uploads,
        config,
        wake,
        cancel.child_token(),
    ));
    signal.await;
    tracing::info!("shutting down workers");
    cancel.cancel();
    pool.stop().await;
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
