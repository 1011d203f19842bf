//! What the server grants one client: connections, time, memory, login attempts.
//!
//! Every bound against a hostile or broken client is a field here, with its default and why;
//! [`crate::serve`] (connections, header and idle timeouts), [`crate::budget`] (request bodies)
//! and [`crate::login`] (logins) read them. Limits on report *content* are `wats-report`'s
//! validator (string lengths, report-formats §1.15) and [`crate::content`] (unknown keys,
//! attachments); on OData filters, [`crate::odata`]. `docs/server.md` lists them all.

use std::time::Duration;

/// The server's limits; [`Limits::default`] is what `wats-server serve` runs with.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Open connections at most. When full, a new connection takes the place of the
    /// connections idle the longest (no request in progress; 1/64 of the cap closed at a
    /// time), so idle or half-open sockets
    /// cannot lock clients out; when every connection is busy the new one is answered `503`
    /// and closed at once. Clamped at start to the process's file limit less a reserve for
    /// the database and logs. A connection buffers at most ~128 KiB while its request head
    /// (64 KiB at most) arrives: 4096 of them hold at most 512 MiB.
    pub max_connections: usize,
    /// Time to receive a complete request head (request line and headers), counted from when
    /// the connection waits for one: it is also how long an idle keep-alive connection stays
    /// open. Past it the connection is closed.
    pub header_timeout: Duration,
    /// Time a request body may go without a byte arriving before it is answered `408`.
    pub body_idle_timeout: Duration,
    /// Time a whole request body may take, however steadily it arrives, before `408`.
    pub body_timeout: Duration,
    /// Bytes of request bodies over [`SMALL_BODY_BYTES`] held at once, across requests. A
    /// request waits for its share (its `Content-Length`) before its body is read and keeps it
    /// until it is answered: the report it carries costs about 13 times its size in memory
    /// while it is parsed and stored, so this is what bounds memory, not the body itself.
    pub body_budget_bytes: usize,
    /// Argon2 password verifications at once (each takes 8 MiB and a core for ~12 ms); the
    /// others wait their turn. Default: half the cores, 1 to 4.
    pub argon2_concurrency: usize,
    /// Failed logins (wrong password or unknown user) allowed per user name per
    /// [`Limits::login_window`]; more are answered `429` with `Retry-After`.
    pub login_failures_per_user: u32,
    /// Failed logins allowed per client address per [`Limits::login_window`]. Behind a
    /// reverse proxy every client has the proxy's address: raise it there.
    pub login_failures_per_address: u32,
    /// The window failed logins are counted in.
    pub login_window: Duration,
}

/// Bodies up to this size share a separate budget ([`SMALL_BODY_BUDGET_BYTES`]), so a small
/// request never queues behind a giant report waiting for the large budget.
pub const SMALL_BODY_BYTES: usize = 1024 * 1024;

/// The budget of small bodies (64 of the largest at once; a typical report is 10–100 KB).
pub const SMALL_BODY_BUDGET_BYTES: usize = 64 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            header_timeout: Duration::from_secs(30),
            body_idle_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(300),
            body_budget_bytes: crate::DEFAULT_MAX_BODY_BYTES,
            // Half the cores: an attack on passwords must leave cores to serve requests (with
            // all of them hashing, a verified token waited a second on 2 cores).
            argon2_concurrency: std::thread::available_parallelism()
                .map_or(1, |n| n.get() / 2)
                .clamp(1, 4),
            login_failures_per_user: 10,
            login_failures_per_address: 30,
            login_window: Duration::from_secs(60),
        }
    }
}

/// File descriptors kept free for the database, logs and the listener when capping
/// connections.
const FD_RESERVE: u64 = 64;

/// The process's soft limit on open files, when it can be read.
pub fn open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the struct it is given and nothing else.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 {
            // `rlim_t` is u64 on Linux and macOS, not on every Unix.
            #[allow(clippy::unnecessary_cast)]
            return Some(lim.rlim_cur as u64);
        }
    }
    None
}

/// Raises the soft limit on open files to the hard limit (what a server binary wants; the
/// default soft limit of 1024 caps it at about a thousand clients). Returns the new limit.
pub fn raise_open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit read and write only the struct they are given.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
                lim.rlim_cur = lim.rlim_max;
                libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            }
        }
    }
    open_file_limit()
}

impl Limits {
    /// `max_connections`, lowered when the file limit would not let that many be open (each
    /// connection is one file descriptor).
    pub fn effective_max_connections(&self) -> usize {
        match open_file_limit() {
            Some(fds) => {
                let room = fds.saturating_sub(FD_RESERVE).max(1);
                self.max_connections
                    .min(usize::try_from(room).unwrap_or(usize::MAX))
            }
            None => self.max_connections,
        }
    }
}
