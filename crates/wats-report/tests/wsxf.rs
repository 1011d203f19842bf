//! WSXF: the XML export reads to the same model as the JSON export of the same report, writing
//! is lossless, and malformed or hostile input gives a located error, never a panic.

use crate::common;
use crate::strategies;

use proptest::prelude::*;
use wats_report::*;

const XML: &str = "wats/uut-wsxf-export.xml";
const JSON: &str = "wats/uut-wsjf-export.json";

/// Model equality with a readable failure: the first differing JSON path.
fn assert_same(actual: &Report, expected: &Report) {
    if actual != expected {
        let a = without_nulls(serde_json::to_value(actual).unwrap());
        let e = without_nulls(serde_json::to_value(expected).unwrap());
        common::assert_json_eq(&a, &e, "$");
        panic!("models differ, but not in their JSON form: {actual:#?}\n{expected:#?}");
    }
}

/// Drops `null` members (presentation only, like the model's `nulls`).
fn without_nulls(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// XML has no way to say "an empty list": WATS writes zero elements, which read back as
/// absent. The JSON exports carry `[]` for these report-level lists, so they are compared as
/// absent. (`assetStats` has no WSXF element at all: it is server output.)
fn empty_lists_as_absent(mut r: Report) -> Report {
    fn clear<T>(list: &mut Option<Vec<T>>) {
        if list.as_ref().is_some_and(Vec::is_empty) {
            *list = None;
        }
    }
    clear(&mut r.misc_infos);
    clear(&mut r.sub_units);
    clear(&mut r.assets);
    clear(&mut r.asset_stats);
    clear(&mut r.binary_data);
    clear(&mut r.additional_data);
    r
}

fn json_model(rel: &str) -> Report {
    empty_lists_as_absent(wsjf::from_str(&common::sample(rel)).unwrap())
}

/// The two exports of report 33a2d408-… agree on every value. What differs is presentation
/// only: WSJF writes explicit `null`s (ignored by the model's equality), WSXF writes `""` for
/// null strings (`ProductName`, `Typedef`, `Units`, `XUnit`, `Version`, `Response`: read as
/// absent), and the JSON has `[]` for `assets`, `assetStats` and `additionalData`, which XML
/// cannot express (see [`empty_lists_as_absent`], the only normalization).
#[test]
fn xml_export_equals_json_export() {
    let from_xml = wsxf::from_str(&common::sample(XML)).unwrap();
    let from_json = json_model(JSON);
    assert_same(&from_xml, &from_json);
    // Stricter than the model's equality: spellings (`compOp`, time stamps) agree too.
    let as_json = |r: &Report| without_nulls(serde_json::to_value(r).unwrap());
    assert!(as_json(&from_xml) == as_json(&from_json));
}

#[test]
fn xml_roundtrip_is_stable() {
    let report = wsxf::from_str(&common::sample(XML)).unwrap();
    let written = wsxf::to_string(&report);
    let again = wsxf::from_str(&written).unwrap();
    assert_same(&again, &report);
    // Writing the model read back gives the same text.
    assert_eq!(wsxf::to_string(&again), written);
}

#[test]
fn json_to_xml_is_lossless() {
    let from_json = json_model(JSON);
    let back = wsxf::from_str(&wsxf::to_string(&from_json)).unwrap();
    assert_same(&back, &from_json);
}

/// Removes every ` name="…"` attribute.
fn strip_attr(text: &str, name: &str) -> String {
    let needle = format!(" {name}=\"");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        out.push_str(&rest[..at]);
        let value = &rest[at + needle.len()..];
        rest = &value[value.find('"').unwrap() + 1..];
    }
    out.push_str(rest);
    out
}

/// Removes every attribute with an empty value (` name=""`).
fn strip_empty_attrs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("=\"\"") {
        let start = rest[..at].rfind(' ').unwrap();
        out.push_str(&rest[..start]);
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

#[test]
fn writer_reproduces_the_export() {
    let sample = common::sample(XML);
    let written = wsxf::to_string(&wsxf::from_str(&sample).unwrap());
    assert!(written.starts_with(
        r#"<?xml version="1.0" encoding="utf-8"?><Reports xmlns="http://wats.virinco.com/schemas/WATS/Report/wsxf"><Report type="UUT" ID="33A2D408-3FC8-480B-B554-6866C77FD91C" Start="2026-01-30T22:01:41.4707353+01:00""#
    ));
    // Element for element and attribute for attribute the same document, except for what
    // carries no information:
    // * the export declares the unused xsd/xsi prefixes and writes `name=""` for null values
    //   (we leave absent values out);
    // * `MeasOrderNumber` is a running counter that the export starts at -1, we at 0;
    // * `Filename` is derived from `Filepath`, where the export left it "" on two loop
    //   summaries whose `Version` is null too.
    // `StepIndex` (iterations share their summary's), `MeasIndex`, the MiscInfo indexes and
    // every other attribute and element come out exactly as exported.
    let normalize = |xml: &str| {
        let xml = xml.replace(" />", "/>");
        let xml = strip_attr(&xml, "xmlns:xsd");
        let xml = strip_attr(&xml, "xmlns:xsi");
        let xml = strip_attr(&xml, "MeasOrderNumber");
        let xml = strip_attr(&xml, "Filename");
        strip_empty_attrs(&xml)
    };
    let (expected, actual) = (normalize(&sample), normalize(&written));
    if expected != actual {
        let at = expected
            .bytes()
            .zip(actual.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "written WSXF differs from the export at byte {at}:\n  export:  {}\n  written: {}",
            &expected[at.saturating_sub(80)..(at + 80).min(expected.len())],
            &actual[at.saturating_sub(80)..(at + 80).min(actual.len())]
        );
    }
}

#[test]
fn uur_roundtrip() {
    let from_json = json_model("wats/uur-example.json");
    let xml = wsxf::to_string(&from_json);
    for fragment in [
        r#"<Report type="UUR" ID="83AC0B8E-B575-4004-94DE-F905774C3ED8""#,
        r#"<UUR UserLoginName="RepairOperator" ConfirmDate="2025-12-21T22:01:45.472138+00:00" FinalizeDate="2025-12-21T22:01:45.472138+00:00" ExecutionTime="0" ReferencedUUT="873D67F8-7669-4F4B-A627-E598E444D323"><Comment>Thermal failure repaired</Comment><Process Code="90" Name="Burn In test"/></UUR>"#,
        r#"<Process Code="500" Name="Repair"/>"#,
        r#"<ReportUnitHierarchy Idx="0" PartType="Main" PN="PRODUCTION-TEST-MODULE" SN="MODULE-20251221230142-5519" Rev="A"/>"#,
        r#"<Failures Category="Component" Code="Burned Component" Idx="0" PartIdx="0" CompRef="U1" StepID="0" StepName="MainSequence Callback"><Comment>Thermal failure during burn-in - Reworked thermal interface</Comment></Failures>"#,
    ] {
        assert!(xml.contains(fragment), "missing {fragment}\nin {xml}");
    }
    assert_same(&wsxf::from_str(&xml).unwrap(), &from_json);
}

#[test]
fn uur_failures_attach_by_part_index() {
    // Failures may come before the unit they belong to; `PartIdx` names the unit's `Idx`.
    let xml = r#"<Reports xmlns="http://wats.virinco.com/schemas/WATS/Report/wsxf">
      <Report type="UUR" ID="83ac0b8e-b575-4004-94de-f905774c3ed8" Result="Passed">
        <UUR UserLoginName="op" Active="true" Parent="11111111-2222-3333-4444-555555555555">
          <Children>66666666-7777-8888-9999-000000000000</Children>
          <Children>{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}</Children>
          <Comment>fixed</Comment>
          <Process Code="90" Name="Burn In test" CodeFormat="0"/>
        </UUR>
        <Process Code="500"/>
        <Failures Category="Component" Code="Burned" Idx="0" PartIdx="1" CompRef="U7" Failcode="F00D">
          <Comment>replaced</Comment>
        </Failures>
        <Failures Category="Solder" Code="Short" Idx="1" PartIdx="0"/>
        <ReportUnitHierarchy Idx="0" PartType="Main" PN="P" SN="S" Rev="A"/>
        <ReportUnitHierarchy Idx="1" ParentIDX="0" PartType="PCBA" PN="P2" SN="S2" Rev="B" Position="3"/>
        <Binary FailIdx="0" BinaryDataIndex="0">
          <Data BinaryDataGUID="12345678-1234-1234-1234-123456789ABC" ContentType="image/png" size="3" FileName="a.png">AAEC</Data>
        </Binary>
      </Report>
    </Reports>"#;
    let r = wsxf::from_str(xml).unwrap();
    let uur = r.uur.as_ref().unwrap();
    assert_eq!(uur.active, Some(true));
    assert_eq!(uur.children.as_ref().unwrap().len(), 2);
    assert_eq!(uur.comment.as_deref(), Some("fixed"));
    assert_eq!(
        (uur.process_code, uur.process_name.as_deref()),
        (Some(90), Some("Burn In test"))
    );
    assert_eq!(r.process_code, Some(500));
    let units = r.sub_units.as_ref().unwrap();
    assert_eq!(units.len(), 2);
    let f0 = units[0].failures.as_ref().unwrap();
    let f1 = units[1].failures.as_ref().unwrap();
    assert_eq!(f0[0].code.as_deref(), Some("Short"));
    assert_eq!(f1[0].com_ref.as_deref(), Some("U7"));
    assert_eq!(f1[0].comment.as_deref(), Some("replaced"));
    assert_eq!(f1[0].extra["@Failcode"], "F00D");
    assert_eq!(units[1].parent_idx, Some(0));
    let binary = &r.binary_data.as_ref().unwrap()[0];
    assert_eq!(binary.name.as_deref(), Some("a.png"));
    assert_eq!(binary.data.as_deref(), Some("AAEC"));
    assert_eq!(binary.extra["@FailIdx"], "0");
    let written = wsxf::to_string(&r);
    assert!(written.contains(r#"<Binary FailIdx="0" BinaryDataIndex="0"><Data BinaryDataGUID="12345678-1234-1234-1234-123456789ABC" ContentType="image/png" size="3" FileName="a.png">AAEC</Data></Binary>"#), "{written}");
    assert_same(&wsxf::from_str(&written).unwrap(), &r);
}

#[test]
fn bare_report_root_and_namespace_prefixes() {
    let bare = r#"<Report type="UUT" ID="33a2d408-3fc8-480b-b554-6866c77fd91c" SN="1"><Process Code="10"/></Report>"#;
    let prefixed = r#"<?xml version="1.0"?><!-- exported --><w:Reports xmlns:w="urn:anything"><w:Report type="UUT" ID="33A2D408-3FC8-480B-B554-6866C77FD91C" SN="1"><w:Process w:Code="10"/></w:Report></w:Reports>"#;
    let a = wsxf::from_str(bare).unwrap();
    let b = wsxf::from_str(prefixed).unwrap();
    assert_same(&a, &b);
    assert_eq!(a.report_type, Some(ReportType::Uut));
    assert_eq!(a.process_code, Some(10));
    assert!(
        a.extra.is_empty(),
        "namespace declarations are not data: {:?}",
        a.extra
    );
    // A BOM is fine, as text or bytes.
    assert_same(&wsxf::from_str(&format!("\u{feff}{bare}")).unwrap(), &a);
    assert_same(
        &wsxf::from_slice(format!("\u{feff}{bare}").as_bytes()).unwrap(),
        &a,
    );
}

#[test]
fn unknown_attributes_survive() {
    let xml = r#"<Reports><Report type="UUT" Future="1"><UUT ParameterBaseVersion="7"/>
      <Step Id="1" Status="Unknown" module_time="0.5" Idx="3">
        <Loop num="1" weird="w"/>
        <NumericLimit NumericValue="1.5" Precision="high"/>
        <Chart idx="0" ChartType="Line" PlotName="p"><Series Name="s" DataType="XYG" Color="red"><ydata>1;2</ydata></Series></Chart>
      </Step></Report></Reports>"#;
    let r = wsxf::from_str(xml).unwrap();
    assert_eq!(r.extra["@Future"], "1");
    assert_eq!(r.uut.as_ref().unwrap().extra["@ParameterBaseVersion"], "7");
    let root = r.root.as_ref().unwrap();
    // `Unknown` is a WSXF-only step status: kept verbatim, not mapped to a Status.
    assert_eq!(root.status, None);
    assert_eq!(root.extra["@Status"], "Unknown");
    assert_eq!(root.extra["@module_time"], "0.5");
    assert_eq!(root.loop_info.as_ref().unwrap().extra["@weird"], "w");
    assert_eq!(
        root.numeric_meas.as_ref().unwrap()[0].extra["@Precision"],
        "high"
    );
    let chart = root.chart.as_ref().unwrap();
    assert_eq!(chart.extra["@PlotName"], "p");
    assert_eq!(chart.series.as_ref().unwrap()[0].extra["@Color"], "red");
    let written = wsxf::to_string(&r);
    for fragment in [
        r#" Future="1""#,
        r#" ParameterBaseVersion="7""#,
        r#" Status="Unknown""#,
        r#" Precision="high""#,
        r#" Color="red""#,
    ] {
        assert!(
            written.contains(fragment),
            "missing {fragment} in {written}"
        );
    }
    assert_same(&wsxf::from_str(&written).unwrap(), &r);
}

#[test]
fn extras_never_duplicate_or_break_attributes() {
    let mut r = Report {
        sn: Some("SN".into()),
        ..Default::default()
    };
    r.extra.insert("@SN".into(), "other".into()); // would duplicate SN
    r.extra.insert("@bad name".into(), "x".into()); // not an XML name
    r.extra
        .insert("jsonOnly".into(), serde_json::json!({"a": 1})); // no XML form
    r.extra.insert("@Count".into(), serde_json::json!(3));
    let written = wsxf::to_string(&r);
    assert!(
        written.contains(r#"<Report SN="SN" Count="3"/>"#),
        "{written}"
    );
    wsxf::from_str(&written).unwrap();
}

#[test]
fn empty_attributes_and_elements_are_absent() {
    let xml = r#"<Report type="UUT" ProductName="" SN=""><MiscInfo Description="d" Typedef=""/>
      <Step Id="1" Name="" TSGuid=""><NumericLimit NumericValue="" Units="" CompOperator="" LowLimit=""/>
      <MessagePopup Button="0" Response=""/><ReportText></ReportText></Step></Report>"#;
    let r = wsxf::from_str(xml).unwrap();
    assert_eq!((r.product_name.as_deref(), r.sn.as_deref()), (None, None));
    let misc = &r.misc_infos.as_ref().unwrap()[0];
    assert_eq!(
        (misc.typedef.as_deref(), misc.text.as_deref()),
        (None, None)
    );
    let root = r.root.as_ref().unwrap();
    assert_eq!(
        (
            root.name.as_deref(),
            root.ts_guid.as_deref(),
            root.report_text.as_deref()
        ),
        (None, None, None)
    );
    let m = &root.numeric_meas.as_ref().unwrap()[0];
    assert!(m.value.is_none() && m.unit.is_none() && m.comp_op.is_none() && m.low_limit.is_none());
    assert_eq!(root.message_popup.as_ref().unwrap().response, None);
}

#[test]
fn numbers_flags_and_special_values() {
    let xml = r#"<Report><Step Id="1" total_time="1.5E-3"><NumericLimit Name="a" NumericValue="INF" LowLimit="-INF" HighLimit="NaN" Status="P"/>
      <NumericLimit Name="b" NumericValue="-0.000123" LowLimit="1e300" HighLimit="  7 "/><Callexe ExitCode="17232"/></Step></Report>"#;
    let r = wsxf::from_str(xml).unwrap();
    let root = r.root.as_ref().unwrap();
    assert_eq!(root.tot_time, Some(0.0015));
    let m = root.numeric_meas.as_ref().unwrap();
    assert_eq!(m[0].value, Some(f64::INFINITY));
    assert_eq!(m[0].low_limit, Some(f64::NEG_INFINITY));
    assert!(m[0].high_limit.unwrap().is_nan());
    assert_eq!(m[0].status, Some(Status::Passed));
    assert_eq!(
        (m[1].value, m[1].low_limit, m[1].high_limit),
        (Some(-0.000123), Some(1e300), Some(7.0))
    );
    let written = wsxf::to_string(&r);
    assert!(
        written.contains(r#"NumericValue="INF" HighLimit="NaN" LowLimit="-INF""#),
        "{written}"
    );
    assert!(
        written.contains(r#"<Callexe ExitCode="17232" MeasIndex="0"/>"#),
        "{written}"
    );
    let back = wsxf::from_str(&written).unwrap();
    let m2 = back.root.as_ref().unwrap().numeric_meas.as_ref().unwrap();
    assert_eq!((m2[1].value, m2[1].low_limit), (m[1].value, m[1].low_limit));
}

#[test]
fn text_is_escaped_and_kept() {
    let r = Report {
        sn: Some("a<b>&\"c'  ".into()),
        location: Some("line1\nline2\ttab\r\nend".into()),
        purpose: Some("bell\u{7}gone\u{fffe}".into()),
        misc_infos: Some(vec![MiscInfo {
            description: Some("d".into()),
            text: Some("  <x> & \"y\" \r\n  ".into()),
            ..Default::default()
        }]),
        root: Some(Step {
            report_text: Some("\n  leading and trailing whitespace\r\n".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let written = wsxf::to_string(&r);
    assert!(
        written.contains(r#"SN="a&lt;b&gt;&amp;&quot;c'  ""#),
        "{written}"
    );
    assert!(
        written.contains(r#"Location="line1&#10;line2&#9;tab&#13;&#10;end""#),
        "{written}"
    );
    let back = wsxf::from_str(&written).unwrap();
    assert_eq!(back.sn, r.sn);
    assert_eq!(back.location, r.location);
    assert_eq!(back.misc_infos, r.misc_infos);
    assert_eq!(back.root, r.root);
    // XML 1.0 cannot carry control characters or U+FFFE: they are dropped, as the WATS client does.
    assert_eq!(back.purpose.as_deref(), Some("bellgone"));
    // Entities, character references and CDATA are read.
    let r = wsxf::from_str(r#"<Report SN="&#x41;&#66;&apos;"><MiscInfo Description="d">a<![CDATA[<b>]]>&amp;<!-- c -->c</MiscInfo></Report>"#).unwrap();
    assert_eq!(r.sn.as_deref(), Some("AB'"));
    assert_eq!(r.misc_infos.unwrap()[0].text.as_deref(), Some("a<b>&c"));
}

#[test]
fn additional_data_property_trees() {
    let xml = r#"<Report type="UUT">
      <AdditionalData Name="Station">
        <Prop Name="Info" Type="Obj" Flags="0x4400">
          <Prop Name="Temp" Type="Number" Flags="0x0"><Value>21.5</Value></Prop>
          <Prop Name="Empty" Type="String" Flags="0"><Value></Value></Prop>
          <Prop Name="List" Type="Array" LBound="[0]" HBound="[1]"><Value ID="[0]">1</Value><Value ID="[1]">2</Value></Prop>
        </Prop>
      </AdditionalData>
      <Step Id="1"><AdditionalResults Name="Extra" Idx="0"><Prop Name="N" Type="Number"><Value>3</Value></Prop></AdditionalResults></Step>
    </Report>"#;
    let r = wsxf::from_str(xml).unwrap();
    let data = &r.additional_data.as_ref().unwrap()[0];
    assert_eq!(data.name.as_deref(), Some("Station"));
    let info = &data.props.as_ref().unwrap()[0];
    assert_eq!(
        (info.prop_type.as_deref(), info.flags),
        (Some("Obj"), Some(0x4400))
    );
    let children = info.props.as_ref().unwrap();
    assert_eq!(children[0].value.as_deref(), Some("21.5"));
    // A present <Value> element is a value, even an empty one.
    assert_eq!(children[1].value.as_deref(), Some(""));
    assert_eq!(children[2].extra["@LBound"], "[0]");
    assert_eq!(
        children[2].array,
        Some(serde_json::json!({"indexes": [
            {"text": "[0]", "value": {"value": "1"}},
            {"text": "[1]", "value": {"value": "2"}}
        ]}))
    );
    let results = &r
        .root
        .as_ref()
        .unwrap()
        .additional_results
        .as_ref()
        .unwrap()[0];
    assert_eq!(
        results.props.as_ref().unwrap()[0].value.as_deref(),
        Some("3")
    );
    let written = wsxf::to_string(&r);
    assert!(
        written.contains(r#"<Prop Name="Info" Type="Obj" Flags="0x4400">"#),
        "{written}"
    );
    assert!(
        written.contains(r#"<Value ID="[1]">2</Value>"#),
        "{written}"
    );
    assert_same(&wsxf::from_str(&written).unwrap(), &r);
}

// ------------------------------------------------------------------------------------------------
// Malformed and hostile input
// ------------------------------------------------------------------------------------------------

fn syntax(text: &str) -> (Location, String) {
    match wsxf::from_str(text) {
        Err(ReadError::Syntax { location, message }) => (location, message),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn wrong_attribute_type_names_attribute_and_path() {
    let sample = common::sample(XML);
    let bad = sample.replacen(r#"NumericValue="500""#, r#"NumericValue="abc""#, 1);
    let (location, message) = syntax(&bad);
    assert_eq!(
        location.path,
        "Reports/Report/Step[0]/Step[0]/Step[1]/NumericLimit"
    );
    assert_eq!(
        (location.line, location.column),
        (1, 2195),
        "at the <NumericLimit"
    );
    assert!(
        message.contains("NumericValue") && message.contains("\"abc\""),
        "{message}"
    );
    assert!(
        location
            .to_string()
            .starts_with("1:2195: at Reports/Report/Step[0]"),
        "{location}"
    );

    let (location, message) = syntax(
        r#"<Report><Step><Step/><Step><PassFail Name="a"/><PassFail Name="b" Status="Maybe"/></Step></Step></Report>"#,
    );
    assert_eq!(location.path, "Report/Step[0]/Step[1]/PassFail[1]");
    assert!(message.contains("invalid Status \"Maybe\""), "{message}");

    for (xml, what) in [
        (r#"<Report ID="not-a-guid"/>"#, "ID"),
        (r#"<Report Start="yesterday"/>"#, "Start"),
        (r#"<Report type="X"/>"#, "type"),
        (r#"<Report Result="Maybe"/>"#, "Result"),
        (r#"<Report><Step Group="Q"/></Report>"#, "Group"),
        (r#"<Report><Step Id="1.5"/></Report>"#, "Id"),
        (
            r#"<Report><Step StepCausedUUTFailure="yes"/></Report>"#,
            "StepCausedUUTFailure",
        ),
        (
            r#"<Report><UUR><Children>nope</Children></UUR></Report>"#,
            "Children",
        ),
    ] {
        let (location, message) = syntax(xml);
        assert!(message.contains(what), "{xml}: {message}");
        assert!(location.path.starts_with("Report"), "{xml}: {location:?}");
    }
    let (location, _) = syntax(r#"<Report><UUR><Children>nope</Children></UUR></Report>"#);
    assert_eq!(location.path, "Report/UUR/Children");
}

#[test]
fn truncated_xml_says_where() {
    let full = common::sample(XML);
    for cut in [
        1,
        10,
        38,
        100,
        2200,
        full.len() / 2,
        full.len() - 12,
        full.len() - 1,
    ] {
        let (location, message) = syntax(&full[..cut]);
        assert!(
            location.line >= 1 && location.column >= 1,
            "cut {cut}: {message}"
        );
        let expected = ["malformed XML", "not closed", "missing <Report>"];
        assert!(
            expected.iter().any(|m| message.contains(m)),
            "cut {cut}: {message}"
        );
    }
    // Cut between elements: the open elements are named.
    let cut = full.find("<Step Id=\"3\"").unwrap();
    let (location, message) = syntax(&full[..cut]);
    assert!(
        message.contains("unexpected end of input: <Step> is not closed"),
        "{message}"
    );
    assert_eq!(location.path, "Reports/Report/Step[0]/Step[0]");
    assert_eq!(location.column, cut + 1);
}

#[test]
fn report_count_is_checked() {
    let (_, message) =
        syntax(r#"<Reports xmlns="http://wats.virinco.com/schemas/WATS/Report/wsxf"/>"#);
    assert!(message.contains("missing <Report>"), "{message}");
    let (_, message) = syntax(r#"<?xml version="1.0"?><!-- nothing -->"#);
    assert!(message.contains("missing <Report>"), "{message}");
    let (_, message) = syntax("");
    assert!(message.contains("missing <Report>"), "{message}");
    let (location, message) = syntax("<Reports><Report/><Report/><Report SN='x'/></Reports>");
    assert!(
        message.contains("exactly one <Report>") && message.contains("found 3"),
        "{message}"
    );
    assert_eq!(location.path, "Reports");
    let (_, message) = syntax("<html><body/></html>");
    assert!(message.contains("<Reports> or <Report> root"), "{message}");
    let (_, message) = syntax("<Report/><Report/>");
    assert!(message.contains("after the root element"), "{message}");
    let (_, message) = syntax("<Report><Step/><Step/></Report>");
    assert!(message.contains("one root <Step>"), "{message}");
    let (_, message) = syntax("<Report><Step></Steps></Report>");
    assert!(message.contains("malformed XML"), "{message}");
}

#[test]
fn dtd_is_refused_billion_laughs() {
    let mut xml =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    xml.push_str(" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for i in 2..=9 {
        let prev = format!("&lol{};", i - 1).repeat(10);
        xml.push_str(&format!(" <!ENTITY lol{i} \"{prev}\">\n"));
    }
    xml.push_str("]>\n<Reports><Report SN=\"&lol9;\"/></Reports>");
    let (location, message) = syntax(&xml);
    assert_eq!(message, "DTD/entity declarations are not allowed");
    assert_eq!(location.line, 2);
    // An entity used without a declaration is an error too, not an expansion.
    let (_, message) = syntax(r#"<Report SN="&lol9;"/>"#);
    assert!(message.contains("lol9"), "{message}");
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let depth = 100_000;
    let xml = format!(
        "<Reports><Report>{}{}</Report></Reports>",
        "<Step>".repeat(depth),
        "</Step>".repeat(depth)
    );
    let (location, message) = syntax(&xml);
    assert!(message.contains("nested more than 66 deep"), "{message}");
    assert!(location.path.starts_with("Reports/Report/Step[0]/Step[0]/"));
    // Unknown elements count as well.
    let xml = format!("<Report>{}", "<x>".repeat(depth));
    let (_, message) = syntax(&xml);
    assert!(message.contains("nested more than 66 deep"), "{message}");
    // 60 nested steps are fine, and what WSXF reads, WSJF carries too.
    let xml = format!(
        "<Report>{}{}</Report>",
        "<Step>".repeat(60),
        "</Step>".repeat(60)
    );
    let report = wsxf::from_str(&xml).unwrap();
    assert_eq!(report.root.as_ref().unwrap().count(), 60);
    let json = wats_report::wsjf::to_string(&report);
    assert_eq!(wats_report::wsjf::from_str(&json).unwrap(), report);
}

#[test]
fn invalid_utf8_says_where() {
    match wsxf::from_slice(b"<Report SN=\"ab\xff\"/>") {
        Err(ReadError::Syntax { location, message }) => {
            assert_eq!((location.line, location.column), (1, 15));
            assert!(
                message.contains("UTF-8") && message.contains("WSXF"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn damaged_sample_never_panics() {
    let full = common::sample(XML);
    let bytes = full.as_bytes();
    // Every truncation point in the first few kB, then every 997th byte.
    for cut in (0..4096).chain((4096..bytes.len()).step_by(997)) {
        let _ = wsxf::from_slice(&bytes[..cut]);
    }
    // Single-byte corruptions with XML metacharacters.
    for (i, at) in (0..bytes.len()).step_by(211).enumerate() {
        let mut damaged = bytes.to_vec();
        damaged[at] = b"<>&\"'/=;x\0"[i % 10];
        let _ = wsxf::from_slice(&damaged);
    }
}

/// `Some(vec![])` as `None` throughout, for the lists WSXF cannot write empty.
fn without_empty_lists(mut r: Report) -> Report {
    fn step(s: &mut Step) {
        if s.steps.as_ref().is_some_and(Vec::is_empty) {
            s.steps = None;
        }
        for child in s.steps.iter_mut().flatten() {
            step(child);
        }
    }
    if let Some(root) = &mut r.root {
        step(root);
    }
    empty_lists_as_absent(r)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_reports_survive_xml(report in strategies::uut_report()) {
        let report = without_empty_lists(report);
        let text = wsxf::to_string(&report);
        let back = wsxf::from_str(&text).unwrap();
        prop_assert_eq!(&back, &report);
        prop_assert_eq!(wsxf::to_string(&back), text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = wsxf::from_slice(&bytes);
    }

    #[test]
    fn xml_like_noise_never_panics(parts in proptest::collection::vec(prop::sample::select(vec![
        "<Reports>", "<Report>", "</Report>", "</Reports>", "<Step Id=\"1\">", "</Step>", "<Step/>",
        "<NumericLimit NumericValue=\"1\"/>", "<Loop index=\"0\"/>", "<Chart><Series><ydata>1</ydata></Series></Chart>",
        "<UUR><Children>x</Children></UUR>", "<Failures PartIdx=\"-5\"/>", "<Failures PartIdx=\"9223372036854775807\"/>",
        "<Prop Name=\"a\"><Value ID=\"[0]\">1</Value><Prop/></Prop>", "<AdditionalData>", "</AdditionalData>",
        "&amp;", "&bogus;", "<![CDATA[x]]>", "<!-- c -->", "<?pi x?>", "text", "<", ">", "\"", "=",
    ]), 0..40)) {
        let _ = wsxf::from_str(&parts.concat());
    }
}
