//! The AWS Step Functions API over HTTP: the JSON 1.0 protocol as AWS speaks it.
//!
//! Every request is a `POST` with `X-Amz-Target: AWSStepFunctions.<Operation>` and a JSON body;
//! the answer is `application/x-amz-json-1.0`, and errors are `{"__type", "message"}` with AWS's
//! HTTP status. Requests are routed by `X-Amz-Target` alone, never by `Host`, so the `sync-` host
//! prefix SDKs put in front of StartSyncExecution and TestState reaches the same server.
//! The operations themselves ([`crate::ops`]) are synchronous (the store is), so each request
//! runs on tokio's blocking pool.

use crate::Server;
use crate::ops;
use crate::sigv4;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The namespace AWS puts in front of Step Functions' error names in `__type`.
const ERROR_NAMESPACE: &str = "com.amazonaws.swf.service.v2.model";

/// The JSON 1.0 content type.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// An error in AWS's shape: the modelled exception's name and its message.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The exception's name (`ExecutionDoesNotExist`, `ValidationException`...).
    pub code: &'static str,
    /// The message, in AWS's words where they are known.
    pub message: String,
}

impl ApiError {
    /// An error of `code` with `message`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// The HTTP status AWS answers this error with.
    pub fn status(&self) -> StatusCode {
        match self.code {
            "ConflictException" => StatusCode::CONFLICT,
            "ResourceNotFound" => StatusCode::NOT_FOUND,
            "ServiceQuotaExceededException" => StatusCode::PAYMENT_REQUIRED,
            "InternalFailure" => StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceUnavailable" => StatusCode::SERVICE_UNAVAILABLE,
            // AWS's JSON services answer authentication failures with 400 too.
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The body AWS sends.
    pub fn body(&self) -> Value {
        json!({"__type": format!("{ERROR_NAMESPACE}#{}", self.code), "message": self.message})
    }
}

/// A result of an operation.
pub type ApiResult = Result<Value, ApiError>;

static REQUESTS: AtomicU64 = AtomicU64::new(0);

fn respond(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    // A request id of the shape AWS sends (a UUID); clients log it.
    let n = REQUESTS.fetch_add(1, Ordering::Relaxed);
    let pid = u64::from(std::process::id());
    let id = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        pid & 0xffff_ffff,
        (n >> 48) & 0xffff,
        (n >> 36) & 0xfff,
        (n >> 24) & 0xfff,
        n & 0xffff_ffff_ffff
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert("x-amzn-requestid", v);
    }
    response
}

/// Checks the request's SigV4 signature: against the configured keys, or (with none
/// configured) only that it is well formed.
fn authenticate(
    server: &Server,
    method: &str,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let req = sigv4::Request {
        method,
        path: uri.path(),
        query: uri.query().unwrap_or(""),
        headers: &pairs,
        body,
    };
    let credentials = &server.config().credentials;
    let result = if credentials.is_empty() {
        match sigv4::parse(&req) {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(sigv4::AuthError {
                code: "MissingAuthenticationTokenException",
                message: "Missing Authentication Token".into(),
            }),
            Err(e) => Err(e),
        }
    } else {
        let lookup = |key: &str| credentials.get(key).cloned();
        sigv4::Verifier {
            secret: &lookup,
            now_millis: (server.clock())(),
            max_skew_seconds: 15 * 60,
            normalize: true,
            service: Some("states"),
            must_sign: &["x-amz-target"],
        }
        .verify(&req)
        .map(|_| ())
    };
    result.map_err(|e| ApiError::new(e.code, e.message))
}

/// Handles one request: `POST /` with `X-Amz-Target`.
pub async fn handle(
    State(server): State<Arc<Server>>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // The signature check (it hashes the body) and the request's JSON are work for this
    // thread; the operation goes to tokio's blocking pool (the store is synchronous), except a
    // StartSyncExecution that can run without the store: the trip there and back costs more
    // than such an execution. GetActivityTask's long poll waits here instead.
    let parsed = authenticate(&server, method.as_str(), &uri, &headers, &body)
        .and_then(|()| parse_request(&headers, &body));
    let result = match parsed {
        Err(e) => Err(e),
        Ok((operation, input)) if operation == "GetActivityTask" => {
            activity_long_poll(server, input).await
        }
        Ok((operation, input)) if operation == "StartSyncExecution" => {
            start_sync(server, input).await
        }
        Ok((operation, input)) if operation == "StartExecution" => {
            start_execution(server, input).await
        }
        Ok((operation, input)) => {
            let server = Arc::clone(&server);
            blocking(move || ops::dispatch(&server, &operation, &input)).await
        }
    };
    match result {
        Ok(v) => respond(StatusCode::OK, &v),
        Err(e) => respond(e.status(), &e.body()),
    }
}

/// StartSyncExecution: on this thread when the state machine is cached and the execution ends
/// in its first step (the usual case for an Express workflow of Pass, Choice and JSONata
/// states); what has to wait (a task, a timer, a record to store) waits on the blocking pool.
async fn start_sync(server: Arc<Server>, input: Value) -> ApiResult {
    match ops::start_sync_inline(&server, &input)? {
        Some(ops::InlineSync::Done(answer, record)) => {
            if let Some((arn, record)) = record.map(|r| *r) {
                // Best-effort, as AWS's log delivery is; kept before the answer goes out.
                blocking(move || {
                    let _ = server.store().finish_express(&[(arn, Some(record))]);
                    Ok(())
                })
                .await?;
            }
            Ok(answer)
        }
        Some(ops::InlineSync::Waiting(wait, machine_arn, name)) => {
            blocking(move || ops::InlineSync::wait(wait, &machine_arn, &name)).await
        }
        None => blocking(move || ops::dispatch(&server, "StartSyncExecution", &input)).await,
    }
}

/// StartExecution: a Standard execution of a cached state machine runs its first step here and
/// waits (without a thread) for the starter thread to store it; any other goes the usual way.
async fn start_execution(server: Arc<Server>, input: Value) -> ApiResult {
    match ops::start_execution_inline(&server, &input)? {
        Some(stored) => stored.await.unwrap_or_else(|_| {
            Err(ApiError::new(
                "ServiceUnavailable",
                "Baton is stopping: the execution may not have been started.",
            ))
        }),
        None => blocking(move || ops::dispatch(&server, "StartExecution", &input)).await,
    }
}

/// Runs synchronous work (the store) on tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|_| {
        Err(ApiError::new(
            "InternalFailure",
            "The request processing has failed because of an unknown error.",
        ))
    })
}

/// GetActivityTask: takes a task if there is one, else waits until a task is added (on this
/// server, or on another sharing the database: the store tells us) and tries again, until the
/// poll's time is up. It also tries every second, in case a wakeup was missed. It waits on the
/// async runtime, not on a thread; a client that hangs up drops the request and so the wait.
async fn activity_long_poll(server: Arc<Server>, input: Value) -> ApiResult {
    let poll = {
        let server = Arc::clone(&server);
        let input = input.clone();
        blocking(move || ops::activity_poll(&server, &input)).await?
    };
    let deadline = tokio::time::Instant::now() + poll.wait;
    loop {
        // Created before the attempt, so that a task added while it runs still wakes us.
        let added = Arc::clone(server.tasks_added());
        let notified = added.notified();
        let attempt = {
            let (server, poll) = (Arc::clone(&server), poll.clone());
            blocking(move || ops::take_activity_task(&server, &poll)).await?
        };
        if let Some(task) = attempt {
            return Ok(task);
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Ok(json!({}));
        }
        let wait = (deadline - now).min(std::time::Duration::from_secs(1));
        let _ = tokio::time::timeout(wait, notified).await;
    }
}

/// The operation named by `X-Amz-Target` and the request's JSON object.
fn parse_request(headers: &HeaderMap, body: &[u8]) -> Result<(String, Value), ApiError> {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::new(
                "UnknownOperationException",
                "Missing the X-Amz-Target header: it names the operation (AWSStepFunctions.<Operation>)",
            )
        })?;
    let operation = target
        .strip_prefix("AWSStepFunctions.")
        .filter(|op| !op.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                "UnknownOperationException",
                format!("Unknown operation '{target}'"),
            )
        })?;
    let input: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::new(
                "SerializationException",
                format!("The request body is not valid JSON: {e}"),
            )
        })?
    };
    if !input.is_object() {
        return Err(ApiError::new(
            "SerializationException",
            "The request body must be a JSON object",
        ));
    }
    Ok((operation.to_string(), input))
}

/// The API's routes: every operation is `POST /`.
pub fn router(server: Arc<Server>) -> axum::Router {
    axum::Router::new()
        .route("/", axum::routing::post(handle))
        .with_state(server)
}

/// Serves the API on `addr` from a thread of its own (its own tokio runtime) for as long as the
/// process lives: for tests, benchmarks and embedding. The address actually bound (port 0 picks
/// a free one).
pub fn serve_in_background(server: Arc<Server>, addr: SocketAddr) -> std::io::Result<SocketAddr> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let listener = rt.block_on(tokio::net::TcpListener::bind(addr))?;
    let bound = listener.local_addr()?;
    std::thread::spawn(move || rt.block_on(serve(server, listener, std::future::pending())));
    Ok(bound)
}

/// Serves the API on `listener` until `shutdown` completes, then lets requests in flight end.
pub async fn serve(
    server: Arc<Server>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(server))
        .with_graceful_shutdown(shutdown)
        .await
}
