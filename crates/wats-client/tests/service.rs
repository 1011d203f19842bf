//! `install-service` / `uninstall-service`: the unit's content, dry runs, files written into
//! a temp folder, and the `systemctl` calls (a recording stand-in on `PATH`'s place).

use std::fs;
use std::path::{Path, PathBuf};

use wats_client::commands::service;

use service::{Host, InstallArgs, Platform, ServiceSpec, UninstallArgs};

fn spec(user_mode: bool) -> ServiceSpec {
    ServiceSpec {
        instance: "line-3".into(),
        exe: PathBuf::from("/opt/wats/bin/wats-client"),
        user_mode,
        run_as: (!user_mode).then(|| "alice".to_string()),
        environment: vec![("WATS_CLIENT_CONFIG_DIR".into(), "/srv/wats/config".into())],
        private_tmp: true,
        log_dir: PathBuf::from("/srv/wats/data/line-3/logs"),
    }
}

fn host(dir: &Path, control: Option<PathBuf>) -> Host {
    Host {
        platform: Platform::Systemd,
        unit_dir: dir.to_path_buf(),
        control,
    }
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

#[test]
fn the_system_unit_is_a_notify_service_with_a_watchdog() {
    let unit = service::systemd_unit(&spec(false));
    let l = lines(&unit);
    for expected in [
        "[Unit]",
        "Description=WATS station client (instance line-3)",
        "After=network-online.target",
        "[Service]",
        "Type=notify",
        "ExecStart=/opt/wats/bin/wats-client --instance line-3 start",
        "User=alice",
        "Environment=WATS_CLIENT_CONFIG_DIR=/srv/wats/config",
        "Restart=on-failure",
        "WatchdogSec=30",
        "TimeoutStopSec=90",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ProtectSystem=full",
        "CapabilityBoundingSet=",
        "[Install]",
        "WantedBy=multi-user.target",
    ] {
        assert!(l.contains(&expected), "missing {expected:?} in\n{unit}");
    }
    assert!(
        !unit.contains("ProtectHome"),
        "the config may live in a home"
    );
    assert_eq!(service::unit_name("line-3"), "wats-client@line-3.service");
}

#[test]
fn the_user_unit_has_no_account_and_no_system_only_settings() {
    let unit = service::systemd_unit(&spec(true));
    let l = lines(&unit);
    assert!(l.contains(&"Type=notify"));
    assert!(l.contains(&"WatchdogSec=30"));
    assert!(l.contains(&"WantedBy=default.target"));
    assert!(l.contains(&"NoNewPrivileges=yes"));
    assert!(!unit.contains("User="), "{unit}");
    assert!(!unit.contains("PrivateDevices"), "{unit}");
    assert!(!unit.contains("network-online"), "{unit}");
}

#[test]
fn odd_paths_are_quoted_and_tmp_folders_keep_the_real_tmp() {
    let mut s = spec(false);
    s.exe = PathBuf::from("/opt/my tools/wats%client$");
    s.private_tmp = false;
    s.run_as = Some("root".into());
    let unit = service::systemd_unit(&s);
    assert!(
        lines(&unit).contains(&"ExecStart=\"/opt/my tools/wats%%client$\" --instance line-3 start"),
        "{unit}"
    );
    assert!(!unit.contains("PrivateTmp=yes"), "{unit}");
    assert!(
        !unit.contains("CapabilityBoundingSet"),
        "root keeps its capabilities: {unit}"
    );
    assert_eq!(service::systemd_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    assert_eq!(service::systemd_quote(""), "\"\"");
}

#[test]
fn dry_run_prints_the_unit_and_the_commands_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("units");
    let args = InstallArgs {
        dry_run: true,
        ..InstallArgs::default()
    };
    let mut out = Vec::new();
    service::install(&spec(false), &host(&dir, None), &args, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with(&service::systemd_unit(&spec(false))),
        "{out}"
    );
    let path = dir.join("wats-client@line-3.service");
    assert!(
        out.contains(&format!("# would write {}", path.display())),
        "{out}"
    );
    assert!(
        out.contains("# would run: systemctl daemon-reload"),
        "{out}"
    );
    assert!(
        out.contains("# would run: systemctl enable --now wats-client@line-3.service"),
        "{out}"
    );
    assert!(!dir.exists());

    let mut out = Vec::new();
    let args = InstallArgs {
        dry_run: true,
        user: true,
        ..InstallArgs::default()
    };
    service::install(&spec(true), &host(&dir, None), &args, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("# would run: systemctl --user enable --now wats-client@line-3.service"),
        "{out}"
    );
}

#[test]
fn without_systemctl_the_file_is_written_and_the_commands_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("units");
    let host = host(&dir, None);
    let mut out = Vec::new();
    service::install(&spec(false), &host, &InstallArgs::default(), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let path = dir.join("wats-client@line-3.service");
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        service::systemd_unit(&spec(false))
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }
    assert!(out.contains(&format!("wrote {}", path.display())), "{out}");
    assert!(out.contains("to finish, run:"), "{out}");
    assert!(
        out.contains("  systemctl enable --now wats-client@line-3.service"),
        "{out}"
    );

    let mut again = Vec::new();
    service::install(&spec(false), &host, &InstallArgs::default(), &mut again).unwrap();
    assert!(String::from_utf8(again).unwrap().contains("is up to date"));

    let mut changed = spec(false);
    changed.run_as = Some("bob".into());
    let mut out = Vec::new();
    service::install(&changed, &host, &InstallArgs::default(), &mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains("updated"));
    assert!(fs::read_to_string(&path).unwrap().contains("User=bob\n"));

    let mut out = Vec::new();
    let dry = UninstallArgs {
        dry_run: true,
        ..UninstallArgs::default()
    };
    service::uninstall("line-3", &host, &dry, &mut out).unwrap();
    assert!(path.exists());
    assert!(String::from_utf8(out).unwrap().contains("# would remove"));

    let mut out = Vec::new();
    service::uninstall("line-3", &host, &UninstallArgs::default(), &mut out).unwrap();
    assert!(!path.exists());
    let err = service::uninstall("line-3", &host, &UninstallArgs::default(), &mut Vec::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("not installed"), "{err}");
}

#[cfg(unix)]
#[test]
fn systemctl_is_called_to_reload_enable_and_disable() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let calls = tmp.path().join("calls.log");
    let fake = |name: &str, exit: u8| {
        let path = tmp.path().join(name);
        fs::write(
            &path,
            format!(
                "#!/bin/sh\necho \"$@\" >> '{}'\nexit {exit}\n",
                calls.display()
            ),
        )
        .unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        path
    };
    let ok = fake("systemctl", 0);
    let failing = fake("systemctl-failing", 1);
    let dir = tmp.path().join("units");

    let host_ok = host(&dir, Some(ok));
    let mut out = Vec::new();
    service::install(&spec(false), &host_ok, &InstallArgs::default(), &mut out).unwrap();
    assert_eq!(
        fs::read_to_string(&calls).unwrap(),
        "daemon-reload\nenable --now wats-client@line-3.service\n"
    );
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("running: systemctl enable --now"), "{out}");
    assert!(
        out.contains("systemctl status wats-client@line-3.service"),
        "{out}"
    );

    fs::remove_file(&calls).unwrap();
    service::uninstall(
        "line-3",
        &host_ok,
        &UninstallArgs::default(),
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(
        fs::read_to_string(&calls).unwrap(),
        "disable --now wats-client@line-3.service\ndaemon-reload\n"
    );

    fs::remove_file(&calls).unwrap();
    let user_args = InstallArgs {
        user: true,
        no_start: true,
        ..InstallArgs::default()
    };
    service::install(&spec(true), &host_ok, &user_args, &mut Vec::new()).unwrap();
    assert_eq!(
        fs::read_to_string(&calls).unwrap(),
        "--user daemon-reload\n"
    );

    // A unit systemd cannot disable (never loaded) is removed all the same.
    let mut out = Vec::new();
    service::uninstall(
        "line-3",
        &host(&dir, Some(failing.clone())),
        &UninstallArgs::default(),
        &mut out,
    )
    .unwrap_err();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("removing the file anyway"), "{out}");
    assert!(!dir.join("wats-client@line-3.service").exists());

    let err = service::install(
        &spec(false),
        &host(&dir, Some(failing)),
        &InstallArgs::default(),
        &mut Vec::new(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("`systemctl daemon-reload` failed"), "{err}");
}

#[test]
fn the_launchd_property_list_runs_the_instance() {
    let mut s = spec(false);
    s.environment = vec![("WATS_CLIENT_DATA_DIR".into(), "/srv/a&b".into())];
    let plist = service::launchd_plist(&s);
    for expected in [
        "<key>Label</key>\n  <string>org.wats-rs.wats-client.line-3</string>",
        "    <string>/opt/wats/bin/wats-client</string>\n    <string>--instance</string>\n    \
         <string>line-3</string>\n    <string>start</string>",
        "<key>UserName</key>\n  <string>alice</string>",
        "<key>WATS_CLIENT_DATA_DIR</key>\n    <string>/srv/a&amp;b</string>",
        "<key>KeepAlive</key>",
        "<key>RunAtLoad</key>\n  <true/>",
        "<string>/srv/wats/data/line-3/logs/launchd.err.log</string>",
    ] {
        assert!(plist.contains(expected), "missing {expected:?} in\n{plist}");
    }
    assert_eq!(
        plist.matches("<dict>").count(),
        plist.matches("</dict>").count()
    );
    assert!(!service::launchd_plist(&spec(true)).contains("UserName"));

    let tmp = tempfile::tempdir().unwrap();
    let host = Host {
        platform: Platform::Launchd,
        unit_dir: tmp.path().to_path_buf(),
        control: None,
    };
    let mut out = Vec::new();
    let args = InstallArgs {
        dry_run: true,
        ..InstallArgs::default()
    };
    service::install(&spec(false), &host, &args, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("# would run: launchctl load -w"), "{out}");
    assert!(
        out.contains("org.wats-rs.wats-client.line-3.plist"),
        "{out}"
    );
}

#[test]
fn the_spec_follows_the_instance_and_the_unit_dir_can_be_overridden() {
    let tmp = tempfile::tempdir().unwrap();
    let instance =
        wats_client::config::Instance::at("s1", &tmp.path().join("c"), &tmp.path().join("d"))
            .unwrap();
    let spec = ServiceSpec::for_instance(
        &instance,
        &InstallArgs {
            run_as: Some("operator".into()),
            ..InstallArgs::default()
        },
    )
    .unwrap();
    assert_eq!(spec.instance, "s1");
    assert_eq!(spec.run_as.as_deref(), Some("operator"));
    assert_eq!(
        spec.exe,
        std::env::current_exe().unwrap().canonicalize().unwrap()
    );
    // The temp folder is under /tmp on Linux: a private /tmp would hide it.
    if tmp.path().starts_with("/tmp") {
        assert!(!spec.private_tmp);
    }
    let user = ServiceSpec::for_instance(
        &instance,
        &InstallArgs {
            user: true,
            ..InstallArgs::default()
        },
    )
    .unwrap();
    assert_eq!(user.run_as, None);

    // The only test that touches the environment.
    if cfg!(any(target_os = "linux", target_os = "macos")) {
        std::env::set_var(service::ENV_UNIT_DIR, tmp.path().join("units"));
        let host = Host::detect(false).unwrap();
        std::env::remove_var(service::ENV_UNIT_DIR);
        assert_eq!(host.unit_dir, tmp.path().join("units"));
    }
}

/// systemd's own parser, where it is installed: no unknown keys, no bad values.
#[cfg(target_os = "linux")]
#[test]
fn systemd_analyze_accepts_the_units() {
    let Some(analyze) = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("systemd-analyze"))
        .find(|p| p.is_file())
    else {
        eprintln!("systemd-analyze not installed; skipped");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    for (user_mode, run_as) in [(false, Some("root")), (false, Some("daemon")), (true, None)] {
        let mut s = spec(user_mode);
        s.exe = std::env::current_exe().unwrap();
        s.run_as = run_as.map(str::to_string);
        let path = tmp.path().join(service::unit_name("line-3"));
        fs::write(&path, service::systemd_unit(&s)).unwrap();
        let mut cmd = std::process::Command::new(&analyze);
        if user_mode {
            cmd.arg("--user");
        }
        let output = cmd
            .args(["verify", "--man=no"])
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        if user_mode && !output.status.success() && !stderr.contains(".service:") {
            // No user manager to ask (a container); the system checks above stand.
            eprintln!("user-mode verify unavailable: {stderr}");
            continue;
        }
        assert!(output.status.success(), "{stderr}");
        assert!(
            !stderr.contains(".service:"),
            "systemd-analyze complained:\n{stderr}\n{}",
            service::systemd_unit(&s)
        );
    }
}
