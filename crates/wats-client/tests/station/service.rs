//! The station as a service: first start in local mode, systemd readiness and watchdog, the serial-number pool offline and through SIGKILL.

use super::*;

/// The README's first command: `start` with no configuration at all runs in local mode with an
/// embedded server and an inbox, and a dropped file's report lands on that server.
#[test]
fn start_without_configuration_runs_in_local_mode() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg");
    let command = |args: &[&str]| {
        let mut c = Command::new(BIN);
        c.args(args).env("WATS_CLIENT_CONFIG_DIR", &cfg);
        for k in wats::ENV_BASE_URL.iter().chain(wats::ENV_TOKEN.iter()) {
            c.env_remove(k);
        }
        c
    };
    let child = command(&["start"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let data = cfg.join("default/data");
    let inbox = data.join("inbox");
    let status = || {
        let out = command(&["status", "--json"]).output().unwrap();
        out.status
            .success()
            .then(|| serde_json::from_slice::<Value>(&out.stdout).unwrap())
    };
    wait(30, "the local station", || status().is_some());
    let s = status().unwrap();
    assert_eq!(s["mode"], "local", "{s}");
    assert_eq!(s["inbox"], inbox.display().to_string());
    std::fs::copy(
        samples().join("wats/uur-example.json"),
        inbox.join("uur.json"),
    )
    .unwrap();
    // WATS's own exports, which WATS's import rules refuse (loop shape, status agreement):
    // in local mode the station checks what the embedded server checks, so they go through.
    for name in ["uut-wsjf-export.json", "uut-wsxf-export.xml"] {
        std::fs::copy(samples().join("wats").join(name), inbox.join(name)).unwrap();
    }
    // (Both exports are one report, by id: it is delivered once and replaced.)
    wait(30, "the reports delivered to the embedded server", || {
        status().unwrap()["queue"]["done"] == 2
            && inbox.join("Done/uut-wsjf-export.json").exists()
            && inbox.join("Done/uut-wsxf-export.xml").exists()
    });
    assert!(
        !inbox.join("Error").exists()
            || std::fs::read_dir(inbox.join("Error"))
                .unwrap()
                .next()
                .is_none(),
        "nothing went to the error folder"
    );
    // The embedded server holds it, under the station's own credentials.
    let password = std::fs::read_to_string(data.join("local-server.password")).unwrap();
    let server = s["server"].as_str().unwrap().to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let wats = Wats::builder()
        .base_url(&server)
        .credentials("station", password.trim())
        .build()
        .unwrap();
    let id = "5bd0e8f1-5d4a-4ba3-9a5b-4a7e2c5f4d11";
    let uur: Value = serde_json::from_str(
        &std::fs::read_to_string(samples().join("wats/uur-example.json")).unwrap(),
    )
    .unwrap();
    let id: Uuid = uur["id"].as_str().unwrap_or(id).parse().unwrap();
    let back = rt
        .block_on(wats.report().get_wsjf(id, &FetchOptions::default()))
        .unwrap();
    assert!(back.is_some(), "the UUR is on the embedded server");
    // The station's state is its user's alone: folders 0700, databases and configuration 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&cfg.join("default")), 0o700);
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&cfg.join("default/config.json")), 0o600);
        let databases: Vec<PathBuf> = std::fs::read_dir(&data)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name.ends_with(".sqlite")
                    || name.ends_with(".sqlite-wal")
                    || name.ends_with(".password")
                    || name.ends_with(".secret")
            })
            .collect();
        assert!(databases.len() >= 4, "{databases:?}");
        for db in databases {
            assert_eq!(mode(&db), 0o600, "{}", db.display());
        }
    }
    assert!(command(&["stop"]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let banner = String::from_utf8_lossy(&out.stdout);
    assert!(banner.contains(&inbox.display().to_string()), "{banner}");
    assert!(banner.contains("local mode"), "{banner}");
}

/// Under systemd (`Type=notify`, `WatchdogSec`): the station says READY=1 once it runs, pings
/// WATCHDOG=1 from its loop, and says STOPPING=1 when it stops.
#[cfg(unix)]
#[test]
fn the_station_signals_systemd_readiness_and_watchdog() {
    use std::os::unix::net::UnixDatagram;
    let server = Server::start();
    let mut station = Station::new(&server.url(), json!({}));
    let socket_path = station.dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let child = station
        .command(&["start", "--no-banner"])
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "300000")
        .env_remove("WATCHDOG_PID")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    station.child = Some(child);
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen
        .iter()
        .filter(|m: &&String| m.contains("WATCHDOG=1"))
        .count()
        < 3
    {
        assert!(Instant::now() < deadline, "messages so far: {seen:?}");
        let n = socket.recv(&mut buf).unwrap();
        seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert!(seen[0].contains("READY=1"), "{seen:?}");
    station.stop();
    let mut stopping = false;
    while let Ok(n) = socket.recv(&mut buf) {
        if String::from_utf8_lossy(&buf[..n]).contains("STOPPING=1") {
            stopping = true;
            break;
        }
    }
    assert!(stopping, "STOPPING=1 on stop");
}

/// The serial-number pool: filled online; the server stopped; numbers taken offline; the
/// station SIGKILLed and restarted; taken again. No number is handed out twice, none is lost
/// from the pool, and an empty pool offline is a clear error that hands out nothing.
#[test]
fn serial_pool_survives_offline_and_sigkill() {
    use std::collections::HashSet;
    use wats::production::{SerialNumberType, TakeOptions};

    let mut server = Server::start();
    let wats = server.client();
    let ty = "POOL-SN";
    server.runtime.block_on(async {
        let p = wats.production();
        p.save_serial_number_types(&[SerialNumberType {
            name: Some(ty.into()),
            format: Some("SN-######".into()),
            ..Default::default()
        }])
        .await
        .unwrap();
        p.generate_serial_numbers(ty, "1", "500").await.unwrap();
        // Someone else took the first three: the pool starts after them.
        p.take_serial_numbers(ty, 3, &TakeOptions::default())
            .await
            .unwrap();
    });
    let mut station = Station::new(
        &server.url(),
        json!({ "serial_pools": [{ "type": ty, "low_water": 10, "batch_size": 30 }] }),
    );
    station.start();
    station.wait_running();
    let level = |s: &Station| -> Option<(u64, u64)> {
        let st = s.status()?;
        let pool = &st["serial_pools"][0];
        Some((pool["available"].as_u64()?, pool["handed_out"].as_u64()?))
    };
    wait(30, "the pool filled online", || {
        level(&station) == Some((40, 0))
    });
    let take = |s: &Station, n: u32| -> Result<Vec<String>, String> {
        let (code, out, err) = s.run(&["serial", "take", ty, "--count", &n.to_string()]);
        if code == 0 {
            Ok(out.lines().map(str::to_owned).collect())
        } else {
            Err(err)
        }
    };
    let mut handed: Vec<String> = take(&station, 5).unwrap();
    assert_eq!(
        handed,
        [
            "SN-000004",
            "SN-000005",
            "SN-000006",
            "SN-000007",
            "SN-000008"
        ]
    );
    // The control API: GET shows the levels, /metrics too; taking needs the secret.
    let data = station.dir.path().join("cfg/default/data");
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("control.json")).unwrap()).unwrap();
    let addr = info["address"].as_str().unwrap().to_owned();
    let metrics = http_get(&addr, "/metrics");
    assert!(
        metrics.contains("wats_client_serial_pool_available{type=\"POOL-SN\"} 35"),
        "{metrics}"
    );
    let (code, _) = http_post(&addr, &format!("/serial/{ty}/take?count=1"), None);
    assert_eq!(code, 401);
    let secret = std::fs::read_to_string(data.join("control.secret")).unwrap();
    let (code, body) = http_post(
        &addr,
        &format!("/serial/{ty}/take?count=1"),
        Some(secret.trim()),
    );
    assert_eq!(code, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    handed.push(answer["serial_numbers"][0].as_str().unwrap().to_owned());

    // The server goes away: numbers still come, from the pool.
    if let Some(r) = server.running.take() {
        server.runtime.block_on(r.stop()).unwrap();
    }
    for _ in 0..4 {
        handed.extend(take(&station, 3).unwrap());
    }
    // 5 + 1 + 12 handed out.
    // SIGKILL right after a hand-out, then start again, still offline.
    station.kill();
    station.start();
    station.wait_running();
    assert_eq!(level(&station), Some((40 - 18, 18)));
    handed.extend(take(&station, 19).unwrap());
    // Three left; five asked for, and no server to refill from: refused, nothing handed out.
    let err = take(&station, 5).unwrap_err();
    assert!(
        err.contains("has 3 number(s), 5 were asked for") && err.contains("cannot be reached"),
        "{err}"
    );
    assert_eq!(level(&station), Some((3, 37)));
    handed.extend(take(&station, 3).unwrap());
    let distinct: HashSet<&String> = handed.iter().collect();
    assert_eq!(
        distinct.len(),
        handed.len(),
        "a number was handed out twice"
    );
    // Nothing lost: exactly the 40 reserved numbers, in order, were handed out.
    let expected: Vec<String> = (4..44).map(|a| format!("SN-{a:06}")).collect();
    assert_eq!(handed, expected);
    let metrics = {
        let st = station.status().unwrap();
        st["serial_pools"][0].clone()
    };
    assert_eq!(metrics["available"], 0);
    assert_eq!(metrics["below_low_water"], true);
    let (_, text, _) = station.run(&["status"]);
    assert!(
        text.contains("serial:  POOL-SN 0 available, 40 handed out (low water 10, batch 30) LOW"),
        "{text}"
    );
    station.stop();
}
