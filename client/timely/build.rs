//! Generates the gRPC client and messages from the repository's `proto/`
//! (the same files the C++ server is built from). Needs `protoc` on PATH
//! (Debian's protobuf-compiler, installed by deploy/install-deps.sh).
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let files = ["service.proto", "snapshot.proto", "recommendation.proto"]
        .map(|name| proto_root.join("streamtune/v1").join(name));
    tonic_prost_build::configure()
        .build_server(false)
        .compile_protos(&files, std::slice::from_ref(&proto_root))?;
    Ok(())
}
