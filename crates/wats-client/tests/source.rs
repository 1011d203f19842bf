//! Watch-folder sources on a real file system: events, rescans, stability, the ledger, and
//! replayed create/rename/truncate/delete sequences.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wats_client::source::{hash_file, ReadyFile, Source, SourceConfig, WatchMode};

const WAIT: Duration = Duration::from_secs(15);

struct Dir {
    _tmp: tempfile::TempDir,
    watch: PathBuf,
    ledger: PathBuf,
}

fn dir() -> Dir {
    let tmp = tempfile::tempdir().unwrap();
    let root = fs::canonicalize(tmp.path()).unwrap();
    let watch = root.join("inbox");
    fs::create_dir(&watch).unwrap();
    Dir {
        ledger: root.join("data/ledger.sqlite"),
        watch,
        _tmp: tmp,
    }
}

/// Events on, no periodic rescan during the test (so what is found came from events or the
/// start-up scan), short settle.
fn events_config(d: &Dir) -> SourceConfig {
    SourceConfig {
        settle: Duration::from_millis(300),
        rescan_interval: Duration::from_secs(3600),
        ..SourceConfig::new("test", &d.watch)
    }
}

fn poll_config(d: &Dir) -> SourceConfig {
    SourceConfig {
        mode: WatchMode::Poll,
        rescan_interval: Duration::from_millis(150),
        ..events_config(d)
    }
}

async fn next(src: &mut Source) -> ReadyFile {
    tokio::time::timeout(WAIT, src.next())
        .await
        .expect("a file within the wait")
        .expect("source running")
}

async fn none_for(src: &mut Source, d: Duration) {
    if let Ok(Some(f)) = tokio::time::timeout(d, src.next()).await {
        panic!("unexpected file {f:?}");
    }
}

fn write(path: &Path, content: &str) {
    fs::write(path, content).unwrap();
}

#[tokio::test]
async fn files_present_at_start_are_found_by_pattern() {
    let d = dir();
    write(&d.watch.join("a.json"), "{\"a\":1}");
    write(&d.watch.join("b.JSON.txt"), "no");
    write(&d.watch.join("c.json"), "{\"c\":2}");
    fs::create_dir(d.watch.join("sub")).unwrap();
    write(&d.watch.join("sub/d.json"), "not recursive");
    let mut src = Source::start(
        SourceConfig {
            patterns: vec!["*.json".into()],
            ..events_config(&d)
        },
        &d.ledger,
    )
    .unwrap();
    let mut got = [next(&mut src).await, next(&mut src).await];
    got.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(got[0].path, d.watch.join("a.json"));
    assert_eq!(got[0].size, 7);
    assert_eq!(got[0].hash, hash_file(&d.watch.join("a.json")).unwrap());
    assert_eq!(got[0].source, "test");
    assert_eq!(got[1].path, d.watch.join("c.json"));
    none_for(&mut src, Duration::from_millis(800)).await;
    assert_eq!(src.in_flight().len(), 2);
}

#[tokio::test]
async fn files_created_later_are_found_through_events() {
    let d = dir();
    let mut src = Source::start(events_config(&d), &d.ledger).unwrap();
    none_for(&mut src, Duration::from_millis(400)).await;
    let started = Instant::now();
    write(&d.watch.join("late.xml"), "<x/>");
    let f = next(&mut src).await;
    assert_eq!(f.path, d.watch.join("late.xml"));
    // No rescan runs within the hour: this came from an event.
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn polling_mode_finds_files_by_rescan() {
    let d = dir();
    let mut src = Source::start(poll_config(&d), &d.ledger).unwrap();
    none_for(&mut src, Duration::from_millis(300)).await;
    write(&d.watch.join("share.csv"), "a,b\n1,2\n");
    let f = next(&mut src).await;
    assert_eq!(f.path, d.watch.join("share.csv"));
    assert_eq!(f.size, 8);
}

#[tokio::test]
async fn a_file_being_written_is_not_yielded_until_stable() {
    let d = dir();
    let mut src = Source::start(
        SourceConfig {
            settle: Duration::from_millis(1000),
            ..events_config(&d)
        },
        &d.ledger,
    )
    .unwrap();
    let path = d.watch.join("slow.log");
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        let mut f = fs::File::create(&writer_path).unwrap();
        for i in 0..20 {
            writeln!(f, "line {i}").unwrap();
            f.flush().unwrap();
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    // While the writer is busy (a write every 100 ms for 2 s; settle 1 s), nothing is yielded.
    none_for(&mut src, Duration::from_millis(1800)).await;
    writer.join().unwrap();
    let f = next(&mut src).await;
    assert_eq!(f.path, path);
    let content = fs::read(&path).unwrap();
    assert_eq!(f.size, content.len() as u64);
    assert_eq!(f.hash, hash_file(&path).unwrap());
    assert!(String::from_utf8(content).unwrap().ends_with("line 19\n"));
}

#[tokio::test]
async fn acked_files_are_not_yielded_again_after_restart_but_unacked_ones_are() {
    let d = dir();
    write(&d.watch.join("done.json"), "1");
    write(&d.watch.join("pending.json"), "2");
    {
        let mut src = Source::start(events_config(&d), &d.ledger).unwrap();
        let mut got = [next(&mut src).await, next(&mut src).await];
        got.sort_by(|a, b| a.path.cmp(&b.path));
        src.ack(&got[0].path).unwrap();
        assert!(src.ack(&got[0].path).is_err(), "a second ack is refused");
        assert!(src.ack(&d.watch.join("nope")).is_err());
        // pending.json is yielded but never acked (the process "crashes" here).
        src.stop();
    }
    let mut src = Source::start(events_config(&d), &d.ledger).unwrap();
    let f = next(&mut src).await;
    assert_eq!(
        f.path,
        d.watch.join("pending.json"),
        "the unacked file comes back"
    );
    src.ack(&f.path).unwrap();
    none_for(&mut src, Duration::from_millis(1000)).await;
    src.stop();

    // A third start, now with a rescan running, still yields nothing.
    let mut src = Source::start(poll_config(&d), &d.ledger).unwrap();
    none_for(&mut src, Duration::from_millis(1000)).await;
}

/// Rows in the ledger (read straight from its database).
fn ledger_rows(d: &Dir) -> i64 {
    let conn = rusqlite::Connection::open(&d.ledger).unwrap();
    conn.query_row("SELECT COUNT(*) FROM seen", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn a_file_gone_before_its_ack_leaves_no_ledger_entry() {
    let d = dir();
    let done = d.watch.parent().unwrap().join("done");
    fs::create_dir(&done).unwrap();
    write(&d.watch.join("moved.json"), "1");
    write(&d.watch.join("kept.json"), "2");
    let mut src = Source::start(events_config(&d), &d.ledger).unwrap();
    let mut got = [next(&mut src).await, next(&mut src).await];
    got.sort_by(|a, b| a.path.cmp(&b.path));
    // What a station does with post_action=move: the file leaves, then it is acked.
    fs::rename(&got[1].path, done.join("moved.json")).unwrap();
    src.ack(&got[1].path).unwrap();
    src.ack(&got[0].path).unwrap();
    assert!(src.in_flight().is_empty());
    assert_eq!(
        ledger_rows(&d),
        1,
        "only the file still in the folder is recorded"
    );
    // A new file under the moved one's name is a new file.
    write(&d.watch.join("moved.json"), "3");
    let f = next(&mut src).await;
    assert_eq!(f.path, d.watch.join("moved.json"));
    src.stop();
}

#[tokio::test]
async fn a_file_changed_after_ack_is_yielded_again_a_touch_is_not() {
    let d = dir();
    let path = d.watch.join("result.xml");
    write(&path, "<run n=\"1\"/>");
    let mut src = Source::start(poll_config(&d), &d.ledger).unwrap();
    let first = next(&mut src).await;
    src.ack(&path).unwrap();

    // Same content, new mtime: not a new file.
    std::thread::sleep(Duration::from_millis(20));
    write(&path, "<run n=\"1\"/>");
    none_for(&mut src, Duration::from_millis(1200)).await;

    // New content under the same name: a new file.
    write(&path, "<run n=\"2\"/>");
    let second = next(&mut src).await;
    assert_eq!(second.path, path);
    assert_ne!(second.hash, first.hash);
    src.ack(&path).unwrap();

    // Truncated: changed again.
    fs::File::create(&path).unwrap();
    let third = next(&mut src).await;
    assert_eq!(third.size, 0);
    src.ack(&path).unwrap();
    none_for(&mut src, Duration::from_millis(800)).await;
}

#[tokio::test]
async fn a_file_changed_while_in_flight_is_yielded_again_after_its_ack() {
    let d = dir();
    let path = d.watch.join("r.json");
    write(&path, "v1");
    let mut src = Source::start(events_config(&d), &d.ledger).unwrap();
    let first = next(&mut src).await;
    write(&path, "v2 longer");
    none_for(&mut src, Duration::from_millis(800)).await; // still in flight
    src.ack(&path).unwrap();
    let second = next(&mut src).await;
    assert_ne!(second.hash, first.hash);
    assert_eq!(second.size, 9);

    // release: given back, yielded again.
    src.release(&path).unwrap();
    let third = next(&mut src).await;
    assert_eq!(third, second);
}

#[tokio::test]
async fn replayed_create_rename_truncate_delete_sequences() {
    let d = dir();
    let mut src = Source::start(
        SourceConfig {
            patterns: vec!["*.log".into()],
            ..events_config(&d)
        },
        &d.ledger,
    )
    .unwrap();

    // Write under a name that does not match, then rename into place (atomic writers).
    let tmp = d.watch.join("a.log.part");
    write(&tmp, "atomic content");
    none_for(&mut src, Duration::from_millis(600)).await;
    fs::rename(&tmp, d.watch.join("a.log")).unwrap();
    let a = next(&mut src).await;
    assert_eq!(a.path, d.watch.join("a.log"));
    assert_eq!(a.size, 14);
    src.ack(&a.path).unwrap();

    // Rotation: a.log → a.log.1 (not matching), a new a.log with other content.
    fs::rename(d.watch.join("a.log"), d.watch.join("a.log.1")).unwrap();
    write(&d.watch.join("a.log"), "rotated in");
    let rotated = next(&mut src).await;
    assert_eq!(rotated.path, d.watch.join("a.log"));
    assert_eq!(rotated.size, 10);
    src.ack(&rotated.path).unwrap();

    // Created and deleted before it settles: never yielded.
    write(&d.watch.join("gone.log"), "x");
    fs::remove_file(d.watch.join("gone.log")).unwrap();
    none_for(&mut src, Duration::from_millis(800)).await;

    // Deleted after its ack (moved to done), then the same name and content again: a new file.
    fs::remove_file(d.watch.join("a.log")).unwrap();
    std::thread::sleep(Duration::from_millis(400));
    write(&d.watch.join("a.log"), "rotated in");
    let again = next(&mut src).await;
    assert_eq!(again.hash, rotated.hash);
    src.ack(&again.path).unwrap();

    // Truncate and rewrite in quick steps: yielded once, with the final content.
    {
        let mut f = fs::File::create(d.watch.join("a.log")).unwrap();
        f.write_all(b"final").unwrap();
    }
    let fin = next(&mut src).await;
    assert_eq!(fin.size, 5);
    none_for(&mut src, Duration::from_millis(800)).await;
}

#[tokio::test]
async fn recursive_sources_skip_done_and_error_folders() {
    let d = dir();
    for sub in ["line1", "line1/deep", "Done", "Error"] {
        fs::create_dir_all(d.watch.join(sub)).unwrap();
    }
    write(&d.watch.join("top.xml"), "t");
    write(&d.watch.join("line1/deep/x.xml"), "x");
    write(&d.watch.join("Done/old.xml"), "old");
    write(&d.watch.join("Error/bad.xml"), "bad");
    let mut src = Source::start(
        SourceConfig {
            recursive: true,
            patterns: vec!["*.xml".into()],
            exclude: vec![d.watch.join("Done"), d.watch.join("Error")],
            ..events_config(&d)
        },
        &d.ledger,
    )
    .unwrap();
    let mut got = [next(&mut src).await.path, next(&mut src).await.path];
    got.sort();
    assert_eq!(
        got,
        [d.watch.join("line1/deep/x.xml"), d.watch.join("top.xml")]
    );
    none_for(&mut src, Duration::from_millis(600)).await;

    // A new subfolder arriving with a file in it (moved in whole) is found through events.
    let outside = d.watch.parent().unwrap().join("staging");
    fs::create_dir_all(outside.join("batch")).unwrap();
    write(&outside.join("batch/y.xml"), "y");
    fs::rename(outside.join("batch"), d.watch.join("batch")).unwrap();
    assert_eq!(next(&mut src).await.path, d.watch.join("batch/y.xml"));
    // Files landing in Done are not taken.
    write(&d.watch.join("Done/new.xml"), "n");
    none_for(&mut src, Duration::from_millis(800)).await;
}

#[tokio::test]
async fn relative_path_patterns_and_a_missing_folder_that_appears_later() {
    let d = dir();
    let later = d.watch.join("later");
    let mut src = Source::start(
        SourceConfig {
            patterns: vec!["in/*.csv".into()],
            recursive: true,
            rescan_interval: Duration::from_millis(200),
            ..SourceConfig::new("late", &later)
        },
        &d.ledger,
    )
    .unwrap();
    none_for(&mut src, Duration::from_millis(400)).await;
    fs::create_dir_all(later.join("in")).unwrap();
    fs::create_dir_all(later.join("other")).unwrap();
    write(&later.join("other/n.csv"), "no");
    write(&later.join("in/y.csv"), "yes");
    let f = next(&mut src).await;
    assert_eq!(f.path, later.join("in/y.csv"));
    none_for(&mut src, Duration::from_millis(600)).await;
}

#[tokio::test]
async fn several_folders_feed_one_stream_and_ack_in_one_transaction() {
    let d = dir();
    let second = d.watch.parent().unwrap().join("inbox2");
    fs::create_dir(&second).unwrap();
    write(&d.watch.join("one.json"), "1");
    write(&second.join("two.json"), "2");
    let configs = vec![
        SourceConfig {
            name: "ict".into(),
            ..events_config(&d)
        },
        SourceConfig {
            name: "aoi".into(),
            ..SourceConfig::new("aoi", &second)
        },
    ];
    let mut configs = configs;
    configs[1].settle = Duration::from_millis(300);
    let mut src = Source::start_many(configs.clone(), &d.ledger).unwrap();
    assert_eq!(src.names(), ["ict", "aoi"]);
    let mut got = [next(&mut src).await, next(&mut src).await];
    got.sort_by(|a, b| a.source.cmp(&b.source));
    assert_eq!(
        (got[0].source.as_str(), &got[0].path),
        ("aoi", &second.join("two.json"))
    );
    assert_eq!(
        (got[1].source.as_str(), &got[1].path),
        ("ict", &d.watch.join("one.json"))
    );
    let paths: Vec<PathBuf> = got.iter().map(|f| f.path.clone()).collect();
    assert!(src
        .ack_many(&[paths[0].clone(), d.watch.join("nope")])
        .is_err());
    assert_eq!(
        src.in_flight().len(),
        2,
        "a refused ack_many records nothing"
    );
    src.ack_many(&paths).unwrap();
    assert!(src.in_flight().is_empty());
    src.stop();
    let mut src = Source::start_many(configs, &d.ledger).unwrap();
    none_for(&mut src, Duration::from_millis(800)).await;
}

#[tokio::test]
async fn a_backlog_present_at_start_is_handed_over() {
    const N: usize = 2000;
    let d = dir();
    for i in 0..N {
        write(
            &d.watch.join(format!("r{i:05}.json")),
            &format!("{{\"n\":{i}}}"),
        );
    }
    let started = Instant::now();
    let mut src = Source::start(
        SourceConfig {
            settle: Duration::from_millis(50),
            ..events_config(&d)
        },
        &d.ledger,
    )
    .unwrap();
    let mut batch = Vec::new();
    let mut seen = std::collections::HashSet::new();
    while seen.len() < N {
        let f = tokio::time::timeout(Duration::from_secs(60), src.next())
            .await
            .expect("backlog handed over within a minute")
            .unwrap();
        assert!(seen.insert(f.path.clone()), "{} twice", f.path.display());
        batch.push(f.path);
        if batch.len() == 100 {
            src.ack_many(&batch).unwrap();
            batch.clear();
        }
    }
    src.ack_many(&batch).unwrap();
    let elapsed = started.elapsed();
    eprintln!(
        "{N} files handed over and acked in {elapsed:?} ({:.0} files/s)",
        N as f64 / elapsed.as_secs_f64()
    );
    none_for(&mut src, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_station_config_starts_its_enabled_converters() {
    use wats_client::config::{Config, ConverterConfig, Instance};
    let d = dir();
    let root = d.watch.parent().unwrap().to_path_buf();
    let off = root.join("off");
    fs::create_dir_all(d.watch.join("Done")).unwrap();
    fs::create_dir_all(&off).unwrap();
    write(&d.watch.join("r.xml"), "<r/>");
    write(&d.watch.join("r.txt"), "no");
    write(&d.watch.join("Done/old.xml"), "<old/>");
    write(&off.join("x.xml"), "<x/>");
    let config = Config {
        settle_seconds: 0.2,
        converters: vec![
            ConverterConfig {
                name: "ict".into(),
                watch_folder: d.watch.display().to_string(),
                file_patterns: vec!["*.xml".into()],
                recursive: true,
                ..Default::default()
            },
            ConverterConfig {
                name: "off".into(),
                watch_folder: off.display().to_string(),
                enabled: false,
                ..Default::default()
            },
        ],
        ..Config::default()
    };
    let instance = Instance::at("st", &root.join("cfg"), &root.join("data")).unwrap();
    let mut src = Source::for_station(&config, &instance).unwrap();
    assert_eq!(src.names(), ["ict"]);
    let f = next(&mut src).await;
    assert_eq!(
        (f.source.as_str(), f.path.as_path()),
        ("ict", d.watch.join("r.xml").as_path())
    );
    src.ack(&f.path).unwrap();
    none_for(&mut src, Duration::from_millis(800)).await;
    assert!(root.join("data/st/ledger.sqlite").exists());
}

#[tokio::test]
async fn a_watch_folder_removed_and_created_again_is_picked_up() {
    let d = dir();
    let mut src = Source::start(
        SourceConfig {
            rescan_interval: Duration::from_millis(300),
            ..events_config(&d)
        },
        &d.ledger,
    )
    .unwrap();
    write(&d.watch.join("a.json"), "a");
    let a = next(&mut src).await;
    src.ack(&a.path).unwrap();
    fs::remove_dir_all(&d.watch).unwrap();
    std::thread::sleep(Duration::from_millis(700));
    fs::create_dir(&d.watch).unwrap();
    std::thread::sleep(Duration::from_millis(700));
    write(&d.watch.join("a.json"), "a");
    let again = next(&mut src).await;
    assert_eq!(
        again.path,
        d.watch.join("a.json"),
        "the old entry was dropped when it went away"
    );
    src.ack(&again.path).unwrap();
    none_for(&mut src, Duration::from_millis(700)).await;
}

/// What the inbox holds besides files is never read, never retried in a loop, and said once:
/// a symlink out of the folder is handed over refused (target unread), one inside is taken, a
/// dangling one is refused, a FIFO and a folder named like a file are skipped and listed.
#[cfg(unix)]
#[tokio::test]
async fn links_and_special_files_are_refused_or_skipped_never_read() {
    use std::os::unix::fs::symlink;
    let d = dir();
    let outside = d.watch.parent().unwrap().join("secret.json");
    write(&outside, "{\"secret\":1}");
    write(&d.watch.join("real.json"), "{\"real\":1}");
    symlink(&outside, d.watch.join("out.json")).unwrap();
    symlink(d.watch.join("real.json"), d.watch.join("in.json")).unwrap();
    symlink(d.watch.join("nowhere.json"), d.watch.join("dangling.json")).unwrap();
    let fifo = d.watch.join("pipe.json");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    fs::create_dir(d.watch.join("folder.json")).unwrap();
    let mut src = Source::start(events_config(&d), &d.ledger).unwrap();
    let mut got = std::collections::BTreeMap::new();
    for _ in 0..4 {
        let f = next(&mut src).await;
        got.insert(
            f.path.file_name().unwrap().to_string_lossy().into_owned(),
            f,
        );
    }
    none_for(&mut src, Duration::from_millis(800)).await;
    let names: Vec<&str> = got.keys().map(String::as_str).collect();
    assert_eq!(names, ["dangling.json", "in.json", "out.json", "real.json"]);
    assert!(got["out.json"]
        .refused
        .as_deref()
        .unwrap()
        .contains("outside the watch folder"));
    assert!(got["out.json"].hash.is_empty(), "the target was not read");
    assert!(got["dangling.json"]
        .refused
        .as_deref()
        .unwrap()
        .contains("leads nowhere"));
    assert_eq!(got["in.json"].refused, None);
    assert_eq!(
        got["in.json"].hash,
        hash_file(&d.watch.join("real.json")).unwrap()
    );
    let skipped = src.skipped().list(10);
    let reasons: Vec<(String, &str)> = skipped
        .iter()
        .map(|(p, r)| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                r.as_str(),
            )
        })
        .collect();
    assert!(
        reasons.contains(&("pipe.json".into(), "a FIFO (named pipe), not a file")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(n, r)| n == "folder.json" && r.starts_with("a folder")),
        "{reasons:?}"
    );
    // A rescan says nothing new, and yields nothing again.
    src.rescan();
    none_for(&mut src, Duration::from_millis(800)).await;
    // Gone from the folder: forgotten.
    fs::remove_file(&fifo).unwrap();
    src.rescan();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!src
        .skipped()
        .list(10)
        .iter()
        .any(|(p, _)| p.ends_with("pipe.json")));
}

/// With `follow_symlinks`, a link out of the folder is taken like a file.
#[cfg(unix)]
#[tokio::test]
async fn follow_symlinks_takes_links_out_of_the_folder() {
    let d = dir();
    let outside = d.watch.parent().unwrap().join("shared.json");
    write(&outside, "{\"shared\":1}");
    std::os::unix::fs::symlink(&outside, d.watch.join("link.json")).unwrap();
    let mut src = Source::start(
        SourceConfig {
            follow_symlinks: true,
            ..events_config(&d)
        },
        &d.ledger,
    )
    .unwrap();
    let f = next(&mut src).await;
    assert_eq!(f.refused, None);
    assert_eq!(f.hash, hash_file(&outside).unwrap());
}
