//! The HTTP shell: a [`Clock`] maps real time to simulated time, and an axum [`Router`] answers
//! every request from the [`World`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::SimConfig;
use crate::world::{SimResponse, World};
use crate::{SimError, truth};

/// The clock seam: the current simulated second.
pub trait Clock: Send + Sync {
    /// Simulated seconds since the start of the simulation.
    fn now(&self) -> u64;

    /// Simulated seconds per real second (0 for a clock that moves only when told).
    fn speed(&self) -> f64 {
        0.0
    }

    /// The current simulated time with its fraction (for clients that keep a clock in step).
    fn now_f64(&self) -> f64 {
        self.now() as f64
    }
}

/// Real time, accelerated: `start + elapsed × speed`.
#[derive(Debug, Clone)]
pub struct RealClock {
    origin: Instant,
    start_s: u64,
    speed: f64,
}

impl RealClock {
    /// A clock at simulated second `start_s` now, running `speed` times faster than real time
    /// (a non-finite or negative speed counts as 1).
    pub fn new(start_s: u64, speed: f64) -> Self {
        let speed = if speed.is_finite() && speed >= 0.0 {
            speed
        } else {
            1.0
        };
        RealClock {
            origin: Instant::now(),
            start_s,
            speed,
        }
    }
}

impl Clock for RealClock {
    fn now(&self) -> u64 {
        let elapsed = self.origin.elapsed().as_secs_f64() * self.speed;
        self.start_s
            .saturating_add(elapsed.min(u64::MAX as f64 / 2.0) as u64)
    }

    fn speed(&self) -> f64 {
        self.speed
    }

    fn now_f64(&self) -> f64 {
        self.start_s as f64 + self.origin.elapsed().as_secs_f64() * self.speed
    }
}

/// A clock that moves only when told to: for tests.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    /// A clock at simulated second `start_s`.
    pub fn new(start_s: u64) -> Self {
        ManualClock(AtomicU64::new(start_s))
    }

    /// Jump to simulated second `t`.
    pub fn set(&self, t: u64) {
        self.0.store(t, Ordering::SeqCst);
    }

    /// Move forward by `seconds`.
    pub fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Answers already rendered, for a clock that stands still: the same target at the same second
/// always gets the same answer, so a frozen world answers from memory ("instantly"), which is
/// what throughput benchmarks of a client need.
type Rendered = std::sync::Mutex<std::collections::HashMap<(String, u64), SimResponse>>;

#[derive(Clone)]
struct AppState {
    world: Arc<World>,
    clock: Arc<dyn Clock>,
    rendered: Arc<Rendered>,
}

/// Builds the simulator's HTTP routes.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// The router: every platform path (see the crate docs for the mapping) plus
    /// `GET /_sim/items`, `GET /_sim/truth` and `GET /_sim/now`. Any method, any Host.
    pub fn router(world: Arc<World>, clock: Arc<dyn Clock>) -> Router {
        Router::new().fallback(handle).with_state(AppState {
            world,
            clock,
            rendered: Arc::default(),
        })
    }
}

async fn handle(State(app): State<AppState>, uri: OriginalUri, headers: HeaderMap) -> Response {
    let now = app.clock.now();
    let target = uri.0.path_and_query().map_or("/", |pq| pq.as_str());
    let path = uri.0.path();
    let sim = match path {
        "/_sim/items" => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
                .unwrap_or("127.0.0.1");
            let origin = format!("http://{host}");
            let mut body = String::new();
            for line in app.world.items_until(now, &origin) {
                if let Ok(text) = serde_json::to_string(&line) {
                    body.push_str(&text);
                    body.push('\n');
                }
            }
            SimResponse::new(200, "application/x-ndjson", body)
        }
        "/_sim/truth" => SimResponse::new(
            200,
            "application/x-ndjson",
            truth::to_jsonl(app.world.truth_until(now)),
        ),
        "/_sim/now" => SimResponse::json(
            200,
            &serde_json::json!({
                "t": now,
                "unix": app.world.unix(now),
                "unix_precise": app.world.unix(0) as f64 + app.clock.now_f64(),
                "speed": app.clock.speed(),
            }),
        ),
        _ if app.clock.speed() == 0.0 => {
            let key = (target.to_string(), now);
            let hit = app.rendered.lock().ok().and_then(|m| m.get(&key).cloned());
            match hit {
                Some(r) => r,
                None => {
                    let r = app.world.respond(target, now);
                    if let Ok(mut m) = app.rendered.lock() {
                        if m.len() > 1_000_000 {
                            m.clear();
                        }
                        m.insert(key, r.clone());
                    }
                    r
                }
            }
        }
        _ => app.world.respond(target, now),
    };
    tracing::debug!(target, now, status = sim.status, "simulated response");
    into_response(sim)
}

fn into_response(sim: SimResponse) -> Response {
    let mut response = Response::new(Body::from(sim.body));
    *response.status_mut() =
        StatusCode::from_u16(sim.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in sim.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// A running simulator server.
#[derive(Debug)]
pub struct ServerHandle {
    /// The address it listens on.
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl ServerHandle {
    /// Stop accepting, finish in-flight requests, and wait for the server to end.
    pub async fn shutdown(mut self) -> Result<(), SimError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result.map_err(SimError::Serve),
            Err(join) => Err(SimError::Serve(std::io::Error::other(join.to_string()))),
        }
    }
}

/// Serve `world` on `addr` with `clock` (bind `127.0.0.1:0` for a free port).
pub async fn serve_world(
    addr: SocketAddr,
    world: Arc<World>,
    clock: Arc<dyn Clock>,
) -> Result<(SocketAddr, ServerHandle), SimError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    let (tx, rx) = oneshot::channel::<()>();
    let app = Simulator::router(world, clock);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    tracing::info!(%local, "simulator listening");
    Ok((
        local,
        ServerHandle {
            addr: local,
            shutdown: Some(tx),
            task,
        },
    ))
}

/// Build the world for `cfg` and serve it on `addr` on a [`RealClock`] starting at simulated
/// second 0 and running `speed` times faster than real time.
pub async fn serve(
    addr: SocketAddr,
    cfg: SimConfig,
    speed: f64,
) -> Result<(SocketAddr, ServerHandle), SimError> {
    let world = Arc::new(World::new(cfg)?);
    serve_world(addr, world, Arc::new(RealClock::new(0, speed))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks() {
        let manual = ManualClock::new(5);
        manual.advance(10);
        assert_eq!(manual.now(), 15);
        manual.set(3);
        assert_eq!(manual.now(), 3);
        let real = RealClock::new(100, 1_000.0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(real.now() >= 110, "{}", real.now());
        assert_eq!(RealClock::new(7, f64::NAN).speed, 1.0);
    }
}
