//! The SVG charts parse as XML and hold the numbers of the fixture (see `tests/analytics.rs`):
//! yield per day, the Pareto of failing steps, the histogram of V with its limits and Cpk.
use crate::analytics::fixture;
use crate::common;

use common::{Backend, TestServer};
use fixture::{fixture, FROM, TO};
use quick_xml::events::Event;

async fn start(backend: Backend) -> Option<TestServer> {
    common::start(backend).await
}

both_backends!(super::start; charts_hold_the_numbers);

/// The SVG at `path`, checked to parse; with every element's attributes, in order.
async fn svg(s: &TestServer, path: &str) -> Vec<(String, Vec<(String, String)>)> {
    let r = s.get(path).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("image/svg+xml"), "{ct}");
    let text = r.text().await.unwrap();
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.unescape_value().unwrap().into_owned(),
                        )
                    })
                    .collect();
                out.push((
                    String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                    attrs,
                ));
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{path} is not XML: {e}\n{text}"),
        }
    }
    assert_eq!(out.first().map(|e| e.0.as_str()), Some("svg"));
    out
}

fn with<'a>(
    elements: &'a [(String, Vec<(String, String)>)],
    class: &str,
) -> Vec<&'a Vec<(String, String)>> {
    elements
        .iter()
        .filter(|(_, a)| {
            a.iter()
                .any(|(k, v)| k == "class" && v.split(' ').any(|c| c == class))
        })
        .map(|(_, a)| a)
        .collect()
}

fn attr<'a>(a: &'a [(String, String)], name: &str) -> &'a str {
    a.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

async fn charts_hold_the_numbers(s: &TestServer) {
    let p = fixture(s).await;
    let q = format!("partNumber={p}-P1&testOperation=ICT&dateFrom={FROM}&dateTo={TO}");
    let e = svg(s, &format!("/charts/yield.svg?{q}&dateGrouping=DAY")).await;
    let periods: Vec<(&str, &str, &str)> = with(&e, "period")
        .iter()
        .map(|a| {
            (
                attr(a, "data-period"),
                attr(a, "data-units"),
                attr(a, "data-fpy"),
            )
        })
        .collect();
    assert_eq!(
        periods,
        [
            ("2026-03-02T00:00:00Z", "2", "50"),
            ("2026-03-03T00:00:00Z", "2", "0"),
            ("2026-03-04T00:00:00Z", "2", "50"),
        ]
    );

    let e = svg(s, &format!("/charts/pareto.svg?{q}")).await;
    let bars: Vec<(&str, &str)> = with(&e, "bar")
        .iter()
        .map(|a| (attr(a, "data-step"), attr(a, "data-count")))
        .collect();
    assert_eq!(bars, [("Main¶V", "7"), ("Main¶I", "1")]);
    assert_eq!(attr(with(&e, "bar")[1], "data-cumulative"), "100");

    // U4's four V values: 4.0, 6.0, 6.0, 5.0; limits 4.5 and 5.5.
    let e = svg(
        s,
        &format!("/charts/histogram.svg?{q}&serialNumber={p}-U4&measurementPaths=Main%C2%B6V"),
    )
    .await;
    let counted: usize = with(&e, "bin")
        .iter()
        .map(|a| attr(a, "data-count").parse::<usize>().unwrap())
        .sum();
    assert_eq!(counted, 4);
    assert_eq!(attr(with(&e, "low")[0], "data-value"), "4.5");
    assert_eq!(attr(with(&e, "high")[0], "data-value"), "5.5");
    let stats = with(&e, "stats")[0];
    assert_eq!(attr(stats, "data-n"), "4");
    let cpk: f64 = attr(stats, "data-cpk").parse().unwrap();
    assert!((cpk - 0.25 / (3.0 * (2.75f64 / 3.0).sqrt())).abs() < 1e-9);

    // Bad input is a 400 naming it; nothing matched is an empty chart.
    let r = s
        .get("/charts/yield.svg?periodCount=soon")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("periodCount"));
    let e = svg(s, &format!("/charts/pareto.svg?partNumber={p}-none")).await;
    assert!(with(&e, "empty").len() == 1);
}
