//! Files in, reports out: the watch folder, parked reports retried, upload twice, inbox links, external and scheduled converters, restart.

use super::*;

#[test]
fn files_dropped_in_the_watch_folder_reach_the_server() {
    let server = Server::start();
    let mut station = Station::new(&server.url(), json!({}));
    station.start();
    station.wait_running();
    let inbox = station.inbox();

    // WSJF and WSXF written by our model, the WATS UUR sample, and files that must be refused.
    let pn = format!("E2E-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let pass = generated(&pn, "SN-1", true);
    let fail = generated(&pn, "SN-2", false);
    assert_eq!(fail.result, Some(Status::Failed));
    std::fs::write(inbox.join("pass.json"), wats_report::wsjf::to_string(&pass)).unwrap();
    std::fs::write(inbox.join("fail.xml"), wats_report::wsxf::to_string(&fail)).unwrap();
    std::fs::copy(
        samples().join("wats/uur-example.json"),
        inbox.join("uur.json"),
    )
    .unwrap();
    // A real WATS refuses to re-import its own UUT export (loop shape, see report-formats §1.10):
    // the station says so in the error folder instead of sending it.
    std::fs::copy(
        samples().join("wats/uut-wsjf-export.json"),
        inbox.join("export.json"),
    )
    .unwrap();
    std::fs::copy(
        samples().join("csv/sample-enhanced.csv"),
        inbox.join("sample.csv"),
    )
    .unwrap();
    std::fs::write(
        inbox.join("line.csv"),
        format!(
            "SerialNumber,PartNumber,TestDate,StepName,Value,LowLimit,HighLimit,Unit,Result\n\
             CSV-1,{pn},2026-03-01 10:00:00,Vout,5.01,4.9,5.1,V,PASS\n\
             CSV-2,{pn},2026-03-01 10:01:00,Vout,5.4,4.9,5.1,V,FAIL\n"
        ),
    )
    .unwrap();
    std::fs::write(inbox.join("notes.txt"), "not a test result\n").unwrap();
    std::fs::write(inbox.join("broken.json"), "{\"type\":\"T\",\"pn\":").unwrap();

    let done = inbox.join("Done");
    let error = inbox.join("Error");
    wait(60, "every file to be handled", || {
        files_in(&done).len() == 5 && files_in(&error).len() == 6
    });
    assert_eq!(
        files_in(&done),
        [
            "fail.xml",
            "line.csv",
            "pass.json",
            "sample.csv",
            "uur.json"
        ]
        .map(String::from)
        .into_iter()
        .collect()
    );
    for name in ["export.json", "notes.txt", "broken.json"] {
        let note = std::fs::read_to_string(error.join(format!("{name}.error"))).unwrap();
        assert!(note.contains(name), "{note}");
    }
    let note = std::fs::read_to_string(error.join("broken.json.error")).unwrap();
    assert!(note.contains("1:"), "the note names the place: {note}");
    let note = std::fs::read_to_string(error.join("export.json.error")).unwrap();
    assert!(note.contains("endingIndex"), "{note}");
    assert!(files_in(&inbox).is_empty());

    // Each report on the server, as sent (the station fills nothing the file had).
    let uur_id: Uuid = serde_json::from_str::<Value>(
        &std::fs::read_to_string(samples().join("wats/uur-example.json")).unwrap(),
    )
    .unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    wait(30, "the reports on the server", || {
        [pass.id.unwrap(), fail.id.unwrap(), uur_id]
            .iter()
            .all(|id| server.get(*id).is_some())
    });
    // The CSV's two units, with ids derived from the file.
    wait(30, "the CSV reports on the server", || {
        server.ids_for_part(&pn).len() == 4
    });
    let back = server.get(fail.id.unwrap()).unwrap();
    assert_eq!(back.sn.as_deref(), Some("SN-2"));
    assert_eq!(back.result, Some(Status::Failed));
    assert_eq!(back.machine_name.as_deref(), Some("ST-GEN"));

    // Status, metrics and the queue through the CLI and the control API.
    let status = station.status().unwrap();
    assert_eq!(status["files"]["converted"], 5, "{status}");
    assert_eq!(status["files"]["failed"], 3, "{status}");
    assert_eq!(status["connectivity"], "online", "{status}");
    wait(10, "the uploads to settle", || {
        station.status().unwrap()["queue"]["done"] == 6
    });
    let (code, list, _) = station.run(&["queue", "list", "--state", "done", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<Vec<Value>>(&list).unwrap().len(), 6);
    let data = station.dir.path().join("cfg/default/data");
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("control.json")).unwrap()).unwrap();
    let metrics = http_get(info["address"].as_str().unwrap(), "/metrics");
    assert!(
        metrics.contains("wats_files_converted_total 5"),
        "{metrics}"
    );
    assert!(
        metrics.contains("wats_reports_uploaded_total 6"),
        "{metrics}"
    );
    let config = http_get(info["address"].as_str().unwrap(), "/config");
    assert!(
        !config.contains(PASSWORD) && !config.contains("c3RhdGlvbj"),
        "{config}"
    );

    // Mutating calls need the secret.
    let (code, _) = http_post(info["address"].as_str().unwrap(), "/stop", None);
    assert_eq!(code, 401);
    station.stop();
    assert!(!data.join("control.json").exists());
}

/// A station against a server that refuses everything: reports are parked with the reason,
/// and `queue retry-failed` sends them again once the server accepts.
#[test]
fn refused_reports_are_parked_and_retried_from_the_cli() {
    let server = Server::start();
    // Point the station at a wrong path first: the server answers 404 → parked (4xx).
    let mut station = Station::new(&format!("{}/nowhere", server.url()), json!({}));
    station.start();
    station.wait_running();
    let pn = format!("PARK-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let report = generated(&pn, "SN-P", true);
    std::fs::write(
        station.inbox().join("r.json"),
        wats_report::wsjf::to_string(&report),
    )
    .unwrap();
    wait(30, "the report to be parked", || {
        station.status().unwrap()["queue"]["parked"] == 1
    });
    let (_, list, _) = station.run(&["queue", "list", "--state", "parked", "--json"]);
    let list: Vec<Value> = serde_json::from_str(&list).unwrap();
    assert_eq!(list[0]["id"], report.id.unwrap().to_string());
    assert!(
        list[0]["last_error"].as_str().unwrap().contains("404"),
        "{list:?}"
    );

    // Fix the address, restart through the CLI, then retry the parked entry.
    station.stop();
    let cfg = station.dir.path().join("cfg/default/config.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    doc["service_address"] = json!(server.url());
    std::fs::write(&cfg, doc.to_string()).unwrap();
    station.start();
    station.wait_running();
    let (code, out, err) = station.run(&["queue", "retry", &report.id.unwrap().to_string()]);
    assert_eq!(code, 0, "{out}{err}");
    wait(30, "the retried report on the server", || {
        server.get(report.id.unwrap()).is_some()
    });
    station.stop();
}

/// `upload` goes through the station's intake: the ids `convert` shows (derived from the file
/// for formats without their own), the configured station name where the file names none, the
/// file's own where it does; uploading the same files twice replaces, never doubles.
#[test]
fn upload_twice_leaves_one_report_each_with_the_station_identity() {
    let server = Server::start();
    let station = Station::new(&server.url(), json!({}));
    let csv = samples().join("csv/sample-enhanced.csv");
    let atml = samples().join("atml/ATML 2.02 [123456789][2 30 27 PM][5 15 2019].XML");
    let mut expected = Vec::new();
    for file in [&csv, &atml] {
        let (code, out, err) = station.run(&["convert", file.to_str().unwrap(), "--compact"]);
        assert_eq!(code, 0, "{err}");
        let json: Value = serde_json::from_str(&out).unwrap();
        let reports = match json {
            Value::Array(a) => a,
            one => vec![one],
        };
        for r in reports {
            expected.push((
                Uuid::parse_str(r["id"].as_str().expect("convert gives every report an id"))
                    .unwrap(),
                r["pn"].as_str().unwrap().to_owned(),
            ));
        }
    }
    for round in 0..2 {
        let (code, out, err) = station.run(&[
            "upload",
            "--file",
            csv.to_str().unwrap(),
            "--file",
            atml.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "round {round}: {out}{err}");
    }
    let pns: BTreeSet<&str> = expected.iter().map(|(_, pn)| pn.as_str()).collect();
    let mut on_server = BTreeSet::new();
    for pn in pns {
        on_server.extend(server.ids_for_part(pn));
    }
    let ids: BTreeSet<Uuid> = expected.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        on_server, ids,
        "one report per converted report, twice uploaded"
    );
    for (id, _) in &expected {
        let r = server.get(*id).unwrap();
        let from_atml = r.machine_name.as_deref() == Some("TS-2016-BETA");
        assert!(
            from_atml || r.machine_name.as_deref() == Some("E2E-STATION"),
            "{id}: station {:?}",
            r.machine_name
        );
    }
    let atml_id = expected.last().unwrap().0;
    assert_eq!(
        server.get(atml_id).unwrap().machine_name.as_deref(),
        Some("TS-2016-BETA"),
        "the station the file names beats the configuration"
    );
    let csv_id = expected[0].0;
    assert_eq!(
        server.get(csv_id).unwrap().machine_name.as_deref(),
        Some("E2E-STATION"),
        "the configuration beats a converter's placeholder"
    );
}

/// The inbox says what it does with what is not a file: a symlink out of the folder (to a
/// "secret" here) goes to the error folder with a note, its target never read or uploaded; a
/// FIFO is listed in `status` and left alone.
#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_inbox_is_refused_with_a_note_and_a_fifo_is_listed() {
    let server = Server::start();
    let mut station = Station::new(&server.url(), json!({}));
    let secret = generated("SECRET-PN", "SN-SECRET", true);
    let outside = station.dir.path().join("secret.json");
    std::fs::write(&outside, wats_report::wsjf::to_string(&secret)).unwrap();
    std::os::unix::fs::symlink(&outside, station.inbox().join("link.json")).unwrap();
    assert!(Command::new("mkfifo")
        .arg(station.inbox().join("pipe.json"))
        .status()
        .unwrap()
        .success());
    station.start();
    station.wait_running();
    let note = station.inbox().join("Error/link.json.error");
    wait(20, "the refused link's note", || note.exists());
    let text = std::fs::read_to_string(&note).unwrap();
    assert!(text.contains("outside the watch folder"), "{text}");
    assert!(
        std::fs::symlink_metadata(station.inbox().join("Error/link.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(outside.exists(), "the target is untouched");
    wait(10, "the FIFO in the status", || {
        station.status().unwrap()["intake"]["skipped"]
            .as_array()
            .is_some_and(|a| {
                a.iter()
                    .any(|e| e["path"].as_str().unwrap().ends_with("pipe.json"))
            })
    });
    assert!(
        server.get(secret.id.unwrap()).is_none(),
        "never read, never uploaded"
    );
    station.stop();
}

/// A converter written as a program (here a shell script): the station runs it on each file
/// and uploads what it prints; a failing run puts the file in the error folder with the
/// program's message.
#[cfg(unix)]
#[test]
fn an_external_converter_program_feeds_the_station() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::start();
    let tools = tempfile::tempdir().unwrap();
    let template = generated("EXT-PN", "EXT-SN", true);
    let template_path = tools.path().join("report.json");
    std::fs::write(&template_path, wats_report::wsjf::to_string(&template)).unwrap();
    let script = tools.path().join("conv.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif grep -q BAD \"$1\"; then echo \"cannot read $1: BAD marker\" >&2; exit 2; fi\ncat '{}'\n",
            template_path.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut station = Station::new(&server.url(), json!({}));
    let cfg = station.dir.path().join("cfg/default/config.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    doc["converters"][0]["converter"] = json!("external");
    doc["converters"][0]["command"] = json!([script.display().to_string()]);
    doc["converters"][0]["timeout_seconds"] = json!(10);
    std::fs::write(&cfg, doc.to_string()).unwrap();
    station.start();
    station.wait_running();
    std::fs::write(station.inbox().join("good.mtl"), "raw").unwrap();
    std::fs::write(station.inbox().join("bad.mtl"), "BAD").unwrap();
    // The id is the station's (derived from the file), not the one the program printed.
    wait(30, "the external converter's report on the server", || {
        server.ids_for_part("EXT-PN").len() == 1
    });
    wait(10, "the bad file in the error folder", || {
        station.inbox().join("Error/bad.mtl.error").exists()
    });
    let note = std::fs::read_to_string(station.inbox().join("Error/bad.mtl.error")).unwrap();
    assert!(note.contains("BAD marker"), "{note}");
    station.stop();
}

/// A folder converter: a unit is a folder, converted once its marker file is there (and it
/// holds the expected files); the whole folder moves to Done. A scheduled converter: a
/// program run every second whose reports are queued.
#[cfg(unix)]
#[test]
fn folder_and_scheduled_converters() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::start();
    let tools = tempfile::tempdir().unwrap();
    let exe = |name: &str, body: String| {
        let p = tools.path().join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p.display().to_string()
    };
    let template = tools.path().join("t.json");
    std::fs::write(
        &template,
        wats_report::wsjf::to_string(&generated("FOLD-PN", "FOLD-SN", true)),
    )
    .unwrap();
    // The folder converter checks it got the folder with its data file.
    let folder_conv = exe(
        "folder.sh",
        format!("test -d \"$1\" && test -f \"$1/data.txt\" || {{ echo \"not a unit folder: $1\" >&2; exit 1; }}\ncat '{}'", template.display()),
    );
    let counter = tools.path().join("n");
    let sched_template = tools.path().join("s.json");
    std::fs::write(
        &sched_template,
        wats_report::wsjf::to_string(&generated("SCHED-PN", "SCHED", true)),
    )
    .unwrap();
    let sched_conv = exe(
        "sched.sh",
        format!(
            "n=$(cat '{c}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '{c}'\nsed -e \"s/\\\"sn\\\":\\\"SCHED\\\"/\\\"sn\\\":\\\"SCHED-$n\\\"/\" -e 's/\"id\":\"[^\"]*\",//' '{t}'",
            c = counter.display(),
            t = sched_template.display()
        ),
    );
    let mut station = Station::new(&server.url(), json!({}));
    let units = station.dir.path().join("units");
    std::fs::create_dir_all(&units).unwrap();
    let cfg = station.dir.path().join("cfg/default/config.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    doc["converters"] = json!([
        { "name": "units", "converter": "external", "converter_type": "folder",
          "command": [folder_conv], "watch_folder": units.display().to_string(),
          "readiness_marker": "READY", "expected_files": ["data.*"], "min_file_count": 2 },
        { "name": "sync", "converter": "external", "converter_type": "scheduled",
          "command": [sched_conv], "schedule_interval_seconds": 1, "run_on_startup": true,
          "watch_folder": "" }
    ]);
    std::fs::write(&cfg, doc.to_string()).unwrap();
    station.start();
    station.wait_running();

    // A complete unit and one whose marker came before its data.
    let u1 = units.join("unit-1");
    std::fs::create_dir_all(&u1).unwrap();
    std::fs::write(u1.join("data.txt"), "measurements").unwrap();
    std::fs::write(u1.join("READY"), "").unwrap();
    let u2 = units.join("unit-2");
    std::fs::create_dir_all(&u2).unwrap();
    std::fs::write(u2.join("READY"), "").unwrap();
    wait(30, "the complete unit folder in Done", || {
        units.join("Done/unit-1/data.txt").exists()
    });
    assert!(u2.join("READY").exists(), "an incomplete unit waits");
    std::fs::write(u2.join("data.txt"), "late data").unwrap();
    wait(30, "the second unit once complete", || {
        units.join("Done/unit-2").exists()
    });
    wait(30, "both folder reports on the server", || {
        server.ids_for_part("FOLD-PN").len() == 2
    });
    // The scheduled program ran at start and then every second.
    wait(30, "scheduled reports", || {
        server.ids_for_part("SCHED-PN").len() >= 2
    });
    station.stop();
}

/// `restart` reads the configuration again in the same process: a converter enabled in the
/// file while running starts to work after the restart.
#[test]
fn restart_reads_the_configuration_again() {
    let server = Server::start();
    let mut station = Station::new(&server.url(), json!({}));
    station.start();
    station.wait_running();
    let pid = station.status().unwrap()["pid"].clone();
    let second = station.dir.path().join("second");
    std::fs::create_dir_all(&second).unwrap();
    let (code, _, err) = station.run(&[
        "config",
        "set",
        "converters.1",
        &json!({
            "name": "second", "converter": "wsjf", "watch_folder": second.display().to_string()
        })
        .to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = station.run(&["restart"]);
    assert_eq!(code, 0, "{err}");
    // The control API is down for a moment while the station restarts: ask until it answers
    // (the report delivered from the new folder below proves the restart happened).
    let mut now = Value::Null;
    wait(20, "the restarted station", || {
        station.status().map(|s| now = s["pid"].clone()).is_some()
    });
    assert_eq!(now, pid, "same process");
    let report = generated("RESTART-PN", "SN-R", true);
    std::fs::write(second.join("r.json"), wats_report::wsjf::to_string(&report)).unwrap();
    wait(30, "the new folder's report on the server", || {
        server.get(report.id.unwrap()).is_some()
    });
    station.stop();
}
