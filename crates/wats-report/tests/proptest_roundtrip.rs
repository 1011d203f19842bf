//! Random valid reports survive write → read unchanged.

mod strategies;

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
}
