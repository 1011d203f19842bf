//! Every sample file a built-in converter reads is converted (format detected from the
//! content), validated, and accepted by a real `wats-server`, and reads back with the same
//! serial numbers.

use std::path::PathBuf;

use wats::report::FetchOptions;
use wats_convert::{Context, Registry, Source};
use wats_report::Validator;

/// The samples with a converter today, and the converter detection must pick.
const SAMPLES: &[(&str, &str)] = &[
    ("wats/uur-example.json", "wsjf"),
    ("csv/sample-enhanced.csv", "csv"),
    ("spea-3030/testdata_SN9871234012.csv", "spea-3030"),
    ("teradyne-gr228x/43420_BIO2.LOG", "teradyne-gr228x"),
    ("teradyne-gr228x/43420_BIO2_Extended.LOG", "teradyne-gr228x"),
    ("sigmaquest/testdata_SN651658.xml", "sigmaquest"),
    ("saki/SAKI-testdata.xml", "saki-aoi"),
    (
        "klippel/DUT xyz115 2020-05-14 10-01-37-5 UTC+0200.txt",
        "klippel",
    ),
    (
        "listen/Complete test 7-22-2020 (002).txt",
        "listen-soundcheck",
    ),
    ("takaya/V682780_B_BOT-20230301082027.ATD", "takaya"),
    ("takaya-apt94xx/11111-BV0001 (AT33).ATD", "takaya-apt94xx"),
    ("teststand-xml/TSWithWats.xml", "teststand-xml"),
    (
        "atml/ATML 2.02 [123456789][2 30 27 PM][5 15 2019].XML",
        "atml",
    ),
    ("atml/ATML 5.00 [2 31 11 PM][5 15 2019].xml", "atml"),
    ("teradyne-spectrum/sample_ict_data.txt", "teradyne-spectrum"),
    ("xjtag/1234_14_25_32_10.08.2018_Pass.xjlog", "xjtag"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_converted_sample_is_accepted_by_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = wats_server::start(wats_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: wats_server::Database::Dir(dir.path().to_owned()),
        admin: Some(("u".into(), "p".into())),
        max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
    })
    .await
    .unwrap();
    let wats = wats::Wats::builder()
        .base_url(format!("http://{}", server.addr))
        .credentials("u", "p")
        .no_rate_limit()
        .no_cache()
        .build()
        .unwrap();
    let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples");
    let registry = Registry::builtin();
    let mut total = 0;
    for (rel, expected) in SAMPLES {
        let path = samples.join(rel);
        let bytes = std::fs::read(&path).unwrap();
        let (name, reports) = registry
            .convert(None, &Source::new(&path, &bytes), &Context::default())
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(&name, expected, "{rel}: detection");
        for r in &reports {
            let errors = Validator::default().validate(r);
            assert!(errors.is_empty(), "{rel}: {errors:?}");
            let submitted = r.for_submission();
            if submitted.is_uur() {
                wats.report().submit_uur(&submitted).await
            } else {
                wats.report().submit(&submitted).await
            }
            .unwrap_or_else(|e| panic!("{rel}: the server refused {:?}: {e}", r.sn));
            let back = wats
                .report()
                .get_wsjf(r.id.unwrap(), &FetchOptions::default())
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{rel}: {:?} not found", r.id));
            assert_eq!(back.sn, r.sn, "{rel}");
            assert_eq!(back.result, r.result, "{rel}");
            total += 1;
        }
    }
    assert!(total >= 17, "{total} reports");
    server.stop().await.unwrap();
}
