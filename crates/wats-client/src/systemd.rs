//! The systemd notification protocol (`sd_notify`), written out: no libsystemd.
//!
//! A unit with `Type=notify` passes the path of a Unix datagram socket in `NOTIFY_SOCKET`;
//! the service sends newline-separated `KEY=VALUE` lines to it:
//!
//! * `READY=1` once it is up (systemd holds `systemctl start` and ordered units until then,
//!   and fails the start after `TimeoutStartSec` without it);
//! * `STATUS=…` free text shown by `systemctl status`;
//! * `WATCHDOG=1` at least every `WatchdogSec` (systemd passes it as `WATCHDOG_USEC`); a
//!   service that stops pinging is killed and, with `Restart=on-failure`, restarted;
//! * `STOPPING=1` when it begins shutting down;
//! * `EXTEND_TIMEOUT_USEC=…` to ask for more time during a long start or stop.
//!
//! A path starting with `/` is a file-system socket; one starting with `@` is in Linux's
//! abstract namespace (the `@` stands for a leading NUL byte). Everything here is a no-op that
//! returns `Ok(false)` when `NOTIFY_SOCKET` is unset (not started by systemd) and on platforms
//! without Unix sockets. A send error is returned, never panicked on; callers usually log it
//! and carry on.
//!
//! The watchdog ping period is half of `WATCHDOG_USEC` ([`watchdog_interval`]), as systemd's
//! documentation recommends; `WATCHDOG_PID`, when set, must be this process's id. Ping from
//! the loop whose progress matters (not from a thread of its own, which would keep a hung
//! station alive).

use std::ffi::OsString;
use std::io;
use std::time::Duration;

/// The notification socket's address, set by systemd for `Type=notify` units.
pub const ENV_NOTIFY_SOCKET: &str = "NOTIFY_SOCKET";
/// The watchdog timeout in microseconds, set by systemd when `WatchdogSec` is on.
pub const ENV_WATCHDOG_USEC: &str = "WATCHDOG_USEC";
/// The process the watchdog applies to.
pub const ENV_WATCHDOG_PID: &str = "WATCHDOG_PID";

/// Sends notifications to one socket (or nowhere).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notifier {
    socket: Option<OsString>,
}

impl Notifier {
    /// The socket named by `NOTIFY_SOCKET`, or none.
    pub fn from_env() -> Self {
        Self {
            socket: std::env::var_os(ENV_NOTIFY_SOCKET).filter(|s| !s.is_empty()),
        }
    }

    /// A given socket address (`/path` or `@abstract`).
    pub fn new(socket: impl Into<OsString>) -> Self {
        let socket = socket.into();
        Self {
            socket: (!socket.is_empty()).then_some(socket),
        }
    }

    /// Sends nothing.
    pub fn disabled() -> Self {
        Self { socket: None }
    }

    /// Is there a socket to notify (are we run by systemd as `Type=notify`)?
    pub fn is_enabled(&self) -> bool {
        self.socket.is_some() && cfg!(unix)
    }

    /// Sends `state` (newline-separated `KEY=VALUE` lines) as one datagram. `Ok(false)` when
    /// disabled.
    pub fn notify(&self, state: &str) -> io::Result<bool> {
        match &self.socket {
            None => Ok(false),
            Some(socket) => send(socket, state.as_bytes()),
        }
    }

    /// `READY=1`: start-up is complete.
    pub fn ready(&self) -> io::Result<bool> {
        self.notify("READY=1")
    }

    /// `READY=1` with a status line, in one message.
    pub fn ready_with_status(&self, status: &str) -> io::Result<bool> {
        self.notify(&format!("READY=1\nSTATUS={}", one_line(status)))
    }

    /// `STATUS=…`: what `systemctl status` shows (newlines become spaces).
    pub fn status(&self, status: &str) -> io::Result<bool> {
        self.notify(&format!("STATUS={}", one_line(status)))
    }

    /// `WATCHDOG=1`: still alive.
    pub fn watchdog(&self) -> io::Result<bool> {
        self.notify("WATCHDOG=1")
    }

    /// `STOPPING=1`: shutting down.
    pub fn stopping(&self) -> io::Result<bool> {
        self.notify("STOPPING=1")
    }

    /// `EXTEND_TIMEOUT_USEC=…`: the current start or stop needs up to `by` more from now.
    pub fn extend_timeout(&self, by: Duration) -> io::Result<bool> {
        self.notify(&format!("EXTEND_TIMEOUT_USEC={}", by.as_micros()))
    }
}

/// [`Notifier::ready`] to `NOTIFY_SOCKET`.
pub fn ready() -> io::Result<bool> {
    Notifier::from_env().ready()
}

/// [`Notifier::status`] to `NOTIFY_SOCKET`.
pub fn status(status: &str) -> io::Result<bool> {
    Notifier::from_env().status(status)
}

/// [`Notifier::watchdog`] to `NOTIFY_SOCKET`.
pub fn watchdog() -> io::Result<bool> {
    Notifier::from_env().watchdog()
}

/// [`Notifier::stopping`] to `NOTIFY_SOCKET`.
pub fn stopping() -> io::Result<bool> {
    Notifier::from_env().stopping()
}

/// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, or `None` when the watchdog is
/// off or meant for another process (`WATCHDOG_PID`).
pub fn watchdog_interval() -> Option<Duration> {
    let usec = std::env::var(ENV_WATCHDOG_USEC).ok();
    let pid = std::env::var(ENV_WATCHDOG_PID).ok();
    watchdog_interval_from(usec.as_deref(), pid.as_deref(), std::process::id())
}

/// [`watchdog_interval`] from given values (`WATCHDOG_USEC`, `WATCHDOG_PID`, our pid).
pub fn watchdog_interval_from(
    usec: Option<&str>,
    pid: Option<&str>,
    own_pid: u32,
) -> Option<Duration> {
    let usec: u64 = usec?.trim().parse().ok().filter(|&u| u > 0)?;
    if let Some(pid) = pid.map(str::trim).filter(|p| !p.is_empty()) {
        if pid.parse::<u32>().ok()? != own_pid {
            return None;
        }
    }
    Some(Duration::from_micros(usec / 2).max(Duration::from_millis(1)))
}

fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

#[cfg(unix)]
fn send(socket: &std::ffi::OsStr, message: &[u8]) -> io::Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::UnixDatagram;

    let bytes = socket.as_bytes();
    let datagram = UnixDatagram::unbound()?;
    let sent = match bytes.first() {
        Some(b'/') => datagram.send_to(message, socket)?,
        Some(b'@') => send_abstract(&datagram, &bytes[1..], message)?,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{ENV_NOTIFY_SOCKET}={socket:?}: expected an absolute path or @abstract-name"
                ),
            ))
        }
    };
    if sent != message.len() {
        return Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "the notification was cut short",
        ));
    }
    Ok(true)
}

#[cfg(target_os = "linux")]
fn send_abstract(
    datagram: &std::os::unix::net::UnixDatagram,
    name: &[u8],
    message: &[u8],
) -> io::Result<usize> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
    datagram.send_to_addr(message, &addr)
}

#[cfg(all(unix, not(target_os = "linux")))]
fn send_abstract(
    _datagram: &std::os::unix::net::UnixDatagram,
    _name: &[u8],
    _message: &[u8],
) -> io::Result<usize> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "abstract socket addresses exist only on Linux",
    ))
}

#[cfg(not(unix))]
fn send(_socket: &std::ffi::OsStr, _message: &[u8]) -> io::Result<bool> {
    Ok(false)
}
