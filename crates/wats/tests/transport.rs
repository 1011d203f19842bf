//! Transport settings against real sockets: gzip, a proxy, HTTPS with a custom CA file and
//! HTTP/2 negotiated over TLS.

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::Router;
use common::{json, serve, with_headers};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;

#[tokio::test]
async fn gzip_bodies_are_decoded() {
    let server = serve(|seen, _| {
        assert!(seen
            .header("accept-encoding")
            .unwrap_or("")
            .contains("gzip"));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(br#"[{"levelId":1,"levelName":"compressed"}]"#)
            .unwrap();
        let body = gz.finish().unwrap();
        axum::response::Response::builder()
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(axum::body::Body::from(body))
            .unwrap()
    })
    .await;
    let wats = server.client().build().unwrap();
    let levels = wats.app().levels().await.unwrap();
    assert_eq!(levels[0].level_name.as_deref(), Some("compressed"));
}

#[tokio::test]
async fn requests_go_through_the_configured_proxy() {
    // The test server plays the proxy: an http:// target is requested in absolute form.
    let proxy = serve(|_, _| json(200, r#""via proxy""#)).await;
    let wats = wats::Wats::builder()
        .base_url("http://wats.invalid/api")
        .token("dGVzdDp0ZXN0")
        .proxy(proxy.url())
        .no_retry()
        .build()
        .unwrap();
    assert_eq!(wats.app().version().await.unwrap(), "via proxy");
    let seen = proxy.last();
    assert_eq!(seen.path, "/api/App/Version");
    assert_eq!(seen.header("host"), Some("wats.invalid"));
}

#[tokio::test]
async fn a_bad_proxy_url_is_a_config_error() {
    let err = wats::Wats::builder()
        .base_url("https://x")
        .token("t")
        .proxy("not a url")
        .build()
        .unwrap_err();
    assert!(matches!(err, wats::Error::Config(_)), "{err:?}");
}

/// An HTTPS server with a certificate for `localhost` signed by a fresh CA; returns the
/// address, the CA as PEM, and the HTTP versions of the requests it served.
async fn https_server() -> (SocketAddr, String, Arc<Mutex<Vec<axum::http::Version>>>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "wats-rs test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap(),
        )
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

    let versions = Arc::new(Mutex::new(Vec::new()));
    let seen = versions.clone();
    let app = Router::new().fallback(move |req: Request| {
        seen.lock().unwrap().push(req.version());
        async { with_headers(200, &[("content-type", "application/json")], r#""tls""#) }
    });
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let listener = Tls {
        tcp,
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    };
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, ca.pem(), versions)
}

struct Tls {
    tcp: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for Tls {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, SocketAddr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

#[tokio::test]
async fn https_with_a_custom_ca_file_and_http2() {
    let (addr, ca_pem, versions) = https_server().await;
    let url = format!("https://localhost:{}", addr.port());

    // Without the CA the certificate is refused.
    let untrusting = wats::Wats::builder()
        .base_url(&url)
        .token("dGVzdDp0ZXN0")
        .no_proxy()
        .no_retry()
        .build()
        .unwrap();
    let err = untrusting.app().version().await.unwrap_err();
    assert!(matches!(err, wats::Error::Connection(_)), "{err:?}");

    let dir = std::env::temp_dir().join(format!("wats-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let wats = wats::Wats::builder()
        .base_url(&url)
        .token("dGVzdDp0ZXN0")
        .no_proxy()
        .ca_certificate_pem(&ca_file)
        .build()
        .unwrap();
    assert_eq!(wats.app().version().await.unwrap(), "tls");
    assert_eq!(
        versions.lock().unwrap().last(),
        Some(&axum::http::Version::HTTP_2),
        "HTTP/2 negotiated by ALPN"
    );

    // A file without certificates is a configuration error.
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "no certificates here\n").unwrap();
    let err = wats::Wats::builder()
        .base_url(&url)
        .token("t")
        .ca_certificate_pem(&empty)
        .build()
        .unwrap_err();
    assert!(matches!(err, wats::Error::Config(_)), "{err:?}");
    std::fs::remove_dir_all(&dir).ok();
}
