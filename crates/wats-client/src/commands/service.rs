//! `wats-client install-service` / `uninstall-service`: run an instance under the system's
//! service manager.
//!
//! * **Linux (systemd)**: one unit file per instance, `wats-client@NAME.service` (a concrete
//!   file with the instance's name, so each instance has its own `User=` and environment), in
//!   `/etc/systemd/system` or, with `--user`, `$XDG_CONFIG_HOME/systemd/user`. `Type=notify`
//!   (the station says `READY=1` when it is up), `WatchdogSec=30` (it pings every 15 s),
//!   `Restart=on-failure`, `ExecStart=<this binary> --instance NAME start`, and hardening that
//!   leaves the station free to read and write watch folders anywhere but `/usr`, `/boot` and
//!   `/etc`. Then `systemctl daemon-reload` and `systemctl enable --now`.
//! * **macOS (launchd)**: a property list `org.wats-rs.wats-client.NAME.plist` in
//!   `/Library/LaunchDaemons` or, with `--user`, `~/Library/LaunchAgents`; `launchctl load -w`.
//! * Elsewhere: an error that says so.
//!
//! `--dry-run` prints the file and the commands instead. When `systemctl` is missing or
//! systemd is not running, the file is written and the commands are printed for later.
//! `WATS_CLIENT_UNIT_DIR` replaces the folder the file goes to (tests, packaging).
//!
//! The service finds its instance the way this command did: `WATS_CLIENT_CONFIG_DIR` and
//! `WATS_CLIENT_DATA_DIR`, when set here, are written into the unit; otherwise the service
//! uses the home folder of the account it runs as. Other environment overrides (server URL,
//! token) are not carried over: a unit file is readable by every user.

use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::config::{self, Instance};
use anyhow::{bail, Context};

/// Replaces the folder the unit file (or property list) is written to.
pub const ENV_UNIT_DIR: &str = "WATS_CLIENT_UNIT_DIR";
/// `WatchdogSec` of the unit: the station must ping at least this often.
pub const WATCHDOG_SECONDS: u64 = 30;
/// `TimeoutStopSec`: the station's shutdown (finish uploads, close the queue) must fit.
pub const STOP_TIMEOUT_SECONDS: u64 = 90;

/// Arguments of `install-service`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct InstallArgs {
    /// Install a service of your own user (systemd --user, a LaunchAgent) instead of a
    /// system service.
    #[arg(long)]
    pub user: bool,
    /// Print the unit file and the commands instead of writing and running them.
    #[arg(long)]
    pub dry_run: bool,
    /// The account a system service runs as (default: the user who ran sudo, else you).
    #[arg(long, value_name = "USER", conflicts_with = "user")]
    pub run_as: Option<String>,
    /// Write the file and reload, but do not enable or start the service.
    #[arg(long)]
    pub no_start: bool,
}

/// Arguments of `uninstall-service`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct UninstallArgs {
    /// Remove a user service instead of a system service.
    #[arg(long)]
    pub user: bool,
    /// Print what would be stopped and removed instead of doing it.
    #[arg(long)]
    pub dry_run: bool,
}

/// The service manager of this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Systemd,
    Launchd,
}

/// Where the file goes and which program controls the manager (`None`: not available, the
/// commands are printed instead).
#[derive(Debug, Clone)]
pub struct Host {
    pub platform: Platform,
    pub unit_dir: PathBuf,
    pub control: Option<PathBuf>,
}

/// Everything the unit file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    pub instance: String,
    /// The binary `ExecStart` runs.
    pub exe: PathBuf,
    /// A user service (no `User=`, user targets).
    pub user_mode: bool,
    /// The account of a system service.
    pub run_as: Option<String>,
    /// `Environment=` lines (the instance folders when set here).
    pub environment: Vec<(String, String)>,
    /// `PrivateTmp=yes` (off when a folder of the instance is under `/tmp` or `/var/tmp`:
    /// the service would see an empty private one).
    pub private_tmp: bool,
    /// Where launchd writes the service's standard output and error.
    pub log_dir: PathBuf,
}

/// `wats-client@NAME.service`
pub fn unit_name(instance: &str) -> String {
    format!("wats-client@{instance}.service")
}

/// `org.wats-rs.wats-client.NAME`
pub fn launchd_label(instance: &str) -> String {
    format!("org.wats-rs.wats-client.{instance}")
}

/// The file name for `platform`.
pub fn file_name(platform: Platform, instance: &str) -> String {
    match platform {
        Platform::Systemd => unit_name(instance),
        Platform::Launchd => format!("{}.plist", launchd_label(instance)),
    }
}

/// Runs `install-service` for `instance`.
pub fn run_install(instance: &str, args: InstallArgs) -> anyhow::Result<()> {
    let instance = Instance::resolve(instance)?;
    let host = Host::detect(args.user)?;
    let spec = ServiceSpec::for_instance(&instance, &args)?;
    if let Some(note) = configuration_note(&instance, &spec) {
        eprintln!("{note}");
    }
    let mut out = std::io::stdout().lock();
    install(&spec, &host, &args, &mut out)
}

/// Runs `uninstall-service` for `instance`.
pub fn run_uninstall(instance: &str, args: UninstallArgs) -> anyhow::Result<()> {
    config::check_instance_name(instance)?;
    let host = Host::detect(args.user)?;
    let mut out = std::io::stdout().lock();
    uninstall(instance, &host, &args, &mut out)
}

impl Host {
    /// This machine: the platform's folder (or `WATS_CLIENT_UNIT_DIR`) and its control
    /// program when it can be used.
    pub fn detect(user_mode: bool) -> anyhow::Result<Host> {
        let platform = if cfg!(target_os = "linux") {
            Platform::Systemd
        } else if cfg!(target_os = "macos") {
            Platform::Launchd
        } else {
            bail!(
                "install-service is not supported on {} yet: run `wats-client --instance NAME \
                 start` under your service manager (on Windows, e.g. NSSM or `sc.exe create`)",
                std::env::consts::OS
            );
        };
        let home = || {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(PathBuf::from)
                .context("HOME is not set")
        };
        let unit_dir = match std::env::var_os(ENV_UNIT_DIR).filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => match (platform, user_mode) {
                (Platform::Systemd, false) => PathBuf::from("/etc/systemd/system"),
                (Platform::Systemd, true) => std::env::var_os("XDG_CONFIG_HOME")
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from)
                    .map_or_else(|| home().map(|h| h.join(".config")), Ok)?
                    .join("systemd/user"),
                (Platform::Launchd, false) => PathBuf::from("/Library/LaunchDaemons"),
                (Platform::Launchd, true) => home()?.join("Library/LaunchAgents"),
            },
        };
        let control = match platform {
            // `systemctl` without a running systemd (a container, WSL 1), or without a user
            // manager for `--user` (no login session), only fails.
            Platform::Systemd if !systemd_running(user_mode) => None,
            Platform::Systemd => find_program("systemctl"),
            Platform::Launchd => find_program("launchctl"),
        };
        Ok(Host {
            platform,
            unit_dir,
            control,
        })
    }

    fn path(&self, instance: &str) -> PathBuf {
        self.unit_dir.join(file_name(self.platform, instance))
    }

    fn program(&self) -> &'static str {
        match self.platform {
            Platform::Systemd => "systemctl",
            Platform::Launchd => "launchctl",
        }
    }
}

fn systemd_running(user_mode: bool) -> bool {
    let booted = Path::new("/run/systemd/system").is_dir();
    if !user_mode {
        return booted;
    }
    booted
        && std::env::var_os("XDG_RUNTIME_DIR")
            .filter(|d| !d.is_empty())
            .is_some_and(|d| Path::new(&d).join("systemd").is_dir())
}

fn find_program(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

impl ServiceSpec {
    /// The spec for `instance` as this process sees it (binary, account, folders).
    pub fn for_instance(instance: &Instance, args: &InstallArgs) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("cannot find this program's path")?;
        let exe = exe.canonicalize().unwrap_or(exe);
        let mut environment = Vec::new();
        for key in [config::ENV_CONFIG_DIR, config::ENV_DATA_DIR] {
            if let Some(value) = std::env::var_os(key).filter(|v| !v.is_empty()) {
                let path = std::path::absolute(PathBuf::from(&value))
                    .unwrap_or_else(|_| PathBuf::from(value));
                environment.push((key.to_string(), path.display().to_string()));
            }
        }
        let run_as = if args.user {
            None
        } else {
            Some(args.run_as.clone().unwrap_or_else(default_account))
        };
        let mut folders = vec![
            instance.config_dir().to_path_buf(),
            instance.data_dir().to_path_buf(),
        ];
        if let Ok(config) = instance.load_without_token() {
            for c in &config.converters {
                folders.push(PathBuf::from(&c.watch_folder));
                folders.push(c.done_path());
                folders.push(c.error_path());
            }
        }
        let private_tmp = !folders
            .iter()
            .any(|f| f.starts_with("/tmp") || f.starts_with("/var/tmp"));
        Ok(Self {
            instance: instance.name().to_string(),
            exe,
            user_mode: args.user,
            run_as,
            environment,
            private_tmp,
            log_dir: instance.log_dir(),
        })
    }

    fn args(&self) -> [String; 4] {
        [
            self.exe.display().to_string(),
            "--instance".to_string(),
            self.instance.clone(),
            "start".to_string(),
        ]
    }
}

/// The account a system service runs as by default: whoever ran `sudo`, else the current user.
fn default_account() -> String {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    var("SUDO_USER")
        .filter(|u| u != "root")
        .or_else(|| var("USER"))
        .or_else(|| var("LOGNAME"))
        .unwrap_or_else(|| "root".to_string())
}

fn current_account() -> Option<String> {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|v| !v.is_empty())
}

// ---------------------------------------------------------------------------------------------
// The files

/// The systemd unit.
pub fn systemd_unit(spec: &ServiceSpec) -> String {
    let mut u = String::new();
    let name = &spec.instance;
    let exec = spec
        .args()
        .iter()
        .map(|a| systemd_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    let _ = writeln!(
        u,
        "# Written by `wats-client --instance {name} install-service{}`; run it again to update \
         this file,\n# `uninstall-service` to remove it.",
        if spec.user_mode { " --user" } else { "" }
    );
    u.push_str("[Unit]\n");
    let _ = writeln!(u, "Description=WATS station client (instance {name})");
    let _ = writeln!(u, "Documentation={}", env!("CARGO_PKG_REPOSITORY"));
    if !spec.user_mode {
        u.push_str("Wants=network-online.target\nAfter=network-online.target\n");
    }
    u.push_str("StartLimitIntervalSec=600\nStartLimitBurst=10\n\n");

    u.push_str("[Service]\nType=notify\nNotifyAccess=main\n");
    let _ = writeln!(u, "ExecStart={exec}");
    if let Some(user) = spec.run_as.as_deref().filter(|_| !spec.user_mode) {
        let _ = writeln!(u, "User={user}");
    }
    for (key, value) in &spec.environment {
        let _ = writeln!(
            u,
            "Environment={}",
            systemd_quote(&format!("{key}={value}"))
        );
    }
    u.push_str("Restart=on-failure\nRestartSec=5\nTimeoutStartSec=120\n");
    let _ = writeln!(u, "TimeoutStopSec={STOP_TIMEOUT_SECONDS}");
    let _ = writeln!(u, "WatchdogSec={WATCHDOG_SECONDS}");
    u.push_str("UMask=0027\nLimitNOFILE=65536\n");
    u.push_str("# Hardening: the station may read and write anywhere but /usr, /boot and /etc.\n");
    u.push_str("NoNewPrivileges=yes\n");
    if !spec.user_mode {
        if spec.private_tmp {
            u.push_str("PrivateTmp=yes\n");
        } else {
            u.push_str("# PrivateTmp is off: a folder of this instance is under /tmp.\n");
        }
        u.push_str(
            "PrivateDevices=yes\n\
             ProtectSystem=full\n\
             ProtectKernelTunables=yes\n\
             ProtectKernelModules=yes\n\
             ProtectKernelLogs=yes\n\
             ProtectControlGroups=yes\n\
             ProtectClock=yes\n\
             ProtectHostname=yes\n\
             RestrictSUIDSGID=yes\n\
             RestrictRealtime=yes\n\
             RestrictNamespaces=yes\n\
             LockPersonality=yes\n\
             MemoryDenyWriteExecute=yes\n\
             SystemCallArchitectures=native\n\
             SystemCallFilter=@system-service\n\
             SystemCallErrorNumber=EPERM\n\
             RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n",
        );
        if spec.run_as.as_deref() != Some("root") {
            u.push_str("CapabilityBoundingSet=\nAmbientCapabilities=\n");
        }
    }
    u.push_str("\n[Install]\n");
    let _ = writeln!(
        u,
        "WantedBy={}",
        if spec.user_mode {
            "default.target"
        } else {
            "multi-user.target"
        }
    );
    u
}

/// Quotes one word for a unit file: `%` escaped (specifiers), double quotes around anything
/// with spaces, quotes or backslashes. (`$` is left alone: it is literal in the program path
/// and in `Environment=`, and our arguments have none.)
pub fn systemd_quote(word: &str) -> String {
    let escaped = word.replace('%', "%%");
    let plain = !escaped.is_empty()
        && escaped
            .chars()
            .all(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '\\' | ';'));
    if plain {
        escaped
    } else {
        format!("\"{}\"", escaped.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// The launchd property list.
pub fn launchd_plist(spec: &ServiceSpec) -> String {
    let mut p = String::new();
    p.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \
         \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <plist version=\"1.0\">\n<dict>\n",
    );
    let key_string = |p: &mut String, key: &str, value: &str| {
        let _ = writeln!(
            p,
            "  <key>{key}</key>\n  <string>{}</string>",
            xml_escape(value)
        );
    };
    key_string(&mut p, "Label", &launchd_label(&spec.instance));
    p.push_str("  <key>ProgramArguments</key>\n  <array>\n");
    for arg in spec.args() {
        let _ = writeln!(p, "    <string>{}</string>", xml_escape(&arg));
    }
    p.push_str("  </array>\n");
    if let Some(user) = spec.run_as.as_deref().filter(|_| !spec.user_mode) {
        key_string(&mut p, "UserName", user);
    }
    if !spec.environment.is_empty() {
        p.push_str("  <key>EnvironmentVariables</key>\n  <dict>\n");
        for (key, value) in &spec.environment {
            let _ = writeln!(
                p,
                "    <key>{}</key>\n    <string>{}</string>",
                xml_escape(key),
                xml_escape(value)
            );
        }
        p.push_str("  </dict>\n");
    }
    p.push_str(
        "  <key>RunAtLoad</key>\n  <true/>\n\
         \x20 <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n  </dict>\n\
         \x20 <key>ThrottleInterval</key>\n  <integer>10</integer>\n",
    );
    let _ = writeln!(
        p,
        "  <key>ExitTimeOut</key>\n  <integer>{STOP_TIMEOUT_SECONDS}</integer>"
    );
    let log = |name: &str| spec.log_dir.join(name).display().to_string();
    key_string(&mut p, "StandardOutPath", &log("launchd.out.log"));
    key_string(&mut p, "StandardErrorPath", &log("launchd.err.log"));
    p.push_str("</dict>\n</plist>\n");
    p
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// ---------------------------------------------------------------------------------------------
// Install and uninstall

fn control_commands(host: &Host, user_mode: bool, steps: &[Vec<&str>]) -> Vec<Vec<String>> {
    steps
        .iter()
        .map(|step| {
            let mut cmd = vec![host.program().to_string()];
            if user_mode && host.platform == Platform::Systemd {
                cmd.push("--user".to_string());
            }
            cmd.extend(step.iter().map(|s| s.to_string()));
            cmd
        })
        .collect()
}

fn run_commands(
    host: &Host,
    commands: &[Vec<String>],
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let Some(program) = &host.control else {
        writeln!(
            out,
            "{} is not available here (or the service manager is not running); to finish, run:",
            host.program()
        )?;
        for cmd in commands {
            writeln!(out, "  {}", cmd.join(" "))?;
        }
        return Ok(false);
    };
    for cmd in commands {
        writeln!(out, "running: {}", cmd.join(" "))?;
        out.flush()?;
        let status = Command::new(program)
            .args(&cmd[1..])
            .status()
            .with_context(|| format!("cannot run {}", program.display()))?;
        if !status.success() {
            bail!("`{}` failed ({status})", cmd.join(" "));
        }
    }
    Ok(true)
}

/// Writes (or, with `--dry-run`, prints) the service file and enables the service.
pub fn install(
    spec: &ServiceSpec,
    host: &Host,
    args: &InstallArgs,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let path = host.path(&spec.instance);
    let text = match host.platform {
        Platform::Systemd => systemd_unit(spec),
        Platform::Launchd => launchd_plist(spec),
    };
    let name = file_name(host.platform, &spec.instance);
    let path_text = path.display().to_string();
    let steps: Vec<Vec<&str>> = match (host.platform, args.no_start) {
        (Platform::Systemd, false) => vec![vec!["daemon-reload"], vec!["enable", "--now", &name]],
        (Platform::Systemd, true) => vec![vec!["daemon-reload"]],
        (Platform::Launchd, false) => vec![vec!["load", "-w", &path_text]],
        (Platform::Launchd, true) => vec![],
    };
    let commands = control_commands(host, spec.user_mode, &steps);

    if args.dry_run {
        out.write_all(text.as_bytes())?;
        writeln!(out, "# would write {}", path.display())?;
        for cmd in &commands {
            writeln!(out, "# would run: {}", cmd.join(" "))?;
        }
        return Ok(());
    }

    if is_build_output(&spec.exe) {
        writeln!(
            out,
            "warning: the service will run {}, a build output; install the binary somewhere \
             stable (e.g. /usr/local/bin) and run install-service from there",
            spec.exe.display()
        )?;
    }
    if spec.run_as.as_deref() == Some("root") {
        writeln!(
            out,
            "warning: the service will run as root; use --run-as USER for an unprivileged account"
        )?;
    }

    fs::create_dir_all(&host.unit_dir)
        .with_context(|| format!("cannot create {}", host.unit_dir.display()))
        .map_err(|e| with_permission_hint(e, spec.user_mode))?;
    match fs::read_to_string(&path) {
        Ok(old) if old == text => writeln!(out, "{} is up to date", path.display())?,
        old => {
            write_file(&path, &text)
                .with_context(|| format!("cannot write {}", path.display()))
                .map_err(|e| with_permission_hint(e, spec.user_mode))?;
            let verb = if old.is_ok() { "updated" } else { "wrote" };
            writeln!(out, "{verb} {}", path.display())?;
        }
    }
    if host.platform == Platform::Launchd && !args.no_start {
        // launchd does not create the folder of StandardOutPath.
        let _ = fs::create_dir_all(&spec.log_dir);
    }
    let ran = run_commands(host, &commands, out)?;
    if ran && !args.no_start {
        match host.platform {
            Platform::Systemd => writeln!(
                out,
                "started; see `systemctl{} status {name}` and `journalctl{} -u {name}`",
                if spec.user_mode { " --user" } else { "" },
                if spec.user_mode { " --user" } else { "" },
            )?,
            Platform::Launchd => writeln!(out, "loaded {}", launchd_label(&spec.instance))?,
        }
    }
    if spec.user_mode && host.platform == Platform::Systemd {
        writeln!(
            out,
            "note: a user service stops when you log out unless lingering is on \
             (`loginctl enable-linger`)"
        )?;
    }
    Ok(())
}

/// Is `exe` in a cargo target folder (`…/target*/debug/…`, `…/release/…`)?
fn is_build_output(exe: &Path) -> bool {
    let parts: Vec<String> = exe
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts
        .windows(2)
        .any(|w| w[0].starts_with("target") && matches!(w[1].as_str(), "debug" | "release"))
}

/// Stops, disables and removes the service file (or, with `--dry-run`, prints what would be
/// done). The instance's configuration and queue are kept.
pub fn uninstall(
    instance: &str,
    host: &Host,
    args: &UninstallArgs,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let path = host.path(instance);
    let name = file_name(host.platform, instance);
    if !path.exists() {
        bail!(
            "{name} is not installed (no {}){}",
            path.display(),
            if args.user {
                ""
            } else {
                "; for a user service add --user"
            }
        );
    }
    let path_text = path.display().to_string();
    let (before, after): (Vec<Vec<&str>>, Vec<Vec<&str>>) = match host.platform {
        Platform::Systemd => (
            vec![vec!["disable", "--now", &name]],
            vec![vec!["daemon-reload"]],
        ),
        Platform::Launchd => (vec![vec!["unload", "-w", &path_text]], vec![]),
    };
    let before = control_commands(host, args.user, &before);
    let after = control_commands(host, args.user, &after);
    if args.dry_run {
        for cmd in &before {
            writeln!(out, "# would run: {}", cmd.join(" "))?;
        }
        writeln!(out, "# would remove {}", path.display())?;
        for cmd in &after {
            writeln!(out, "# would run: {}", cmd.join(" "))?;
        }
        return Ok(());
    }
    if let Err(e) = run_commands(host, &before, out) {
        // A unit that was never loaded cannot be disabled; the file goes all the same.
        writeln!(out, "warning: {e:#}; removing the file anyway")?;
    }
    fs::remove_file(&path)
        .with_context(|| format!("cannot remove {}", path.display()))
        .map_err(|e| with_permission_hint(e, args.user))?;
    writeln!(out, "removed {}", path.display())?;
    run_commands(host, &after, out)?;
    writeln!(
        out,
        "the configuration and queue of instance {instance} are kept"
    )?;
    Ok(())
}

fn with_permission_hint(error: anyhow::Error, user_mode: bool) -> anyhow::Error {
    let denied = error.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
    });
    if denied && !user_mode {
        error.context("a system service needs root: run it with sudo, or add --user")
    } else {
        error
    }
}

/// Temp file → 0644 → rename (a unit file is not secret, and `systemctl cat` reads it).
fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let result = (|| {
        fs::write(&tmp, text)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644))?;
        }
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A note for the installer when the instance is not configured where the service will look.
pub fn configuration_note(instance: &Instance, spec: &ServiceSpec) -> Option<String> {
    let pinned = spec
        .environment
        .iter()
        .any(|(k, _)| k == config::ENV_CONFIG_DIR);
    let same_account = spec.user_mode || spec.run_as == current_account() || pinned;
    if !same_account {
        return Some(format!(
            "note: the service runs as {}; configure instance {} as that user \
             (`wats-client --instance {} config init`) before it starts",
            spec.run_as.as_deref().unwrap_or("?"),
            spec.instance,
            spec.instance
        ));
    }
    (!instance.exists()).then(|| {
        format!(
            "warning: instance {} has no configuration yet ({}); run `wats-client --instance {} \
             config init`, or the service will fail to start",
            spec.instance,
            instance.config_path().display(),
            spec.instance
        )
    })
}
