//! A blocking client for `streamtuned`'s `Recommend`: tonic over its own
//! single-threaded Tokio runtime, so the agent thread stays synchronous.
//! Retries transient failures (UNAVAILABLE, DEADLINE_EXCEEDED, …) with
//! backoff; a retried snapshot keeps its id, which the server deduplicates.

use std::time::Duration;

use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request};

use crate::proto::v1::stream_tune_client::StreamTuneClient;
use crate::proto::v1::{Recommendation, Snapshot, SnapshotRequest};

const TENANT_HEADER: &str = "x-streamtune-tenant";

pub struct ServiceClient {
    runtime: tokio::runtime::Runtime,
    client: StreamTuneClient<Channel>,
    tenant: String,
    attempts: u32,
}

fn transient(code: Code) -> bool {
    matches!(
        code,
        Code::Unavailable | Code::DeadlineExceeded | Code::ResourceExhausted | Code::Aborted
    )
}

impl ServiceClient {
    /// A client of the server at `target` ("host:port"); connects lazily.
    /// Each call may take up to `timeout`.
    pub fn new(target: &str, tenant: &str, timeout: Duration) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("tokio runtime: {e}"))?;
        let uri = if target.contains("://") {
            target.to_string()
        } else {
            format!("http://{target}")
        };
        let endpoint = Endpoint::from_shared(uri.clone())
            .map_err(|e| format!("bad server address {target}: {e}"))?
            .connect_timeout(timeout)
            .timeout(timeout);
        let channel = {
            let _guard = runtime.enter();
            endpoint.connect_lazy()
        };
        Ok(ServiceClient {
            runtime,
            client: StreamTuneClient::new(channel),
            tenant: tenant.to_string(),
            attempts: 4,
        })
    }

    /// Asks for a recommendation (`policy` empty: the server's default).
    pub fn recommend(
        &mut self,
        snapshot: &Snapshot,
        policy: &str,
    ) -> Result<Recommendation, String> {
        let mut backoff = Duration::from_millis(200);
        let mut last_error = String::new();
        for attempt in 1..=self.attempts {
            let mut request = Request::new(SnapshotRequest {
                snapshot: Some(snapshot.clone()),
                policy: policy.to_string(),
            });
            request.metadata_mut().insert(
                TENANT_HEADER,
                self.tenant
                    .parse()
                    .map_err(|_| format!("tenant {:?} is not a valid header value", self.tenant))?,
            );
            let client = &mut self.client;
            match self.runtime.block_on(client.recommend(request)) {
                Ok(response) => return Ok(response.into_inner()),
                Err(status) if transient(status.code()) && attempt < self.attempts => {
                    last_error = format!("{:?}: {}", status.code(), status.message());
                    std::thread::sleep(backoff);
                    backoff *= 2;
                }
                Err(status) => {
                    return Err(format!(
                        "Recommend failed: {:?}: {}",
                        status.code(),
                        status.message()
                    ))
                }
            }
        }
        Err(format!(
            "Recommend failed after {} attempts: {last_error}",
            self.attempts
        ))
    }
}
