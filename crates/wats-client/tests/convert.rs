//! `wats-client convert`, run as a real process.

use std::path::PathBuf;
use std::process::{Command, Output};

fn samples() -> PathBuf {
    std::env::var("WATS_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples")
        })
}

/// Runs `convert` without any station configuration (an empty configuration folder).
fn convert(args: &[&str]) -> Output {
    let empty = temp_dir("no-config");
    Command::new(env!("CARGO_BIN_EXE_wats-client"))
        .arg("convert")
        .args(args)
        .env("WATS_CLIENT_CONFIG_DIR", &empty)
        .env_remove("WATS_CLIENT_DATA_DIR")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wats-client-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn converts_a_valid_report_to_wsjf() {
    let file = samples().join("wats/uur-example.json");
    let out = convert(&[file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["type"], "R");
    assert_eq!(json["sn"], "MODULE-20251221230142-5519");
    // Server-filled fields are not sent.
    assert!(json.get("startUTC").is_none());
}

#[test]
fn wsxf_is_detected_and_converted_to_the_same_report() {
    // A report written as WSXF by the library comes out as the WSJF it was made from.
    let dir = temp_dir("wsxf");
    let text = std::fs::read_to_string(samples().join("wats/uur-example.json")).unwrap();
    let report = wats_report::wsjf::from_str(&text).unwrap();
    let xml_file = dir.join("report.xml");
    std::fs::write(&xml_file, wats_report::wsxf::to_string(&report)).unwrap();
    let json_file = dir.join("out.json");
    let out = convert(&[
        xml_file.to_str().unwrap(),
        "--out",
        json_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let back: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_file).unwrap()).unwrap();
    let expected = serde_json::to_value(report.for_submission()).unwrap();
    // XML has no empty lists and no nulls: compare with both removed.
    assert_eq!(without_empties(back), without_empties(expected));
}

/// Drops nulls and empty arrays (which XML cannot express) from a JSON value.
fn without_empties(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, v)| (k, without_empties(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_empties).collect()),
        other => other,
    }
}

#[test]
fn the_uut_export_is_refused_with_the_servers_reasons() {
    for name in ["uut-wsjf-export.json", "uut-wsxf-export.xml"] {
        let file = samples().join("wats").join(name);
        let out = convert(&[file.to_str().unwrap(), "--rules", "wats"]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = stderr(&out);
        assert!(err.contains(name), "{err}");
        assert!(err.contains("endingIndex"), "{err}");
        assert!(err.contains("root.steps["), "{err}");
        assert!(out.stdout.is_empty());
    }
}

/// Without a configured WATS server the target is the embedded one, which takes WATS's own
/// exports back: `convert` checks those rules by default, and `--rules local` says so.
#[test]
fn the_uut_export_passes_the_local_rules() {
    for name in ["uut-wsjf-export.json", "uut-wsxf-export.xml"] {
        let file = samples().join("wats").join(name);
        for args in [&[][..], &["--rules", "local"][..]] {
            let mut all = vec![file.to_str().unwrap(), "--compact"];
            all.extend_from_slice(args);
            let out = convert(&all);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{name} {args:?}: {}",
                stderr(&out)
            );
        }
    }
}

#[test]
fn bad_input_names_the_file_and_place() {
    let dir = temp_dir("bad");
    let cases: &[(&str, &str, &str)] = &[
        ("truncated.json", r#"{"type":"T","root":{"steps":["#, "EOF"),
        (
            "wrongtype.json",
            r#"{"type":"T","root":{"steps":[{"numericMeas":[{"value":"x"}]}]}}"#,
            "root.steps[0].numericMeas[0].value",
        ),
        (
            "garbage.bin",
            "\u{1}\u{2}garbage",
            "no converter recognises this file",
        ),
        (
            "bomb.xml",
            r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Reports><Report SN="&b;"/></Reports>"#,
            "bomb.xml",
        ),
    ];
    for (name, content, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        let out = convert(&[path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = stderr(&out);
        assert!(err.contains(name), "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

#[test]
fn a_huge_file_is_refused_before_it_is_read() {
    let dir = temp_dir("huge");
    let path = dir.join("huge.json");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(1 << 30).unwrap(); // 1 GiB, sparse: no disk used
    let out = convert(&[path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("huge.json") && err.contains("limit"), "{err}");
    // Under the limit, 1 GiB of garbage is read and refused at its first byte, without a panic.
    let out = convert(&[path.to_str().unwrap(), "--max-bytes", "2000000000"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains("panicked"));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn usage_errors_exit_2() {
    let out = convert(&[]);
    assert_eq!(out.status.code(), Some(2));
    let out = convert(&["x.json", "--converter", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("available: wsjf, wsxf"));
}

/// Every vendor sample through the real binary: detected, converted, printed as WSJF (an
/// array when the file holds several reports).
#[test]
fn every_vendor_sample_converts_from_the_command_line() {
    let cases: &[(&str, usize)] = &[
        ("csv/sample-enhanced.csv", 1),
        ("spea-3030/testdata_SN9871234012.csv", 10),
        ("teradyne-gr228x/43420_BIO2.LOG", 3),
        ("teradyne-spectrum/sample_ict_data.txt", 1),
        ("atml/ATML 2.02 [123456789][2 30 27 PM][5 15 2019].XML", 1),
        ("atml/ATML 5.00 [2 31 11 PM][5 15 2019].xml", 1),
        ("teststand-xml/TSWithWats.xml", 1),
        ("takaya/V682780_B_BOT-20230301082027.ATD", 2),
        ("takaya-apt94xx/11111-BV0001 (AT33).ATD", 1),
        ("xjtag/1234_14_25_32_10.08.2018_Pass.xjlog", 1),
        ("klippel/DUT xyz115 2020-05-14 10-01-37-5 UTC+0200.txt", 1),
        ("listen/Complete test 7-22-2020 (002).txt", 8),
        ("saki/SAKI-testdata.xml", 1),
        ("sigmaquest/testdata_SN651658.xml", 1),
    ];
    for (rel, count) in cases {
        let path = samples().join(rel);
        let out = convert(&[path.to_str().unwrap(), "--compact"]);
        assert_eq!(out.status.code(), Some(0), "{rel}: {}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let reports = match &json {
            serde_json::Value::Array(a) => a.len(),
            _ => 1,
        };
        assert_eq!(reports, *count, "{rel}");
    }
}

/// ATML is converted as Virinco's own converter does, in AutoTruncate mode: a step name over
/// WATS's 100 characters is cut (on a character boundary) and the cut recorded, instead of the
/// report being refused.
#[test]
fn an_overlong_atml_step_name_is_cut_and_the_cut_recorded() {
    let sample = samples().join("atml/ATML 2.02 [123456789][2 30 27 PM][5 15 2019].XML");
    let text = std::fs::read_to_string(&sample).unwrap();
    let long = format!("CPU Diagnostics {}", "é".repeat(127));
    assert_eq!(long.chars().count(), 143);
    let edited = text.replacen("name=\"CPU Diagnostics\"", &format!("name=\"{long}\""), 1);
    assert_ne!(edited, text, "the sample has the step");
    let dir = temp_dir("truncate");
    let file = dir.join("long.xml");
    std::fs::write(&file, edited).unwrap();
    let out = convert(&[file.to_str().unwrap(), "--compact"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("143→100"), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cut = long.chars().take(100).collect::<String>();
    assert!(
        serde_json::to_string(&report["root"])
            .unwrap()
            .contains(&format!("\"{cut}\"")),
        "the step name cut to 100 characters"
    );
    let misc = report["miscInfos"].as_array().unwrap();
    assert!(misc
        .iter()
        .any(|m| m["description"] == "AutoTruncate"
            && m["text"].as_str().unwrap().contains("143→100")));
}
