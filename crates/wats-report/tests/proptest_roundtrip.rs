//! Random valid reports survive write → read unchanged.

use crate::strategies;

use proptest::prelude::*;
use wats_report::wsjf;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn wsjf_write_read(report in strategies::uut_report()) {
        let text = wsjf::to_string(&report);
        let back = wsjf::from_str(&text).unwrap();
        prop_assert_eq!(&back, &report);
        // Writing again gives the same text.
        prop_assert_eq!(wsjf::to_string(&back), text);
    }

    /// The fast writer writes exactly what the serde `Serialize` impls write.
    #[test]
    fn fast_writer_equals_serde(report in strategies::uut_report()) {
        prop_assert_eq!(wsjf::to_string(&report), serde_json::to_string(&report).unwrap());
    }
}

#[test]
fn fast_writer_equals_serde_on_samples_and_edge_values() {
    for name in ["uut-wsjf-export.json", "uur-example.json"] {
        let text = wats_test_support::sample_text(&format!("wats/{name}"));
        let report = wsjf::from_str(&text).unwrap();
        assert_eq!(
            wsjf::to_string(&report),
            serde_json::to_string(&report).unwrap(),
            "{name}"
        );
    }
    let text = r#"{"sn":"a\"b\\c\n\u0001\u001f\u007f é 😀","root":{"numericMeas":[{"value":"NaN","lowLimit":-1e-300,"highLimit":1e300}],"x":{"k\"ey":[1,2.5,null,true]}},"processCode":-9223372036854775808}"#;
    let report = wsjf::from_str(text).unwrap();
    assert_eq!(
        wsjf::to_string(&report),
        serde_json::to_string(&report).unwrap()
    );
}
