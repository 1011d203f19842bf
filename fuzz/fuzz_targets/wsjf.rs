//! Any bytes into the WSJF reader: an error or a report, never a panic. A report that reads
//! must also write, validate and read back equal.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = wats_report::wsjf::from_slice(data) {
        let _ = report.validate();
        let text = wats_report::wsjf::to_string(&report);
        let back = wats_report::wsjf::from_str(&text).expect("written WSJF reads back");
        assert_eq!(wats_report::wsjf::to_string(&back), text);
    }
});
