//! The client's HTTP transport (reqwest with rustls and the ring provider): an `https://` log
//! goes through a real TLS handshake — here against the plain-HTTP log, so it fails cleanly
//! with the reason, instead of panicking for want of a crypto provider.

use crate::common;

use common::*;
use mrv_app::{ErrorCode, Mrv, DEMO_PASSWORD};

#[test]
fn an_https_log_is_reached_through_rustls_and_a_failed_handshake_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("log")).unwrap();
    let log = LogDir::new(&dir.path().join("log"));
    let server = log.start();
    let mut mrv = Mrv::init(&dir.path().join("ws"), false).unwrap();
    mrv.add_user(
        None,
        &mrv_app::NewUser {
            name: "oscar".into(),
            roles: vec!["tenant_admin".into(), "ops_admin".into()],
            password: DEMO_PASSWORD.into(),
        },
    )
    .unwrap();
    let oscar = mrv.sign_in("oscar", DEMO_PASSWORD).unwrap();
    let https = server.url.replacen("http://", "https://", 1);
    let err = mrv
        .connect_auditlog(&oscar, &https, &log.vkey, &log.token)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Io, "{err}");
    assert!(err.to_string().contains("did not answer"), "{err}");
    // The same log over plain HTTP connects.
    let health = mrv
        .connect_auditlog(&oscar, &server.url, &log.vkey, &log.token)
        .unwrap();
    assert_eq!(health.latest.unwrap().size, 0);
}
