//! Writing WSXF: elements in the order WATS exports them, attributes from [`super::names`].

use std::fmt::{self, Write as _};

use super::names;
use super::NAMESPACE;
use crate::report::*;
use crate::step::*;
use crate::wire::{float, Extra};

/// For tables without derived attributes.
fn no_derived(_: &mut Writer, _: &'static str) {}

/// Writes a report as a WSXF document: the XML declaration, `<Reports xmlns=…>` and one
/// `<Report>`, with elements and attributes in the order WATS exports them.
///
/// Absent values are left out; derived attributes (`StepIndex`, `MeasIndex`, `MeasOrderNumber`,
/// `Filename`, indexes, attachment sizes) are generated. Characters XML 1.0 cannot carry
/// (control characters other than tab, line feed and carriage return; U+FFFE, U+FFFF) are
/// dropped, as the WATS client does.
pub fn to_string(report: &Report) -> String {
    let mut w = Writer {
        out: String::with_capacity(16 * 1024),
        names: Vec::new(),
        order: 0,
    };
    w.out
        .push_str(r#"<?xml version="1.0" encoding="utf-8"?><Reports xmlns=""#);
    w.out.push_str(NAMESPACE);
    w.out.push_str(r#"">"#);
    w.report(report);
    w.out.push_str("</Reports>");
    w.out
}

pub(super) struct Writer {
    out: String,
    /// Attributes written on the current start tag (so `@` extras never duplicate one).
    names: Vec<&'static str>,
    /// Running `MeasOrderNumber`.
    order: i64,
}

impl Writer {
    fn open(&mut self, tag: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.names.clear();
    }

    /// Ends a start tag, returning the mark [`Writer::close`] needs.
    fn content(&mut self) -> usize {
        self.out.push('>');
        self.out.len()
    }

    /// Closes an element; one that got no content becomes `<tag …/>`.
    fn close(&mut self, tag: &str, mark: usize) {
        if self.out.len() == mark {
            self.out.pop();
            self.out.push_str("/>");
        } else {
            self.out.push_str("</");
            self.out.push_str(tag);
            self.out.push('>');
        }
    }

    fn raw_attr(&mut self, name: &'static str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        self.names.push(name);
    }

    pub(super) fn attr(&mut self, name: &'static str, value: &str) {
        self.raw_attr(name);
        escape(&mut self.out, value, true);
        self.out.push('"');
    }

    pub(super) fn int(&mut self, name: &'static str, value: Option<i64>) {
        if let Some(v) = value {
            self.display(name, v);
        }
    }

    pub(super) fn num(&mut self, name: &'static str, value: Option<f64>) {
        if let Some(v) = value {
            self.raw_attr(name);
            push_float(&mut self.out, v);
            self.out.push('"');
        }
    }

    /// Writes an attribute whose text needs no escaping (numbers, GUIDs, date-times).
    pub(super) fn display(&mut self, name: &'static str, value: impl fmt::Display) {
        self.raw_attr(name);
        let _ = write!(self.out, "{value}\"");
    }

    /// Writes the `@Name` extras that are valid attribute names not written already.
    fn extras(&mut self, extra: &Extra) {
        self.extras_where(extra, |_| true);
    }

    fn extras_where(&mut self, extra: &Extra, keep: impl Fn(&str) -> bool) {
        for (key, value) in extra {
            let Some(name) = key.strip_prefix('@') else {
                continue;
            };
            if !is_xml_name(name) || !keep(name) || self.names.contains(&name) {
                continue;
            }
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            match value {
                serde_json::Value::String(s) => escape(&mut self.out, s, true),
                serde_json::Value::Null => {}
                other => escape(&mut self.out, &other.to_string(), true),
            }
            self.out.push('"');
        }
    }

    fn text_element(&mut self, tag: &str, text: &Option<String>) {
        if let Some(text) = text {
            self.out.push('<');
            self.out.push_str(tag);
            self.out.push('>');
            escape(&mut self.out, text, false);
            self.out.push_str("</");
            self.out.push_str(tag);
            self.out.push('>');
        }
    }

    fn report(&mut self, r: &Report) {
        self.open("Report");
        names::REPORT::write(self, r, no_derived);
        self.extras(&r.extra);
        let mark = self.content();

        if let Some(u) = &r.uut {
            self.uut(u);
        }
        if let Some(u) = &r.uur {
            self.uur(u);
        }
        if r.process_code.is_some() || r.process_name.is_some() || r.process_code_format.is_some() {
            self.open("Process");
            names::REPORT_PROCESS::write(self, r, no_derived);
            self.out.push_str("/>");
        }
        for a in r.additional_data.iter().flatten() {
            self.additional("AdditionalData", a, None);
        }
        for a in r.assets.iter().flatten() {
            self.open("Asset");
            names::ASSET::write(self, a, no_derived);
            self.extras(&a.extra);
            self.out.push_str("/>");
        }
        for (i, m) in r.misc_infos.iter().flatten().enumerate() {
            self.open("MiscInfo");
            // `idx` and `order_no` are both the position.
            names::MISC_INFO::write(self, m, |w, name| w.int(name, Some(i as i64)));
            self.extras(&m.extra);
            let mark = self.content();
            if let Some(text) = &m.text {
                escape(&mut self.out, text, false);
            }
            self.close("MiscInfo", mark);
        }
        for u in r.sub_units.iter().flatten() {
            self.open("ReportUnitHierarchy");
            names::SUB_UNIT::write(self, u, no_derived);
            self.extras(&u.extra);
            self.out.push_str("/>");
        }
        let mut failure_idx = 0;
        for (i, u) in r.sub_units.iter().flatten().enumerate() {
            let part = u.idx.unwrap_or(i as i64);
            for f in u.failures.iter().flatten() {
                self.failure(f, failure_idx, part);
                failure_idx += 1;
            }
        }
        for (i, b) in r.binary_data.iter().flatten().enumerate() {
            self.binary(b, i);
        }
        if let Some(root) = &r.root {
            self.step(root, 0);
        }
        self.close("Report", mark);
    }

    fn uut(&mut self, u: &UutInfo) {
        self.open("UUT");
        names::UUT::write(self, u, no_derived);
        self.extras(&u.extra);
        let mark = self.content();
        self.text_element("Comment", &u.comment);
        self.close("UUT", mark);
    }

    fn uur(&mut self, u: &UurInfo) {
        self.open("UUR");
        names::UUR::write(self, u, no_derived);
        self.extras(&u.extra);
        let mark = self.content();
        for child in u.children.iter().flatten() {
            let _ = write!(self.out, "<Children>{child:X}</Children>");
        }
        self.text_element("Comment", &u.comment);
        if u.process_code.is_some() || u.process_name.is_some() || u.process_code_format.is_some() {
            self.open("Process");
            names::UUR_PROCESS::write(self, u, no_derived);
            self.out.push_str("/>");
        }
        self.close("UUR", mark);
    }

    fn failure(&mut self, f: &Failure, idx: i64, part: i64) {
        self.open("Failures");
        names::FAILURE::write(self, f, |w, name| {
            w.int(name, Some(if name == "Idx" { idx } else { part }))
        });
        self.extras(&f.extra);
        let mark = self.content();
        self.text_element("Comment", &f.comment);
        self.close("Failures", mark);
    }

    fn binary(&mut self, b: &BinaryData, index: usize) {
        self.open("Binary");
        self.extras_where(&b.extra, |name| name == "FailIdx");
        self.int("BinaryDataIndex", Some(index as i64));
        self.out.push('>');
        self.open("Data");
        names::DATA::write(self, b, |w, name| {
            w.int(name, b.data.as_deref().map(base64_size))
        });
        self.extras_where(&b.extra, |name| name != "FailIdx");
        let mark = self.content();
        if let Some(data) = &b.data {
            escape(&mut self.out, data, false);
        }
        self.close("Data", mark);
        self.out.push_str("</Binary>");
    }

    fn additional(&mut self, tag: &str, a: &AdditionalData, idx: Option<usize>) {
        self.open(tag);
        names::ADDITIONAL::write(self, a, |w, name| w.int(name, idx.map(|i| i as i64)));
        self.extras(&a.extra);
        let mark = self.content();
        for p in a.props.iter().flatten() {
            self.prop(p);
        }
        self.close(tag, mark);
    }

    fn prop(&mut self, p: &Property) {
        self.open("Prop");
        names::PROP::write(self, p, no_derived);
        self.extras(&p.extra);
        let mark = self.content();
        self.text_element("Value", &p.value);
        let indexes = p
            .array
            .as_ref()
            .and_then(|a| a.get("indexes"))
            .and_then(|v| v.as_array());
        for item in indexes.into_iter().flatten() {
            let id = item.get("text").and_then(|v| v.as_str()).unwrap_or("");
            let value = item
                .get("value")
                .and_then(|v| v.get("value"))
                .and_then(|v| v.as_str());
            self.out.push_str("<Value ID=\"");
            escape(&mut self.out, id, true);
            self.out.push_str("\">");
            escape(&mut self.out, value.unwrap_or(""), false);
            self.out.push_str("</Value>");
        }
        for child in p.props.iter().flatten() {
            self.prop(child);
        }
        self.close("Prop", mark);
    }

    fn step(&mut self, s: &Step, step_index: i64) {
        self.open("Step");
        names::STEP::write(self, s, |w, name| w.int(name, Some(step_index)));
        self.extras(&s.extra);
        let mark = self.content();

        if let Some(l) = &s.loop_info {
            self.open("Loop");
            names::LOOP::write(self, l, no_derived);
            self.extras(&l.extra);
            self.out.push_str("/>");
        }
        self.text_element("ReportText", &s.report_text);
        if let Some(c) = &s.seq_call {
            self.open("SequenceCall");
            names::SEQ_CALL::write(self, c, |w, name| match (name, &c.path) {
                ("Filename", Some(path)) => {
                    w.attr(name, path.rsplit(['/', '\\']).next().unwrap_or(path))
                }
                ("Filename", None) => {}
                _ => w.int(name, Some(0)),
            });
            self.extras(&c.extra);
            self.out.push_str("/>");
        }
        for (i, m) in s.numeric_meas.iter().flatten().enumerate() {
            self.open("NumericLimit");
            names::NUMERIC::write(self, m, |w, name| w.meas_index(name, i));
            self.extras(&m.extra);
            self.out.push_str("/>");
        }
        for (i, m) in s.boolean_meas.iter().flatten().enumerate() {
            self.open("PassFail");
            names::PASS_FAIL::write(self, m, |w, name| w.meas_index(name, i));
            self.extras(&m.extra);
            self.out.push_str("/>");
        }
        for (i, m) in s.string_meas.iter().flatten().enumerate() {
            self.open("StringValue");
            names::STRING_VALUE::write(self, m, |w, name| w.meas_index(name, i));
            self.extras(&m.extra);
            self.out.push_str("/>");
        }
        if let Some(c) = &s.chart {
            self.chart(c);
        }
        if let Some(c) = &s.call_exe {
            self.open("Callexe");
            names::CALL_EXE::write(self, c, |w, name| w.int(name, Some(0)));
            self.extras(&c.extra);
            self.out.push_str("/>");
        }
        if let Some(m) = &s.message_popup {
            self.open("MessagePopup");
            names::MESSAGE_POPUP::write(self, m, |w, name| w.int(name, Some(0)));
            self.extras(&m.extra);
            self.out.push_str("/>");
        }
        if let Some(a) = &s.attachment {
            self.open("Attachment");
            names::ATTACHMENT::write(self, a, |w, name| {
                w.int(name, a.data.as_deref().map(base64_size))
            });
            self.extras(&a.extra);
            let mark = self.content();
            if let Some(data) = &a.data {
                escape(&mut self.out, data, false);
            }
            self.close("Attachment", mark);
        }
        for (i, a) in s.additional_results.iter().flatten().enumerate() {
            self.additional("AdditionalResults", a, Some(i));
        }
        // Loop iterations share the StepIndex of their summary step, as WATS exports them.
        let mut index = -1;
        for child in s.children() {
            let iteration = child.loop_info.as_ref().is_some_and(|l| l.idx.is_some());
            if !iteration || index < 0 {
                index += 1;
            }
            self.step(child, index);
        }
        self.close("Step", mark);
    }

    /// A measurement's derived attributes: `MeasIndex`, its position in the step, and
    /// `MeasOrderNumber`, its position in the report.
    fn meas_index(&mut self, name: &'static str, index: usize) {
        if name == "MeasIndex" {
            self.int(name, Some(index as i64));
        } else {
            self.int(name, Some(self.order));
            self.order += 1;
        }
    }

    fn chart(&mut self, c: &Chart) {
        self.open("Chart");
        names::CHART::write(self, c, |w, name| w.int(name, Some(0)));
        self.extras(&c.extra);
        let mark = self.content();
        for series in c.series.iter().flatten() {
            self.open("Series");
            names::SERIES::write(self, series, no_derived);
            self.extras(&series.extra);
            let mark = self.content();
            self.text_element("ydata", &series.ydata);
            self.text_element("xdata", &series.xdata);
            self.close("Series", mark);
        }
        self.close("Chart", mark);
    }
}

/// Writes a number as WSXF does (see [`float::format`]) without allocating.
fn push_float(out: &mut String, v: f64) {
    float::push(out, v);
}

/// The decoded size of base64 text (whitespace and padding not counted).
fn base64_size(data: &str) -> i64 {
    let chars = data
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .count();
    (chars * 3 / 4) as i64
}

/// Whether `name` can be written as an attribute name.
fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    // No `:`: a prefixed name would read back under another name, and `xmlns` would change
    // the element's namespace.
    (first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.to_ascii_lowercase().starts_with("xml")
}

/// Appends `text` escaped for an attribute value (`attr`) or element content. Line breaks and
/// tabs in attributes become character references so that they survive attribute-value
/// normalization; `\r` does everywhere. Characters XML 1.0 cannot carry are dropped.
fn escape(out: &mut String, text: &str, attr: bool) {
    let bytes = text.as_bytes();
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (replacement, width): (&str, usize) = match b {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' if attr => ("&quot;", 1),
            b'\n' if attr => ("&#10;", 1),
            b'\t' if attr => ("&#9;", 1),
            b'\r' => ("&#13;", 1),
            b'\n' | b'\t' => {
                i += 1;
                continue;
            }
            0..=0x1F => ("", 1),
            // U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters either.
            0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => ("", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[last..i]);
        out.push_str(replacement);
        i += width;
        last = i;
    }
    out.push_str(&text[last..]);
}
