//! Faults: SIGKILL at random moments, a server outage through the fault proxy, a full disk, a full queue.

use super::*;

/// SIGKILL at random moments while files flow in; at the end every report is on the server
/// exactly once (by id) and every source file is in the done folder.
#[test]
fn killed_at_random_moments_loses_and_duplicates_nothing() {
    let files: usize = std::env::var("WATS_CRASH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let seed: u64 = std::env::var("WATS_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let min_kills: usize = std::env::var("WATS_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    eprintln!("crash test: {files} files, WATS_CRASH_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let server = Server::start();
    let mut station = Station::new(&server.url(), json!({}));
    let inbox = station.inbox();
    let pn = format!("CRASH-{}", &Uuid::new_v4().simple().to_string()[..8]);

    // Half WSJF (ids from the file), half WSXF; some files hold no valid report.
    let mut expected = BTreeSet::new();
    let mut names = Vec::new();
    for i in 0..files {
        let report = generated(&pn, &format!("SN-{i:05}"), i % 7 != 0);
        expected.insert(report.id.unwrap());
        let (name, text) = if i % 2 == 0 {
            (
                format!("r{i:05}.json"),
                wats_report::wsjf::to_string(&report),
            )
        } else {
            (
                format!("r{i:05}.xml"),
                wats_report::wsxf::to_string(&report),
            )
        };
        names.push((name, text));
    }

    let writer = {
        let inbox = inbox.clone();
        let seed = rng.u64(..);
        std::thread::spawn(move || {
            let mut rng = fastrand::Rng::with_seed(seed);
            for chunk in names.chunks(25) {
                for (name, text) in chunk {
                    // Written in place, as test equipment does; the settle time covers it.
                    std::fs::write(inbox.join(name), text).unwrap();
                }
                std::thread::sleep(Duration::from_millis(rng.u64(0..150)));
            }
        })
    };

    let started = Instant::now();
    let mut kills = 0;
    while !writer.is_finished() || kills < min_kills {
        station.start();
        std::thread::sleep(Duration::from_millis(rng.u64(100..1200)));
        station.kill();
        kills += 1;
        assert!(started.elapsed() < Duration::from_secs(600), "too slow");
    }
    writer.join().unwrap();

    // A last clean run drains everything.
    station.start();
    station.wait_running();
    let done = inbox.join("Done");
    wait(240, "every file in the done folder", || {
        files_in(&done).len() >= files
    });
    wait(120, "the queue to drain", || {
        let s = station.status().unwrap();
        s["queue"]["pending"] == 0 && s["queue"]["uploading"] == 0
    });
    let status = station.status().unwrap();
    assert_eq!(status["queue"]["parked"], 0, "{status}");
    station.stop();

    let found = server.ids_for_part(&pn);
    let unique: BTreeSet<Uuid> = found.iter().copied().collect();
    assert_eq!(unique.len(), found.len(), "an id stored twice");
    assert_eq!(
        unique, expected,
        "reports missing or extra after {kills} kills"
    );
    assert_eq!(files_in(&done).len(), files, "source files lost or doubled");
    assert!(files_in(&inbox).is_empty());
    assert!(files_in(&inbox.join("Error")).is_empty());
    eprintln!(
        "crash test: {files} files, {kills} kills, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The server down, then slow, then answering 500/503/429 at random: nothing is lost,
/// everything arrives once the weather clears; the closed gate shows in `/status`,
/// `/health/ready` and `/metrics`, and the retries in the metrics.
#[test]
fn an_outage_loses_nothing_and_backoff_shows_in_the_metrics() {
    let server = Server::start();
    let mut proxy = FaultProxy::start(&server, 0);
    let port = proxy.addr.port();
    let mut station = Station::new(&proxy.url(), json!({}));
    station.start();
    station.wait_running();
    let pn = format!("OUT-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let mut expected = BTreeSet::new();
    let mut drop_batch = |from: usize, to: usize| {
        for i in from..to {
            let r = generated(&pn, &format!("SN-{i:04}"), true);
            expected.insert(r.id.unwrap());
            std::fs::write(
                station.inbox().join(format!("o{i:04}.json")),
                wats_report::wsjf::to_string(&r),
            )
            .unwrap();
        }
    };

    // Down: connections refused.
    proxy.shut();
    drop_batch(0, 40);
    wait(
        30,
        "the files to be queued while the server is down",
        || station.status().unwrap()["queue"]["pending"].as_u64() == Some(40),
    );
    std::thread::sleep(Duration::from_secs(2));
    let status = station.status().unwrap();
    assert_eq!(
        status["connectivity"], "offline",
        "the station sees the outage"
    );
    // The gate says why, since when and what the last probe met; the backlog's age shows.
    assert_eq!(status["gate"]["state"], "closed");
    assert_eq!(status["gate"]["reason"], "server unreachable");
    assert!(status["gate"]["since"].is_u64());
    assert!(status["gate"]["last_probe_error"].is_string(), "{status}");
    assert!(status["backlog"]["oldest_age_seconds"].is_u64(), "{status}");
    assert_eq!(metric(&station, "wats_upload_gate_open"), 0.0);
    assert!(metric(&station, "wats_server_offline_seconds_total") >= 1.0);
    let ready = http_get(&control_address(&station), "/health/ready");
    assert!(
        ready.contains("upload gate closed: server unreachable"),
        "{ready}"
    );
    // Back, but slow, then stormy.
    proxy = FaultProxy::start(&server, port);
    proxy.set(Weather::Slow(Duration::from_millis(700)));
    drop_batch(40, 60);
    std::thread::sleep(Duration::from_secs(2));
    proxy.set(Weather::Stormy);
    drop_batch(60, 100);
    std::thread::sleep(Duration::from_secs(4));
    assert!(proxy.faults.load(std::sync::atomic::Ordering::SeqCst) > 0);
    proxy.set(Weather::Fine);

    wait(90, "every report delivered after the outage", || {
        station.status().unwrap()["queue"]["done"].as_u64() == Some(100)
    });
    assert!(metric(&station, "wats_upload_retries_total") > 0.0);
    assert_eq!(metric(&station, "wats_reports_parked_total"), 0.0);
    assert!(metric(&station, "wats_reconnects_total") >= 1.0);
    assert_eq!(metric(&station, "wats_upload_gate_open"), 1.0);
    station.stop();
    let found = server.ids_for_part(&pn);
    assert_eq!(found.len(), 100);
    assert_eq!(found.into_iter().collect::<BTreeSet<_>>(), expected);
}

/// The queue's disk fills up: intake stops with a clear message, the files stay where they
/// are, and once there is room again everything is delivered.
#[test]
fn a_full_disk_stops_intake_and_loses_nothing() {
    let server = Server::start();
    let mut station = Station::new(&server.url(), json!({}));
    let data = station.dir.path().join("data-tmpfs");
    let _tmpfs = match Tmpfs::mount(&data, "3m") {
        Ok(t) => t,
        Err(why) if std::env::var_os("WATS_REQUIRE_TMPFS").is_none() => {
            eprintln!("SKIPPED: cannot mount a tmpfs ({why}); set WATS_REQUIRE_TMPFS=1 to fail");
            return;
        }
        Err(why) => panic!("cannot mount a tmpfs: {why}"),
    };
    station.data_dir = Some(data.clone());
    station.start();
    station.wait_running();

    // Fill the disk the queue is on.
    let filler = data.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).and_then(|_| f.sync_all()).is_ok() {}
    }
    let pn = format!("FULL-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let mut expected = BTreeSet::new();
    for i in 0..20 {
        let r = generated(&pn, &format!("SN-{i:04}"), true);
        expected.insert(r.id.unwrap());
        std::fs::write(
            station.inbox().join(format!("f{i:04}.json")),
            wats_report::wsjf::to_string(&r),
        )
        .unwrap();
    }
    wait(30, "intake to stop on the full disk", || {
        let s = station.status().unwrap();
        s["files"]["deferred"].as_u64().unwrap_or(0) > 0
    });
    let status = station.status().unwrap();
    assert_eq!(status["files"]["converted"], 0, "{status}");
    assert_eq!(
        files_in(&station.inbox()).len(),
        20,
        "the files stay in place"
    );
    assert!(files_in(&station.inbox().join("Error")).is_empty());
    let reason = status["intake"]["reason"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        status["intake"]["paused"] == true && reason.to_lowercase().contains("full"),
        "a clear message: {status}"
    );

    // Room again: everything goes through.
    std::fs::remove_file(&filler).unwrap();
    wait(60, "every report delivered after the disk has room", || {
        station.status().unwrap()["queue"]["done"].as_u64() == Some(20)
    });
    assert_eq!(files_in(&station.inbox().join("Done")).len(), 20);
    station.stop();
    let found = server.ids_for_part(&pn);
    assert_eq!(found.into_iter().collect::<BTreeSet<_>>(), expected);
}

/// A full queue (server unreachable, `max_queue_entries` reached) pauses intake with the
/// reason; the other files wait in the watch folder and flow once the server is back.
#[test]
fn a_full_queue_pauses_intake_until_there_is_room() {
    let server = Server::start();
    let mut proxy = FaultProxy::start(&server, 0);
    let port = proxy.addr.port();
    proxy.shut();
    let mut station = Station::new(
        &format!("http://127.0.0.1:{port}"),
        json!({ "max_queue_entries": 5 }),
    );
    station.start();
    station.wait_running();
    let pn = format!("QFULL-{}", &Uuid::new_v4().simple().to_string()[..8]);
    for i in 0..12 {
        let r = generated(&pn, &format!("SN-{i:03}"), true);
        std::fs::write(
            station.inbox().join(format!("q{i:03}.json")),
            wats_report::wsjf::to_string(&r),
        )
        .unwrap();
    }
    wait(30, "intake to pause on the full queue", || {
        let s = station.status().unwrap();
        s["intake"]["paused"] == true && s["queue"]["pending"].as_u64() == Some(5)
    });
    let s = station.status().unwrap();
    assert!(
        s["intake"]["reason"]
            .as_str()
            .unwrap()
            .contains("queue is full"),
        "{s}"
    );
    assert_eq!(
        files_in(&station.inbox()).len(),
        7,
        "the rest wait in the watch folder"
    );
    // The server comes back: everything flows.
    let _proxy = FaultProxy::start(&server, port);
    wait(90, "all twelve delivered", || {
        server.ids_for_part(&pn).len() == 12
    });
    wait(30, "every file in Done", || {
        files_in(&station.inbox().join("Done")).len() == 12
    });
    station.stop();
}
