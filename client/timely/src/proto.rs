//! The StreamTune v1 API, generated from the repository's `proto/` by build.rs.
#![allow(clippy::all, missing_docs)]

/// Package `streamtune.v1`: snapshots, recommendations and the client stub.
pub mod v1 {
    tonic::include_proto!("streamtune.v1");
}
