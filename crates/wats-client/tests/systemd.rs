//! sd_notify against real Unix datagram sockets: a file-system one, an abstract one, and one
//! named by `NOTIFY_SOCKET`.
#![cfg(unix)]

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use wats_client::systemd;

use systemd::Notifier;

fn receive(socket: &UnixDatagram) -> String {
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).unwrap();
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

#[test]
fn notifications_reach_a_path_socket() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    let notifier = Notifier::new(path.as_os_str());
    assert!(notifier.is_enabled());

    assert!(notifier.ready().unwrap());
    assert_eq!(receive(&socket), "READY=1");
    assert!(notifier.status("3 pending\n0 parked").unwrap());
    assert_eq!(receive(&socket), "STATUS=3 pending 0 parked");
    assert!(notifier.watchdog().unwrap());
    assert_eq!(receive(&socket), "WATCHDOG=1");
    assert!(notifier.stopping().unwrap());
    assert_eq!(receive(&socket), "STOPPING=1");
    assert!(notifier.ready_with_status("online").unwrap());
    assert_eq!(receive(&socket), "READY=1\nSTATUS=online");
    assert!(notifier.extend_timeout(Duration::from_secs(30)).unwrap());
    assert_eq!(receive(&socket), "EXTEND_TIMEOUT_USEC=30000000");
}

#[cfg(target_os = "linux")]
#[test]
fn notifications_reach_an_abstract_socket() {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::SocketAddr;
    let name = format!(
        "wats-client-test-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    );
    let socket =
        UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap()).unwrap();
    let notifier = Notifier::new(format!("@{name}"));
    assert!(notifier.ready().unwrap());
    assert_eq!(receive(&socket), "READY=1");
    assert!(notifier.watchdog().unwrap());
    assert_eq!(receive(&socket), "WATCHDOG=1");
}

#[test]
fn without_a_socket_nothing_is_sent_and_nothing_fails() {
    let notifier = Notifier::disabled();
    assert!(!notifier.is_enabled());
    assert!(!notifier.ready().unwrap());
    assert!(!notifier.watchdog().unwrap());
    assert!(!Notifier::new("").is_enabled());
    // A socket nobody listens on is an error to report, not a panic.
    let tmp = tempfile::tempdir().unwrap();
    assert!(Notifier::new(tmp.path().join("gone.sock").as_os_str())
        .ready()
        .is_err());
    assert!(Notifier::new("relative.sock").ready().is_err());
}

#[test]
fn watchdog_interval_is_half_the_timeout_for_this_process() {
    use systemd::watchdog_interval_from as interval;
    let me = 4242;
    assert_eq!(
        interval(Some("30000000"), None, me),
        Some(Duration::from_secs(15))
    );
    assert_eq!(
        interval(Some("30000000"), Some("4242"), me),
        Some(Duration::from_secs(15))
    );
    assert_eq!(interval(Some("30000000"), Some("4243"), me), None);
    assert_eq!(interval(Some("30000000"), Some("x"), me), None);
    assert_eq!(interval(Some("0"), None, me), None);
    assert_eq!(interval(Some("soon"), None, me), None);
    assert_eq!(interval(None, Some("4242"), me), None);
}

/// The only test that touches the environment (the variables are this process's).
#[test]
fn the_environment_names_the_socket_and_the_watchdog() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("env.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    std::env::set_var(systemd::ENV_NOTIFY_SOCKET, &path);
    std::env::set_var(systemd::ENV_WATCHDOG_USEC, "20000000");
    std::env::set_var(systemd::ENV_WATCHDOG_PID, std::process::id().to_string());

    assert!(Notifier::from_env().is_enabled());
    assert!(systemd::ready().unwrap());
    assert_eq!(receive(&socket), "READY=1");
    assert!(systemd::status("uploading").unwrap());
    assert_eq!(receive(&socket), "STATUS=uploading");
    assert!(systemd::watchdog().unwrap());
    assert_eq!(receive(&socket), "WATCHDOG=1");
    assert!(systemd::stopping().unwrap());
    assert_eq!(receive(&socket), "STOPPING=1");
    assert_eq!(systemd::watchdog_interval(), Some(Duration::from_secs(10)));

    std::env::remove_var(systemd::ENV_NOTIFY_SOCKET);
    std::env::remove_var(systemd::ENV_WATCHDOG_USEC);
    std::env::remove_var(systemd::ENV_WATCHDOG_PID);
    assert!(!systemd::ready().unwrap());
    assert_eq!(systemd::watchdog_interval(), None);
}
