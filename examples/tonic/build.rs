//! Compiles proto/checkout.proto for the tonic example with the protoc that
//! `protoc-bin-vendored` ships (no system protoc needed). Set `PROTOC` to use
//! another one.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("PROTOC").is_none() {
        std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?);
    }
    println!("cargo:rerun-if-changed=proto/checkout.proto");
    println!("cargo:rerun-if-env-changed=PROTOC");
    tonic_prost_build::configure().compile_protos(&["proto/checkout.proto"], &["proto"])?;
    Ok(())
}
