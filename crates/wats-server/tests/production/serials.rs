//! Serial numbers: types, take, lookups, free and reuse, files, 8 concurrent clients.

use super::*;

/// A serial-number type with `n` generated numbers; answers its name.
pub async fn sn_type(w: &Wats, format: &str, identifier: i32, n: i64) -> String {
    let name = unique("SNT");
    let saved = w
        .production()
        .save_serial_number_types(&[SerialNumberType {
            name: Some(name.clone()),
            description: Some("test".into()),
            format: Some(format.into()),
            identifier: Some(SerialNumberIdentifier(identifier)),
            ..Default::default()
        }])
        .await
        .unwrap();
    assert!(saved[0].identifier_name.is_some());
    if n > 0 {
        let added = w
            .production()
            .generate_serial_numbers(&name, "1", &n.to_string())
            .await
            .unwrap();
        assert_eq!(added, n);
    }
    name
}

pub async fn serial_numbers(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let t = sn_type(&w, "SN-######", 0, 10).await;
    assert!(p
        .serial_number_types()
        .await
        .unwrap()
        .iter()
        .any(|x| x.name.as_deref() == Some(t.as_str())));
    let opts = TakeOptions::for_unit("MAIN-1", "BOX-1").station("ST-7");
    let got = p.take_serial_numbers(&t, 3, &opts).await.unwrap();
    assert_eq!(got, ["SN-000001", "SN-000002", "SN-000003"]);
    // More than are free: refused, nothing taken.
    bad_request(
        p.take_serial_numbers(&t, 8, &TakeOptions::default()).await,
        "7 free",
    );
    let stats = p.serial_number_statistics(Some(&t)).await.unwrap();
    assert_eq!(
        (stats.free, stats.taken, stats.total),
        (Some(7), Some(3), Some(10))
    );
    assert_eq!(p.serial_number_count(&t, None, None).await.unwrap(), 3);
    assert_eq!(
        p.serial_number_count(&t, Some("2"), Some("SN-000009"))
            .await
            .unwrap(),
        2
    );
    let by_ref = p
        .serial_numbers_by_reference(&t, Some("MAIN-1"), None)
        .await
        .unwrap();
    assert_eq!(by_ref.len(), 3);
    assert_eq!(by_ref[0].station_name.as_deref(), Some("ST-7"));
    assert_eq!(by_ref[0].ref_pn.as_deref(), Some("BOX-1"));
    assert_eq!(by_ref[0].state.as_deref(), Some("Taken"));
    let range = p.serial_numbers_by_range(&t, "2", "4").await.unwrap();
    let states: Vec<_> = range.iter().map(|r| r.state.clone().unwrap()).collect();
    assert_eq!(states, ["Taken", "Taken", "Free"]);
    assert_eq!(
        p.find_serial_numbers(&t, "1", "10").await.unwrap().len(),
        10
    );

    // A freed range is handed out first.
    let freed = p
        .free_serial_numbers(&[SerialNumberRange {
            type_name: Some(t.clone()),
            start_address: Some("SN-000002".into()),
            end_address: Some("2".into()),
            ..Default::default()
        }])
        .await
        .unwrap();
    assert_eq!(freed, 1);
    let again = p
        .take_serial_numbers(&t, 2, &TakeOptions::default())
        .await
        .unwrap();
    assert_eq!(again, ["SN-000002", "SN-000004"]);
    let ranges = p.serial_number_ranges(Some(&t)).await.unwrap();
    assert_eq!(ranges.len(), 1);
    assert_eq!(ranges[0].start_address.as_deref(), Some("1"));
    assert_eq!(ranges[0].end_address.as_deref(), Some("10"));
    assert_eq!(ranges[0].taken, Some(4));
    // Delete free numbers of a range.
    let deleted = p
        .delete_free_serial_numbers(&[SerialNumberRange {
            type_name: Some(t.clone()),
            start_address: Some("9".into()),
            end_address: Some("10".into()),
            ..Default::default()
        }])
        .await
        .unwrap();
    assert_eq!(deleted, 2);
    assert_eq!(
        p.serial_number_ranges(Some(&t)).await.unwrap()[0]
            .end_address
            .as_deref(),
        Some("8")
    );

    // MAC addresses: hexadecimal.
    let mac = sn_type(&w, "00:1A:##:##:##:##", 1, 0).await;
    p.generate_serial_numbers(&mac, "00:1A:00:00:00:FE", "00:1A:00:00:01:01")
        .await
        .unwrap();
    let got = p
        .take_serial_numbers(&mac, 2, &TakeOptions::default())
        .await
        .unwrap();
    assert_eq!(got, ["00:1A:00:00:00:FE", "00:1A:00:00:00:FF"]);
    not_found(
        p.take_serial_numbers("NO-SUCH-TYPE", 1, &TakeOptions::default())
            .await,
        "NO-SUCH-TYPE",
    );
}

pub async fn serial_number_files(s: &TestServer) {
    let w = client(s);
    let p = w.production();
    let t = sn_type(&w, "IMP-####", 0, 0).await;
    let csv = format!("serialNumberType,serialNumber,state\n{t},IMP-0007\n{t},IMP-0003,Free\n{t},X-EXTERNAL,Reserved\n");
    assert_eq!(
        p.import_serial_numbers(csv, SerialFormat::Csv)
            .await
            .unwrap(),
        3
    );
    // A bad line: 400 naming it, nothing imported.
    let bad = format!("{t},IMP-0010\n{t},IMP-0011,Lost\n");
    bad_request(
        p.import_serial_numbers(bad, SerialFormat::Csv).await,
        "line 2",
    );
    let dup = format!("{t},IMP-0012\n{t},IMP-0007\n");
    bad_request(
        p.import_serial_numbers(dup, SerialFormat::Csv).await,
        "line 2",
    );
    bad_request(
        p.import_serial_numbers("NOPE-TYPE,A\n", SerialFormat::Csv)
            .await,
        "line 1",
    );
    let xml = format!("<SerialNumbers serialNumberType=\"{t}\">\n  <SN id=\"IMP-0020\"/>\n  <SN id=\"IMP-0021\" state=\"Taken\" refSN=\"U1\"/>\n</SerialNumbers>");
    assert_eq!(
        p.import_serial_numbers(xml, SerialFormat::Xml)
            .await
            .unwrap(),
        2
    );
    bad_request(
        p.import_serial_numbers(
            format!("<SerialNumbers serialNumberType=\"{t}\">\n<SN/>"),
            SerialFormat::Xml,
        )
        .await,
        "line 2",
    );
    let stats = p.serial_number_statistics(Some(&t)).await.unwrap();
    assert_eq!(
        (stats.total, stats.reserved, stats.taken),
        (Some(5), Some(1), Some(1))
    );
    // Imported numbers the format reads are taken by address.
    let got = p
        .take_serial_numbers(&t, 2, &TakeOptions::default())
        .await
        .unwrap();
    assert_eq!(got, ["IMP-0003", "IMP-0007"]);

    // Export, then import into a fresh type: the same numbers and states.
    let csv = p
        .export_serial_numbers(&t, None, SerialFormat::Csv)
        .await
        .unwrap();
    let csv = String::from_utf8(csv.to_vec()).unwrap();
    assert!(csv.starts_with("serialNumberType,serialNumber,state"));
    assert_eq!(csv.lines().count(), 6);
    let xml = p
        .export_serial_numbers(&t, Some("Taken"), SerialFormat::Xml)
        .await
        .unwrap();
    let xml = String::from_utf8(xml.to_vec()).unwrap();
    assert_eq!(xml.matches("<SN ").count(), 3, "{xml}");
    let t2 = sn_type(&w, "IMP-####", 0, 0).await;
    let moved = csv.replace(&t, &t2);
    assert_eq!(
        p.import_serial_numbers(moved, SerialFormat::Csv)
            .await
            .unwrap(),
        5
    );
    let stats2 = p.serial_number_statistics(Some(&t2)).await.unwrap();
    assert_eq!((stats2.taken, stats2.reserved), (Some(3), Some(1)));
}

pub async fn concurrent_serial_numbers(s: &TestServer) {
    const CLIENTS: usize = 8;
    const EACH: usize = 1000;
    let w = client(s);
    let t = sn_type(&w, "C-#########", 0, (CLIENTS * EACH) as i64 + 100).await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let w = client(s);
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let opts = TakeOptions::default().station(format!("ST-{c}"));
            let mut mine = Vec::with_capacity(EACH);
            for _ in 0..EACH {
                mine.extend(
                    w.production()
                        .take_serial_numbers(&t, 1, &opts)
                        .await
                        .unwrap(),
                );
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), CLIENTS * EACH);
    assert_eq!(
        distinct.len(),
        CLIENTS * EACH,
        "a number was handed out twice"
    );
    let count = w
        .production()
        .serial_number_count(&t, None, None)
        .await
        .unwrap();
    assert_eq!(count, (CLIENTS * EACH) as i64);
    let stats = w
        .production()
        .serial_number_statistics(Some(&t))
        .await
        .unwrap();
    assert_eq!(stats.free, Some(100));
    eprintln!(
        "FIGURE serial numbers, {CLIENTS} clients x {EACH} takes of 1 ({}): {:.0}/s ({} in {:.2} s)",
        backend(s),
        all.len() as f64 / elapsed.as_secs_f64(),
        all.len(),
        elapsed.as_secs_f64()
    );
}
