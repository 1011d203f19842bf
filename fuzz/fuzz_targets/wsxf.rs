//! Any bytes into the WSXF reader: an error or a report, never a panic, and the content
//! detector must not panic either. A report that reads must write and read back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wats_report::Format::detect(data);
    if let Ok(report) = wats_report::wsxf::from_slice(data) {
        let _ = report.validate();
        let xml = wats_report::wsxf::to_string(&report);
        wats_report::wsxf::from_str(&xml).expect("written WSXF reads back");
    }
});
