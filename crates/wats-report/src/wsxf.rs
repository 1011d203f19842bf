//! WSXF, the WATS Standard XML Format (report-formats §2.1).
//!
//! A WSXF document is `<Reports xmlns="http://wats.virinco.com/schemas/WATS/Report/wsxf">`
//! holding exactly one `<Report>`; a bare `<Report>` root is accepted too. It carries the same
//! model as WSJF under other names (`Result="Passed"` for `"result":"P"`, `total_time` for
//! `totTime`, `<Process Code Name/>` for `processCode`/`processName`…). Elements and attributes
//! are matched on their local names; namespace prefixes and URIs are ignored.
//!
//! Mapping rules beyond the renaming:
//!
//! * An absent attribute is `None`, and so is an empty one (`ProductName=""`, `Units=""`): WATS
//!   writes `""` for null. Element text behaves the same (`<MiscInfo …/>` has no text), except
//!   that a `Prop/Value` element is a value even when empty. Text is kept verbatim (not trimmed).
//! * Attributes WSJF has no key for because they are derived — `MeasIndex`, `MeasOrderNumber`,
//!   `StepIndex`, `Filename`, the `idx`/`order_no`/`Idx`/`BinaryDataIndex` indexes and the
//!   `Size`/`size` of attachments — are dropped on reading and regenerated on writing.
//! * Any other unknown attribute is kept in the struct's `extra` under `"@Name"` (string value)
//!   and written back, so nothing is lost; a step `Status="Unknown"` (a WSXF-only value) is kept
//!   the same way. Unknown elements (`PartInfo`, `ReportInfo`, `SPCData`, `PropertyLoader`…) are
//!   skipped.
//! * `<Failures PartIdx=…>` are attached to the sub unit with that `Idx` (0, the main unit, when
//!   `PartIdx` is absent), wherever they stand among the report's children. A repeated
//!   `<Comment>` is joined with line breaks.
//! * `AdditionalData`/`AdditionalResults` hold TestStand `<Prop Name Type Flags>` trees with a
//!   `<Value>` text and nested `<Prop>`s; array elements `<Value ID="[0]">` go to
//!   `array.indexes[].{text, value.value}`.
//! * WSXF cannot tell an empty list from an absent one: an empty list is written as no elements
//!   and read back as `None`. Keys only WSJF has (`assetStats`, `uut.referencedByUURs`, unknown
//!   JSON keys not starting with `@`, property `comment`/`numFormat`) are not written.
//!
//! Reading is hardened for untrusted input: a DTD (`<!DOCTYPE`, and with it every entity
//! declaration) is refused, elements may nest at most [`MAX_DEPTH`] deep, and the parser keeps
//! its own stack instead of recursing, so no input can overflow the stack or make it panic.
//!
//! ```
//! let xml = r#"<?xml version="1.0" encoding="utf-8"?>
//! <Reports xmlns="http://wats.virinco.com/schemas/WATS/Report/wsxf">
//!   <Report type="UUT" ID="33A2D408-3FC8-480B-B554-6866C77FD91C" Result="Passed" SN="SN1" PN="PN1">
//!     <Process Code="10" Name="SW Debug"/>
//!   </Report>
//! </Reports>"#;
//! let report = wats_report::wsxf::from_str(xml).unwrap();
//! assert_eq!(report.process_code, Some(10));
//! assert_eq!(report.result, Some(wats_report::Status::Passed));
//! assert!(wats_report::wsxf::to_string(&report).contains(r#"<Process Code="10" Name="SW Debug"/>"#));
//! ```

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::xml::{Tag, Token, Tokenizer};
use uuid::Uuid;

use crate::error::{Location, ReadError};
use crate::op::CompOpValue;
use crate::report::*;
use crate::status::{ReportType, Status, StepGroup};
use crate::step::*;
use crate::time::Timestamp;
use crate::wire::{float, Extra};

/// The WSXF namespace written on the `<Reports>` root.
pub const NAMESPACE: &str = "http://wats.virinco.com/schemas/WATS/Report/wsxf";

/// How deep elements may nest; deeper input is refused. A step at level *k* sits about *k* + 6
/// deep with its chart data, so this allows some 60 step levels: what WSJF can carry too
/// (serde_json stops at 128 nested values, two per step level), so every WSXF report can be
/// written as WSJF. It also bounds the recursion of the writer, validation and status rules.
pub const MAX_DEPTH: usize = 66;

// ------------------------------------------------------------------------------------------------
// Reading
// ------------------------------------------------------------------------------------------------

/// Reads one report from WSXF text.
///
/// Errors are [`ReadError::Syntax`] with the line, column and element path
/// (`Reports/Report/Step[0]/Step[3]/NumericLimit`; a step's position among its sibling steps is
/// always shown, other elements' only after the first).
pub fn from_str(text: &str) -> Result<Report, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    crate::format::check_node_budget(text.as_bytes(), b'<')?;
    Parser::new(text).run()
}

/// Reads one report from WSXF bytes (UTF-8, a leading BOM is ignored).
pub fn from_slice(bytes: &[u8]) -> Result<Report, ReadError> {
    let text = crate::wsjf::decode_utf8(bytes).map_err(|e| match e {
        ReadError::Syntax { location, .. } => {
            ReadError::syntax(location, "invalid UTF-8 (WSXF must be UTF-8 encoded)")
        }
        other => other,
    })?;
    from_str(text)
}

/// Where the text of a text-only element goes in its parent.
#[derive(Clone, Copy)]
enum TextField {
    /// `UUT`, `UUR` or `Failures` comment.
    Comment,
    /// Step `ReportText`.
    ReportText,
    /// One `UUR/Children` GUID.
    Children,
    /// `Series/ydata`.
    YData,
    /// `Series/xdata`.
    XData,
    /// `Binary/Data` (base64).
    Data,
}

/// The object an open element is building.
enum Node {
    Reports,
    Report(Box<ReportState>),
    Uut(Box<UutInfo>),
    Uur(Box<UurInfo>),
    MiscInfo(Box<MiscInfo>),
    Failure(i64, Box<Failure>),
    Binary(Box<BinaryData>),
    Additional(Box<AdditionalData>),
    Prop(Box<Property>),
    /// A `Prop/Value`: the array index (`ID`) and the text.
    Value(Option<String>, String),
    Step(Box<Step>),
    Chart(Box<Chart>),
    Series(Box<Series>),
    Attachment(Box<Attachment>),
    Text(TextField, String),
    /// An element whose attributes were applied to its parent; its content is ignored.
    Leaf,
    /// An unknown element: it and everything inside are ignored.
    Skip,
}

/// A report under construction, with the failures waiting for their sub unit.
struct ReportState {
    report: Report,
    failures: Vec<(i64, Failure)>,
}

impl ReportState {
    /// Attaches each failure to the sub unit whose `idx` is its `PartIdx` (or, for units
    /// without an `idx`, the unit at that position), creating the unit if there is none.
    fn finish(self) -> Report {
        let ReportState {
            mut report,
            failures,
        } = self;
        for (part, failure) in failures {
            let units = report.sub_units.get_or_insert_with(Vec::new);
            let found = units.iter().position(|u| u.idx == Some(part)).or_else(|| {
                usize::try_from(part)
                    .ok()
                    .filter(|&i| units.get(i).is_some_and(|u| u.idx.is_none()))
            });
            let i = match found {
                Some(i) => i,
                None => {
                    units.push(SubUnit {
                        idx: Some(part),
                        ..SubUnit::default()
                    });
                    units.len() - 1
                }
            };
            if let Some(unit) = units.get_mut(i) {
                unit.failures.get_or_insert_with(Vec::new).push(failure);
            }
        }
        report
    }
}

struct Frame {
    /// Local element name, for error paths.
    name: Cow<'static, str>,
    /// Position among same-named siblings, when it is shown in paths.
    index: Option<usize>,
    node: Node,
}

/// What to push for a child element: its name, shown index, and node (or why it is invalid).
type Child = (Cow<'static, str>, Option<usize>, Result<Node, String>);

struct Parser<'a> {
    text: &'a str,
    stack: Vec<Frame>,
    /// Byte offset where the current event starts.
    pos: usize,
    report: Option<Report>,
    /// `<Report>` elements seen.
    reports: usize,
    /// Whether the root element has been opened.
    rooted: bool,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text,
            stack: Vec::with_capacity(16),
            pos: 0,
            report: None,
            reports: 0,
            rooted: false,
        }
    }

    fn run(mut self) -> Result<Report, ReadError> {
        // Text content is kept verbatim (a report text may begin or end with a line break);
        // whitespace between elements is text nobody wants.
        let mut tokens = Tokenizer::new(self.text);
        loop {
            let (at, token) = tokens.next_token().map_err(|e| self.malformed(e))?;
            self.pos = at;
            match token {
                Token::Start(tag) => self.open(&tag)?,
                Token::End(_) => self.close()?,
                Token::Text(t) => {
                    if self.wants_text() {
                        let text = t.unescape().map_err(|e| self.malformed(e))?;
                        self.push_text(&text);
                    }
                }
                Token::CData(text) => {
                    if self.wants_text() {
                        self.push_text(text);
                    }
                }
                Token::DocType => {
                    return Err(self.error("DTD/entity declarations are not allowed".into()))
                }
                Token::Eof => break,
            }
        }
        self.finish()
    }

    fn malformed(&self, e: crate::xml::XmlError) -> ReadError {
        self.error_at(e.offset, None, format!("malformed XML: {e}"))
    }

    fn finish(mut self) -> Result<Report, ReadError> {
        if let Some(open) = self.stack.last() {
            let message = format!("unexpected end of input: <{}> is not closed", open.name);
            return Err(self.error_at(self.text.len(), None, message));
        }
        let end = self.text.len();
        match (self.report.take(), self.reports) {
            (Some(report), 1) => Ok(report),
            (_, 0) if !self.rooted => Err(self.error_at(
                end,
                None,
                "missing <Report> element: the document has no root element".into(),
            )),
            (_, 0) => Err(self.error_at(
                end,
                Some("Reports"),
                "missing <Report> element: <Reports> holds no report".into(),
            )),
            (_, n) => Err(self.error_at(
                end,
                Some("Reports"),
                format!("expected exactly one <Report> in <Reports>, found {n}"),
            )),
        }
    }

    /// An error at the current event, inside the open elements.
    fn error(&self, message: String) -> ReadError {
        self.error_at(self.pos, None, message)
    }

    fn error_at(&self, offset: usize, leaf: Option<&str>, message: String) -> ReadError {
        let (line, column) = crate::wsjf::line_column(self.text.as_bytes(), offset);
        let mut path = String::new();
        for frame in &self.stack {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(&frame.name);
            if let Some(i) = frame.index {
                let _ = write!(path, "[{i}]");
            }
        }
        if let Some(leaf) = leaf {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(leaf);
        }
        ReadError::syntax(
            Location {
                file: None,
                line,
                column,
                path,
            },
            message,
        )
    }

    fn wants_text(&self) -> bool {
        matches!(
            self.stack.last().map(|f| &f.node),
            Some(Node::Text(..) | Node::MiscInfo(_) | Node::Attachment(_) | Node::Value(..))
        )
    }

    fn push_text(&mut self, s: &str) {
        let Some(frame) = self.stack.last_mut() else {
            return;
        };
        match &mut frame.node {
            Node::Text(_, text) | Node::Value(_, text) => text.push_str(s),
            Node::MiscInfo(m) => m.text.get_or_insert_with(String::new).push_str(s),
            Node::Attachment(a) => a.data.get_or_insert_with(String::new).push_str(s),
            _ => {}
        }
    }

    fn open(&mut self, e: &Tag<'_, '_>) -> Result<(), ReadError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error(format!("elements are nested more than {MAX_DEPTH} deep")));
        }
        let (name, index, node) = self.child(e.local_name(), e);
        self.stack.push(Frame {
            name,
            index,
            node: Node::Skip,
        });
        let node = node.map_err(|message| self.error(message))?;
        if let Some(top) = self.stack.last_mut() {
            top.node = node;
        }
        if e.empty {
            self.close()?;
        }
        Ok(())
    }

    /// Decides what a child element of the innermost open element is, applying the attributes
    /// of attribute-only elements (`Process`, `Loop`, `NumericLimit`…) to the parent directly.
    fn child(&mut self, local: &str, e: &Tag<'_, '_>) -> Child {
        let Some(parent) = self.stack.last_mut() else {
            if self.rooted {
                return (
                    owned(local),
                    None,
                    Err("content after the root element".into()),
                );
            }
            self.rooted = true;
            return match local {
                "Reports" => (Cow::Borrowed("Reports"), None, Ok(Node::Reports)),
                "Report" => {
                    self.reports = 1;
                    (Cow::Borrowed("Report"), None, read_report(e))
                }
                _ => {
                    let message =
                        format!("expected a <Reports> or <Report> root element, found <{local}>");
                    (owned(local), None, Err(message))
                }
            };
        };
        let known = |name: &'static str, i: usize, node: Result<Node, String>| -> Child {
            (
                Cow::Borrowed(name),
                (name == "Step" || i > 0).then_some(i),
                node,
            )
        };
        let leaf = |name: &'static str, r: Result<(), String>| -> Child {
            (Cow::Borrowed(name), None, r.map(|()| Node::Leaf))
        };
        match &mut parent.node {
            Node::Reports => match local {
                "Report" => {
                    let i = self.reports;
                    self.reports += 1;
                    let node = if i == 0 {
                        read_report(e)
                    } else {
                        Ok(Node::Skip)
                    };
                    known("Report", i, node)
                }
                _ => skip(local),
            },
            Node::Report(state) => {
                let r = &mut state.report;
                match local {
                    "UUT" => leaf_or("UUT", read_uut(e).map(Node::Uut)),
                    "UUR" => leaf_or("UUR", read_uur(e).map(Node::Uur)),
                    "Process" => leaf("Process", read_process(e, r)),
                    "MiscInfo" => known(
                        "MiscInfo",
                        len(&r.misc_infos),
                        read_misc_info(e).map(Node::MiscInfo),
                    ),
                    "ReportUnitHierarchy" => {
                        let i = len(&r.sub_units);
                        let result = read_sub_unit(e).map(|u| {
                            r.sub_units.get_or_insert_with(Vec::new).push(u);
                            Node::Leaf
                        });
                        known("ReportUnitHierarchy", i, result)
                    }
                    "Failures" => {
                        let node = read_failure(e).map(|(part, f)| Node::Failure(part, f));
                        known("Failures", state.failures.len(), node)
                    }
                    "Binary" => known(
                        "Binary",
                        len(&r.binary_data),
                        read_binary(e).map(Node::Binary),
                    ),
                    "Asset" => {
                        let i = len(&r.assets);
                        let result = read_asset(e).map(|a| {
                            r.assets.get_or_insert_with(Vec::new).push(a);
                            Node::Leaf
                        });
                        known("Asset", i, result)
                    }
                    "AdditionalData" => known(
                        "AdditionalData",
                        len(&r.additional_data),
                        read_additional(e).map(Node::Additional),
                    ),
                    "Step" => {
                        let node = if r.root.is_some() {
                            Err("a report has one root <Step>; found another".into())
                        } else {
                            read_step(e).map(Node::Step)
                        };
                        known("Step", usize::from(r.root.is_some()), node)
                    }
                    _ => skip(local),
                }
            }
            Node::Uut(_) => match local {
                "Comment" => text_child("Comment", TextField::Comment),
                _ => skip(local),
            },
            Node::Uur(u) => match local {
                "Comment" => text_child("Comment", TextField::Comment),
                "Children" => {
                    let i = len(&u.children);
                    known(
                        "Children",
                        i,
                        Ok(Node::Text(TextField::Children, String::new())),
                    )
                }
                "Process" => leaf("Process", read_uur_process(e, u)),
                _ => skip(local),
            },
            Node::Failure(..) => match local {
                "Comment" => text_child("Comment", TextField::Comment),
                _ => skip(local),
            },
            Node::Binary(b) => match local {
                "Data" => (
                    Cow::Borrowed("Data"),
                    None,
                    read_data(e, b).map(|()| Node::Text(TextField::Data, String::new())),
                ),
                _ => skip(local),
            },
            Node::Additional(a) => match local {
                "Prop" => known("Prop", len(&a.props), read_prop(e).map(Node::Prop)),
                _ => skip(local),
            },
            Node::Prop(p) => match local {
                "Prop" => known("Prop", len(&p.props), read_prop(e).map(Node::Prop)),
                "Value" => (Cow::Borrowed("Value"), None, read_value(e)),
                _ => skip(local),
            },
            Node::Step(s) => match local {
                "Step" => known("Step", len(&s.steps), read_step(e).map(Node::Step)),
                "NumericLimit" => {
                    let i = len(&s.numeric_meas);
                    let result = read_numeric(e).map(|m| {
                        s.numeric_meas.get_or_insert_with(Vec::new).push(m);
                        Node::Leaf
                    });
                    known("NumericLimit", i, result)
                }
                "PassFail" => {
                    let i = len(&s.boolean_meas);
                    let result = read_pass_fail(e).map(|m| {
                        s.boolean_meas.get_or_insert_with(Vec::new).push(m);
                        Node::Leaf
                    });
                    known("PassFail", i, result)
                }
                "StringValue" => {
                    let i = len(&s.string_meas);
                    let result = read_string_value(e).map(|m| {
                        s.string_meas.get_or_insert_with(Vec::new).push(m);
                        Node::Leaf
                    });
                    known("StringValue", i, result)
                }
                "Loop" => leaf(
                    "Loop",
                    read_loop(e).map(|l| s.loop_info = Some(Box::new(l))),
                ),
                "ReportText" => text_child("ReportText", TextField::ReportText),
                "SequenceCall" => leaf(
                    "SequenceCall",
                    read_seq_call(e).map(|c| s.seq_call = Some(Box::new(c))),
                ),
                "Chart" => leaf_or("Chart", read_chart(e).map(Node::Chart)),
                "Callexe" => leaf(
                    "Callexe",
                    read_call_exe(e).map(|c| s.call_exe = Some(Box::new(c))),
                ),
                "MessagePopup" => leaf(
                    "MessagePopup",
                    read_message_popup(e).map(|m| s.message_popup = Some(Box::new(m))),
                ),
                "Attachment" => leaf_or("Attachment", read_attachment(e).map(Node::Attachment)),
                "AdditionalResults" => known(
                    "AdditionalResults",
                    len(&s.additional_results),
                    read_additional(e).map(Node::Additional),
                ),
                _ => skip(local),
            },
            Node::Chart(c) => match local {
                "Series" => known("Series", len(&c.series), read_series(e).map(Node::Series)),
                _ => skip(local),
            },
            Node::Series(_) => match local {
                "ydata" => text_child("ydata", TextField::YData),
                "xdata" => text_child("xdata", TextField::XData),
                _ => skip(local),
            },
            Node::MiscInfo(_)
            | Node::Value(..)
            | Node::Attachment(_)
            | Node::Text(..)
            | Node::Leaf
            | Node::Skip => skip(local),
        }
    }

    /// Closes the innermost element, handing what it built to its parent.
    fn close(&mut self) -> Result<(), ReadError> {
        let Some(Frame { name, index, node }) = self.stack.pop() else {
            return Ok(());
        };
        let parent = self.stack.last_mut().map(|f| &mut f.node);
        let result = match (node, parent) {
            (Node::Report(state), _) => {
                if self.report.is_none() {
                    self.report = Some(state.finish());
                }
                Ok(())
            }
            (Node::Uut(u), Some(Node::Report(state))) => {
                state.report.uut = Some(*u);
                Ok(())
            }
            (Node::Uur(u), Some(Node::Report(state))) => {
                state.report.uur = Some(*u);
                Ok(())
            }
            (Node::MiscInfo(mut m), Some(Node::Report(state))) => {
                none_if_empty(&mut m.text);
                state
                    .report
                    .misc_infos
                    .get_or_insert_with(Vec::new)
                    .push(*m);
                Ok(())
            }
            (Node::Failure(part, f), Some(Node::Report(state))) => {
                state.failures.push((part, *f));
                Ok(())
            }
            (Node::Binary(b), Some(Node::Report(state))) => {
                state
                    .report
                    .binary_data
                    .get_or_insert_with(Vec::new)
                    .push(*b);
                Ok(())
            }
            (Node::Additional(a), Some(Node::Report(state))) => {
                state
                    .report
                    .additional_data
                    .get_or_insert_with(Vec::new)
                    .push(*a);
                Ok(())
            }
            (Node::Additional(a), Some(Node::Step(s))) => {
                s.additional_results.get_or_insert_with(Vec::new).push(*a);
                Ok(())
            }
            (Node::Step(s), Some(Node::Report(state))) => {
                state.report.root = Some(*s);
                Ok(())
            }
            (Node::Step(child), Some(Node::Step(s))) => {
                s.steps.get_or_insert_with(Vec::new).push(*child);
                Ok(())
            }
            (Node::Prop(p), Some(Node::Additional(a))) => {
                a.props.get_or_insert_with(Vec::new).push(*p);
                Ok(())
            }
            (Node::Prop(child), Some(Node::Prop(p))) => {
                p.props.get_or_insert_with(Vec::new).push(*child);
                Ok(())
            }
            (Node::Value(id, text), Some(Node::Prop(p))) => {
                add_value(p, id, text);
                Ok(())
            }
            (Node::Chart(c), Some(Node::Step(s))) => {
                s.chart = Some(c);
                Ok(())
            }
            (Node::Series(x), Some(Node::Chart(c))) => {
                c.series.get_or_insert_with(Vec::new).push(*x);
                Ok(())
            }
            (Node::Attachment(mut a), Some(Node::Step(s))) => {
                none_if_empty(&mut a.data);
                s.attachment = Some(a);
                Ok(())
            }
            (Node::Text(field, text), Some(parent)) => apply_text(parent, field, text),
            _ => Ok(()),
        };
        result.map_err(|message| {
            let leaf = match index {
                Some(i) => format!("{name}[{i}]"),
                None => name.into_owned(),
            };
            self.error_at(self.pos, Some(&leaf), message)
        })
    }
}

fn len<T>(v: &Option<Vec<T>>) -> usize {
    v.as_ref().map_or(0, Vec::len)
}

fn owned(local: &str) -> Cow<'static, str> {
    Cow::Owned(local.to_owned())
}

fn skip(local: &str) -> Child {
    (owned(local), None, Ok(Node::Skip))
}

fn leaf_or(name: &'static str, node: Result<Node, String>) -> Child {
    (Cow::Borrowed(name), None, node)
}

fn text_child(name: &'static str, field: TextField) -> Child {
    (
        Cow::Borrowed(name),
        None,
        Ok(Node::Text(field, String::new())),
    )
}

fn none_if_empty(text: &mut Option<String>) {
    if text.as_deref() == Some("") {
        *text = None;
    }
}

/// Puts the text of a text-only element into its parent.
fn apply_text(parent: &mut Node, field: TextField, text: String) -> Result<(), String> {
    if text.is_empty() {
        return Ok(());
    }
    match (field, parent) {
        (TextField::Comment, Node::Uut(u)) => append_line(&mut u.comment, text),
        (TextField::Comment, Node::Uur(u)) => append_line(&mut u.comment, text),
        (TextField::Comment, Node::Failure(_, f)) => append_line(&mut f.comment, text),
        (TextField::ReportText, Node::Step(s)) => append_line(&mut s.report_text, text),
        (TextField::Children, Node::Uur(u)) => {
            let id = guid("Children", &text)?.ok_or("empty GUID")?;
            u.children.get_or_insert_with(Vec::new).push(id);
        }
        (TextField::YData, Node::Series(s)) => s.ydata = Some(text),
        (TextField::XData, Node::Series(s)) => s.xdata = Some(text),
        (TextField::Data, Node::Binary(b)) => b.data = Some(text),
        _ => {}
    }
    Ok(())
}

/// Sets a text, or appends it on a new line when the element is repeated.
fn append_line(slot: &mut Option<String>, text: String) {
    match slot {
        Some(existing) => {
            existing.push('\n');
            existing.push_str(&text);
        }
        None => *slot = Some(text),
    }
}

/// Adds a `Prop/Value`: the value itself, or an array element when it has an `ID`.
fn add_value(p: &mut Property, id: Option<String>, text: String) {
    match id {
        None => {
            if p.value.is_none() {
                p.value = Some(text);
            }
        }
        Some(id) => {
            let array = p
                .array
                .get_or_insert_with(|| serde_json::json!({ "indexes": [] }));
            if !array
                .get("indexes")
                .is_some_and(serde_json::Value::is_array)
            {
                if let Some(map) = array.as_object_mut() {
                    map.insert("indexes".into(), serde_json::Value::Array(Vec::new()));
                }
            }
            if let Some(list) = array.get_mut("indexes").and_then(|v| v.as_array_mut()) {
                list.push(serde_json::json!({ "text": id, "value": { "value": text } }));
            }
        }
    }
}

// Attribute readers. Each returns the message of the first bad attribute; the caller adds the
// location and path.

/// Calls `f` with the local name and unescaped value of every attribute but namespace
/// declarations.
fn each_attr<'a>(
    e: &Tag<'a, '_>,
    mut f: impl FnMut(&str, Cow<'a, str>) -> Result<(), String>,
) -> Result<(), String> {
    // A repeated attribute is simply read twice, the last one winning.
    for attr in e.attributes {
        if attr.is_namespace_declaration() {
            continue;
        }
        let key = attr.local_name();
        let value = attr
            .value()
            .map_err(|err| format!("malformed value of {key}: {err}"))?;
        f(key, value)?;
    }
    Ok(())
}

/// Keeps an unknown attribute as `"@Name"`.
fn keep(extra: &mut Extra, key: &str, value: Cow<'_, str>) {
    extra.insert(
        format!("@{key}"),
        serde_json::Value::String(value.into_owned()),
    );
}

fn string(value: Cow<'_, str>) -> Option<String> {
    if value.is_empty() {
        None
    } else {
        Some(value.into_owned())
    }
}

fn invalid(key: &str, value: &str, expected: &str) -> String {
    format!("invalid {key} {value:?}: expected {expected}")
}

fn int(key: &str, value: &str) -> Result<Option<i64>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    value
        .trim()
        .parse()
        .map(Some)
        .map_err(|_| invalid(key, value, "an integer"))
}

fn number(key: &str, value: &str) -> Result<Option<f64>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    float::parse(value)
        .map(Some)
        .ok_or_else(|| invalid(key, value, "a number (or INF, -INF, NaN)"))
}

fn boolean(key: &str, value: &str) -> Result<Option<bool>, String> {
    match value.trim() {
        "" => Ok(None),
        "1" => Ok(Some(true)),
        "0" => Ok(Some(false)),
        t if t.eq_ignore_ascii_case("true") => Ok(Some(true)),
        t if t.eq_ignore_ascii_case("false") => Ok(Some(false)),
        _ => Err(invalid(key, value, "true or false")),
    }
}

fn timestamp(key: &str, value: &str) -> Result<Option<Timestamp>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    Timestamp::parse(value).map(Some).map_err(|_| {
        invalid(
            key,
            value,
            "a date-time like 2026-01-30T22:01:41.4707353+01:00",
        )
    })
}

fn guid(key: &str, value: &str) -> Result<Option<Uuid>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(value.trim())
        .map(Some)
        .map_err(|_| invalid(key, value, "a GUID"))
}

fn status(key: &str, value: &str) -> Result<Option<Status>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    Status::parse(value).map(Some).ok_or_else(|| {
        invalid(
            key,
            value,
            "Passed, Done, Skipped, Failed, Error or Terminated",
        )
    })
}

fn comp_op(value: &str) -> Option<CompOpValue> {
    (!value.is_empty()).then(|| CompOpValue::parse(value))
}

fn read_report(e: &Tag<'_, '_>) -> Result<Node, String> {
    let mut r = Report::default();
    each_attr(e, |k, v| {
        match k {
            "type" => {
                r.report_type = match v.as_ref() {
                    "" => None,
                    t => {
                        Some(ReportType::parse(t).ok_or_else(|| invalid("type", t, "UUT or UUR"))?)
                    }
                }
            }
            "ID" => r.id = guid("ID", &v)?,
            "Start" => r.start = timestamp(k, &v)?,
            "Start_utc" => r.start_utc = timestamp(k, &v)?,
            "Result" => r.result = status(k, &v)?,
            "SN" => r.sn = string(v),
            "PN" => r.pn = string(v),
            "Rev" => r.rev = string(v),
            "origin" => r.origin = string(v),
            "MachineName" => r.machine_name = string(v),
            "Location" => r.location = string(v),
            "Purpose" => r.purpose = string(v),
            "ProductName" => r.product_name = string(v),
            _ => keep(&mut r.extra, k, v),
        }
        Ok(())
    })?;
    Ok(Node::Report(Box::new(ReportState {
        report: r,
        failures: Vec::new(),
    })))
}

fn read_process(e: &Tag<'_, '_>, r: &mut Report) -> Result<(), String> {
    each_attr(e, |k, v| {
        match k {
            "Code" => r.process_code = int(k, &v)?,
            "Name" => r.process_name = string(v),
            "CodeFormat" => r.process_code_format = string(v),
            _ => {} // `Process` has no struct to keep unknown attributes in
        }
        Ok(())
    })
}

fn read_uut(e: &Tag<'_, '_>) -> Result<Box<UutInfo>, String> {
    let mut u = Box::<UutInfo>::default();
    each_attr(e, |k, v| {
        match k {
            "UserLoginName" => u.user = string(v),
            "BatchSN" => u.batch_sn = string(v),
            "TestSocketIndex" => u.test_socket_index = int(k, &v)?,
            "TestSocketIndexFormat" => u.test_socket_index_format = string(v),
            "ExecutionTime" => u.exec_time = number(k, &v)?,
            "ExecutionTimeFormat" => u.exec_time_format = string(v),
            "FixtureId" => u.fixture_id = string(v),
            "ErrorCode" => u.error_code = int(k, &v)?,
            "ErrorCodeFormat" => u.error_code_format = string(v),
            "ErrorMessage" => u.error_message = string(v),
            "BatchLoopIndex" => u.batch_loop_index = int(k, &v)?,
            "BatchLoopIndexFormat" => u.batch_loop_index_format = string(v),
            "BatchFailCount" => u.batch_fail_count = int(k, &v)?,
            "BatchFailCountFormat" => u.batch_fail_count_format = string(v),
            "StepIdCausedUUTFailure" => u.step_id_caused_uut_failure = int(k, &v)?,
            _ => keep(&mut u.extra, k, v),
        }
        Ok(())
    })?;
    Ok(u)
}

fn read_uur(e: &Tag<'_, '_>) -> Result<Box<UurInfo>, String> {
    let mut u = Box::<UurInfo>::default();
    each_attr(e, |k, v| {
        match k {
            "UserLoginName" => u.user = string(v),
            "ConfirmDate" => u.confirm_date = timestamp(k, &v)?,
            "FinalizeDate" => u.finalize_date = timestamp(k, &v)?,
            "Active" => u.active = boolean(k, &v)?,
            "ExecutionTime" => u.exec_time = number(k, &v)?,
            "ReferencedUUT" => u.ref_uut = guid("ReferencedUUT", &v)?,
            "Parent" => u.parent = guid("Parent", &v)?,
            _ => keep(&mut u.extra, k, v),
        }
        Ok(())
    })?;
    Ok(u)
}

fn read_uur_process(e: &Tag<'_, '_>, u: &mut UurInfo) -> Result<(), String> {
    each_attr(e, |k, v| {
        match k {
            "Code" => u.process_code = int(k, &v)?,
            "Name" => u.process_name = string(v),
            "CodeFormat" => u.process_code_format = string(v),
            _ => {}
        }
        Ok(())
    })
}

fn read_misc_info(e: &Tag<'_, '_>) -> Result<Box<MiscInfo>, String> {
    let mut m = Box::<MiscInfo>::default();
    each_attr(e, |k, v| {
        match k {
            "Description" => m.description = string(v),
            "Numeric" => m.numeric = number(k, &v)?,
            "NumericFormat" => m.numeric_format = string(v),
            "Typedef" => m.typedef = string(v),
            "Id" => m.id = string(v),
            "idx" | "order_no" => {}
            _ => keep(&mut m.extra, k, v),
        }
        Ok(())
    })?;
    Ok(m)
}

fn read_sub_unit(e: &Tag<'_, '_>) -> Result<SubUnit, String> {
    let mut u = SubUnit::default();
    each_attr(e, |k, v| {
        match k {
            "Idx" => u.idx = int(k, &v)?,
            "ParentIDX" => u.parent_idx = int(k, &v)?,
            "ReplacedIDX" => u.replaced_idx = int(k, &v)?,
            "PartType" => u.part_type = string(v),
            "PN" => u.pn = string(v),
            "SN" => u.sn = string(v),
            "Rev" => u.rev = string(v),
            "Position" => u.position = int(k, &v)?,
            _ => keep(&mut u.extra, k, v),
        }
        Ok(())
    })?;
    Ok(u)
}

fn read_failure(e: &Tag<'_, '_>) -> Result<(i64, Box<Failure>), String> {
    let mut f = Box::<Failure>::default();
    let mut part = 0;
    each_attr(e, |k, v| {
        match k {
            "Category" => f.category = string(v),
            "Code" => f.code = string(v),
            "PartIdx" => part = int(k, &v)?.unwrap_or(0),
            "CompRef" => f.com_ref = string(v),
            "FunctionBlock" => f.func_block = string(v),
            "StepID" => f.ref_step_id = int(k, &v)?,
            "StepName" => f.ref_step_name = string(v),
            "ArticleNumber" => f.art_number = string(v),
            "ArticleRevision" => f.art_rev = string(v),
            "ArticleVendor" => f.art_vendor = string(v),
            "ArticleDescription" => f.art_description = string(v),
            "Idx" => {}
            _ => keep(&mut f.extra, k, v),
        }
        Ok(())
    })?;
    Ok((part, f))
}

fn read_binary(e: &Tag<'_, '_>) -> Result<Box<BinaryData>, String> {
    let mut b = Box::<BinaryData>::default();
    each_attr(e, |k, v| {
        if k != "BinaryDataIndex" {
            keep(&mut b.extra, k, v);
        }
        Ok(())
    })?;
    Ok(b)
}

fn read_data(e: &Tag<'_, '_>, b: &mut BinaryData) -> Result<(), String> {
    each_attr(e, |k, v| {
        match k {
            "BinaryDataGUID" => b.id = guid("BinaryDataGUID", &v)?,
            "ContentType" => b.content_type = string(v),
            "FileName" => b.name = string(v),
            "size" => {}
            _ => keep(&mut b.extra, k, v),
        }
        Ok(())
    })
}

fn read_asset(e: &Tag<'_, '_>) -> Result<Asset, String> {
    let mut a = Asset::default();
    each_attr(e, |k, v| {
        match k {
            "AssetSN" => a.asset_sn = string(v),
            "UsageCount" => a.usage_count = int(k, &v)?,
            "UsageCountFormat" => a.usage_count_format = string(v),
            _ => keep(&mut a.extra, k, v),
        }
        Ok(())
    })?;
    Ok(a)
}

fn read_additional(e: &Tag<'_, '_>) -> Result<Box<AdditionalData>, String> {
    let mut a = Box::<AdditionalData>::default();
    each_attr(e, |k, v| {
        match k {
            "Name" => a.name = string(v),
            "Idx" => {}
            _ => keep(&mut a.extra, k, v),
        }
        Ok(())
    })?;
    Ok(a)
}

fn read_prop(e: &Tag<'_, '_>) -> Result<Box<Property>, String> {
    let mut p = Box::<Property>::default();
    each_attr(e, |k, v| {
        match k {
            "Name" => p.name = string(v),
            "Type" => p.prop_type = string(v),
            "Flags" => p.flags = flags(&v)?,
            _ => keep(&mut p.extra, k, v),
        }
        Ok(())
    })?;
    Ok(p)
}

/// TestStand writes flags in hex (`0x4400`); decimal is accepted too.
fn flags(value: &str) -> Result<Option<i64>, String> {
    let t = value.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"));
    let parsed = match hex {
        Some(digits) => u64::from_str_radix(digits, 16).ok().map(|v| v as i64),
        None => t.parse().ok(),
    };
    parsed
        .map(Some)
        .ok_or_else(|| invalid("Flags", value, "an integer such as 0x0"))
}

fn read_value(e: &Tag<'_, '_>) -> Result<Node, String> {
    let mut id = None;
    each_attr(e, |k, v| {
        if k == "ID" {
            id = Some(v.into_owned());
        }
        Ok(())
    })?;
    Ok(Node::Value(id, String::new()))
}

fn read_step(e: &Tag<'_, '_>) -> Result<Box<Step>, String> {
    let mut s = Box::<Step>::default();
    each_attr(e, |k, v| {
        match k {
            "Id" => s.id = int(k, &v)?,
            "Group" => {
                s.group = match v.as_ref() {
                    "" => None,
                    g => Some(
                        StepGroup::parse(g)
                            .ok_or_else(|| invalid("Group", g, "Setup, Main or Cleanup"))?,
                    ),
                }
            }
            "Name" => s.name = string(v),
            "StepType" => s.step_type = (!v.is_empty()).then(|| shared_name(&v)),
            // `Unknown` is a WSXF-only step status (TestStand mode); keep it verbatim.
            "Status" if v.trim().eq_ignore_ascii_case("Unknown") => keep(&mut s.extra, k, v),
            "Status" => s.status = status(k, &v)?,
            "total_time" => s.tot_time = number(k, &v)?,
            "total_timeFormat" => s.tot_time_format = string(v),
            "StepErrorCode" => s.error_code = int(k, &v)?,
            "StepErrorCodeFormat" => s.error_code_format = string(v),
            "StepErrorMessage" => s.error_message = string(v),
            "Start" => s.start = timestamp(k, &v)?,
            "TSGuid" => s.ts_guid = string(v),
            "StepCausedUUTFailure" => s.caused_uut_failure = boolean(k, &v)?,
            "StepCausedSequenceFailure" => s.caused_seq_failure = boolean(k, &v)?,
            "StepIndex" => {}
            _ => keep(&mut s.extra, k, v),
        }
        Ok(())
    })?;
    Ok(s)
}

fn read_loop(e: &Tag<'_, '_>) -> Result<LoopInfo, String> {
    let mut l = LoopInfo::default();
    each_attr(e, |k, v| {
        match k {
            "index" => l.idx = int(k, &v)?,
            "num" => l.num = int(k, &v)?,
            "passed" => l.passed = int(k, &v)?,
            "failed" => l.failed = int(k, &v)?,
            "ending_index" => l.ending_index = int(k, &v)?,
            _ => keep(&mut l.extra, k, v),
        }
        Ok(())
    })?;
    Ok(l)
}

fn read_seq_call(e: &Tag<'_, '_>) -> Result<SeqCall, String> {
    let mut c = SeqCall::default();
    each_attr(e, |k, v| {
        match k {
            "Name" => c.name = string(v),
            "Version" => c.version = string(v),
            "Filepath" => c.path = string(v),
            "Filename" | "MeasIndex" => {}
            _ => keep(&mut c.extra, k, v),
        }
        Ok(())
    })?;
    Ok(c)
}

fn read_numeric(e: &Tag<'_, '_>) -> Result<NumericMeasurement, String> {
    let mut m = NumericMeasurement::default();
    each_attr(e, |k, v| {
        match k {
            "Name" => m.name = string(v),
            "NumericValue" => m.value = number(k, &v)?,
            "NumericValueFormat" => m.value_format = string(v),
            "Units" => m.unit = (!v.is_empty()).then(|| shared_name(&v)),
            "CompOperator" => m.comp_op = comp_op(&v),
            "HighLimit" => m.high_limit = number(k, &v)?,
            "HighLimitFormat" => m.high_limit_format = string(v),
            "LowLimit" => m.low_limit = number(k, &v)?,
            "LowLimitFormat" => m.low_limit_format = string(v),
            "Status" => m.status = status(k, &v)?,
            "MeasIndex" | "MeasOrderNumber" => {}
            _ => keep(&mut m.extra, k, v),
        }
        Ok(())
    })?;
    Ok(m)
}

fn read_pass_fail(e: &Tag<'_, '_>) -> Result<BooleanMeasurement, String> {
    let mut m = BooleanMeasurement::default();
    each_attr(e, |k, v| {
        match k {
            "Name" => m.name = string(v),
            "Status" => m.status = status(k, &v)?,
            "MeasIndex" | "MeasOrderNumber" => {}
            _ => keep(&mut m.extra, k, v),
        }
        Ok(())
    })?;
    Ok(m)
}

fn read_string_value(e: &Tag<'_, '_>) -> Result<StringMeasurement, String> {
    let mut m = StringMeasurement::default();
    each_attr(e, |k, v| {
        match k {
            "Name" => m.name = string(v),
            "CompOperator" => m.comp_op = comp_op(&v),
            "StringLimit" => m.limit = string(v),
            "StringValue" => m.value = string(v),
            "Status" => m.status = status(k, &v)?,
            "MeasIndex" | "MeasOrderNumber" => {}
            _ => keep(&mut m.extra, k, v),
        }
        Ok(())
    })?;
    Ok(m)
}

fn read_chart(e: &Tag<'_, '_>) -> Result<Box<Chart>, String> {
    let mut c = Box::<Chart>::default();
    each_attr(e, |k, v| {
        match k {
            "ChartType" => c.chart_type = string(v),
            "Label" => c.label = string(v),
            "XLabel" => c.x_label = string(v),
            "XUnit" => c.x_unit = string(v),
            "YLabel" => c.y_label = string(v),
            "YUnit" => c.y_unit = string(v),
            "idx" => {}
            _ => keep(&mut c.extra, k, v),
        }
        Ok(())
    })?;
    Ok(c)
}

fn read_series(e: &Tag<'_, '_>) -> Result<Box<Series>, String> {
    let mut s = Box::<Series>::default();
    each_attr(e, |k, v| {
        match k {
            "Name" => s.name = string(v),
            "DataType" => s.data_type = string(v),
            _ => keep(&mut s.extra, k, v),
        }
        Ok(())
    })?;
    Ok(s)
}

fn read_call_exe(e: &Tag<'_, '_>) -> Result<CallExe, String> {
    let mut c = CallExe::default();
    each_attr(e, |k, v| {
        match k {
            "ExitCode" => c.exit_code = number(k, &v)?,
            "ExitCodeFormat" => c.exit_code_format = string(v),
            "MeasIndex" => {}
            _ => keep(&mut c.extra, k, v),
        }
        Ok(())
    })?;
    Ok(c)
}

fn read_message_popup(e: &Tag<'_, '_>) -> Result<MessagePopup, String> {
    let mut m = MessagePopup::default();
    each_attr(e, |k, v| {
        match k {
            "Button" => m.button = int(k, &v)?,
            "ButtonFormat" => m.button_format = string(v),
            "Response" => m.response = string(v),
            "MeasIndex" => {}
            _ => keep(&mut m.extra, k, v),
        }
        Ok(())
    })?;
    Ok(m)
}

fn read_attachment(e: &Tag<'_, '_>) -> Result<Box<Attachment>, String> {
    let mut a = Box::<Attachment>::default();
    each_attr(e, |k, v| {
        match k {
            "Name" => a.name = string(v),
            "ContentType" => a.content_type = string(v),
            "Size" => {}
            _ => keep(&mut a.extra, k, v),
        }
        Ok(())
    })?;
    Ok(a)
}

// ------------------------------------------------------------------------------------------------
// Writing
// ------------------------------------------------------------------------------------------------

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

struct Writer {
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

    fn attr(&mut self, name: &'static str, value: &str) {
        self.raw_attr(name);
        escape(&mut self.out, value, true);
        self.out.push('"');
    }

    fn string(&mut self, name: &'static str, value: &Option<String>) {
        if let Some(v) = value {
            self.attr(name, v);
        }
    }

    fn int(&mut self, name: &'static str, value: Option<i64>) {
        if let Some(v) = value {
            self.raw_attr(name);
            let _ = write!(self.out, "{v}\"");
        }
    }

    fn num(&mut self, name: &'static str, value: Option<f64>) {
        if let Some(v) = value {
            self.raw_attr(name);
            push_float(&mut self.out, v);
            self.out.push('"');
        }
    }

    fn boolean(&mut self, name: &'static str, value: Option<bool>) {
        if let Some(v) = value {
            self.attr(name, if v { "true" } else { "false" });
        }
    }

    fn time(&mut self, name: &'static str, value: &Option<Timestamp>) {
        if let Some(v) = value {
            self.raw_attr(name);
            let _ = write!(self.out, "{v}\"");
        }
    }

    fn guid(&mut self, name: &'static str, value: Option<Uuid>) {
        if let Some(v) = value {
            self.raw_attr(name);
            let _ = write!(self.out, "{v:X}\"");
        }
    }

    fn status(&mut self, name: &'static str, value: Option<Status>) {
        if let Some(v) = value {
            self.attr(name, v.word());
        }
    }

    fn comp_op(&mut self, name: &'static str, value: &Option<CompOpValue>) {
        if let Some(v) = value {
            self.attr(name, v.as_str());
        }
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
        if let Some(t) = r.report_type {
            self.attr("type", t.word());
        }
        self.guid("ID", r.id);
        self.time("Start", &r.start);
        self.time("Start_utc", &r.start_utc);
        self.status("Result", r.result);
        self.string("SN", &r.sn);
        self.string("PN", &r.pn);
        self.string("Rev", &r.rev);
        self.string("origin", &r.origin);
        self.string("MachineName", &r.machine_name);
        self.string("Location", &r.location);
        self.string("Purpose", &r.purpose);
        self.string("ProductName", &r.product_name);
        self.extras(&r.extra);
        let mark = self.content();

        if let Some(u) = &r.uut {
            self.uut(u);
        }
        if let Some(u) = &r.uur {
            self.uur(u);
        }
        if r.process_code.is_some() || r.process_name.is_some() || r.process_code_format.is_some() {
            self.process(r.process_code, &r.process_name, &r.process_code_format);
        }
        for a in r.additional_data.iter().flatten() {
            self.additional("AdditionalData", a, None);
        }
        for a in r.assets.iter().flatten() {
            self.open("Asset");
            self.string("AssetSN", &a.asset_sn);
            self.int("UsageCount", a.usage_count);
            self.string("UsageCountFormat", &a.usage_count_format);
            self.extras(&a.extra);
            self.out.push_str("/>");
        }
        for (i, m) in r.misc_infos.iter().flatten().enumerate() {
            self.open("MiscInfo");
            self.string("Typedef", &m.typedef);
            self.string("Id", &m.id);
            self.string("Description", &m.description);
            self.num("Numeric", m.numeric);
            self.string("NumericFormat", &m.numeric_format);
            self.int("idx", Some(i as i64));
            self.int("order_no", Some(i as i64));
            self.extras(&m.extra);
            let mark = self.content();
            if let Some(text) = &m.text {
                escape(&mut self.out, text, false);
            }
            self.close("MiscInfo", mark);
        }
        for u in r.sub_units.iter().flatten() {
            self.open("ReportUnitHierarchy");
            self.int("Idx", u.idx);
            self.int("ParentIDX", u.parent_idx);
            self.int("ReplacedIDX", u.replaced_idx);
            self.string("PartType", &u.part_type);
            self.string("PN", &u.pn);
            self.string("SN", &u.sn);
            self.string("Rev", &u.rev);
            self.int("Position", u.position);
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

    fn process(&mut self, code: Option<i64>, name: &Option<String>, format: &Option<String>) {
        self.open("Process");
        self.int("Code", code);
        self.string("Name", name);
        self.string("CodeFormat", format);
        self.out.push_str("/>");
    }

    fn uut(&mut self, u: &UutInfo) {
        self.open("UUT");
        self.string("UserLoginName", &u.user);
        self.string("BatchSN", &u.batch_sn);
        self.int("TestSocketIndex", u.test_socket_index);
        self.string("TestSocketIndexFormat", &u.test_socket_index_format);
        self.num("ExecutionTime", u.exec_time);
        self.string("ExecutionTimeFormat", &u.exec_time_format);
        self.string("FixtureId", &u.fixture_id);
        self.int("ErrorCode", u.error_code);
        self.string("ErrorCodeFormat", &u.error_code_format);
        self.string("ErrorMessage", &u.error_message);
        self.int("BatchLoopIndex", u.batch_loop_index);
        self.string("BatchLoopIndexFormat", &u.batch_loop_index_format);
        self.int("BatchFailCount", u.batch_fail_count);
        self.string("BatchFailCountFormat", &u.batch_fail_count_format);
        self.int("StepIdCausedUUTFailure", u.step_id_caused_uut_failure);
        self.extras(&u.extra);
        let mark = self.content();
        self.text_element("Comment", &u.comment);
        self.close("UUT", mark);
    }

    fn uur(&mut self, u: &UurInfo) {
        self.open("UUR");
        self.string("UserLoginName", &u.user);
        self.time("ConfirmDate", &u.confirm_date);
        self.time("FinalizeDate", &u.finalize_date);
        self.boolean("Active", u.active);
        self.num("ExecutionTime", u.exec_time);
        self.guid("ReferencedUUT", u.ref_uut);
        self.guid("Parent", u.parent);
        self.extras(&u.extra);
        let mark = self.content();
        for child in u.children.iter().flatten() {
            let _ = write!(self.out, "<Children>{child:X}</Children>");
        }
        self.text_element("Comment", &u.comment);
        if u.process_code.is_some() || u.process_name.is_some() || u.process_code_format.is_some() {
            self.process(u.process_code, &u.process_name, &u.process_code_format);
        }
        self.close("UUR", mark);
    }

    fn failure(&mut self, f: &Failure, idx: i64, part: i64) {
        self.open("Failures");
        self.string("Category", &f.category);
        self.string("Code", &f.code);
        self.int("Idx", Some(idx));
        self.int("PartIdx", Some(part));
        self.string("CompRef", &f.com_ref);
        self.int("StepID", f.ref_step_id);
        self.string("StepName", &f.ref_step_name);
        self.string("FunctionBlock", &f.func_block);
        self.string("ArticleNumber", &f.art_number);
        self.string("ArticleRevision", &f.art_rev);
        self.string("ArticleVendor", &f.art_vendor);
        self.string("ArticleDescription", &f.art_description);
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
        self.guid("BinaryDataGUID", b.id);
        self.string("ContentType", &b.content_type);
        if let Some(data) = &b.data {
            self.int("size", Some(base64_size(data)));
        }
        self.string("FileName", &b.name);
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
        self.string("Name", &a.name);
        if let Some(i) = idx {
            self.int("Idx", Some(i as i64));
        }
        self.extras(&a.extra);
        let mark = self.content();
        for p in a.props.iter().flatten() {
            self.prop(p);
        }
        self.close(tag, mark);
    }

    fn prop(&mut self, p: &Property) {
        self.open("Prop");
        self.string("Name", &p.name);
        self.string("Type", &p.prop_type);
        if let Some(flags) = p.flags {
            self.raw_attr("Flags");
            let _ = write!(self.out, "0x{flags:X}\"");
        }
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
        self.int("Id", s.id);
        if let Some(g) = s.group {
            self.attr("Group", g.word());
        }
        self.string("Name", &s.name);
        if let Some(step_type) = &s.step_type {
            self.attr("StepType", step_type);
        }
        self.status("Status", s.status);
        self.num("total_time", s.tot_time);
        self.string("total_timeFormat", &s.tot_time_format);
        self.int("StepIndex", Some(step_index));
        self.string("TSGuid", &s.ts_guid);
        self.int("StepErrorCode", s.error_code);
        self.string("StepErrorCodeFormat", &s.error_code_format);
        self.string("StepErrorMessage", &s.error_message);
        self.time("Start", &s.start);
        self.boolean("StepCausedSequenceFailure", s.caused_seq_failure);
        self.boolean("StepCausedUUTFailure", s.caused_uut_failure);
        self.extras(&s.extra);
        let mark = self.content();

        if let Some(l) = &s.loop_info {
            self.open("Loop");
            self.int("num", l.num);
            self.int("passed", l.passed);
            self.int("failed", l.failed);
            self.int("ending_index", l.ending_index);
            self.int("index", l.idx);
            self.extras(&l.extra);
            self.out.push_str("/>");
        }
        self.text_element("ReportText", &s.report_text);
        if let Some(c) = &s.seq_call {
            self.open("SequenceCall");
            self.string("Name", &c.name);
            self.string("Version", &c.version);
            if let Some(path) = &c.path {
                self.attr("Filename", path.rsplit(['/', '\\']).next().unwrap_or(path));
            }
            self.string("Filepath", &c.path);
            self.int("MeasIndex", Some(0));
            self.extras(&c.extra);
            self.out.push_str("/>");
        }
        for (i, m) in s.numeric_meas.iter().flatten().enumerate() {
            self.open("NumericLimit");
            self.string("Name", &m.name);
            self.num("NumericValue", m.value);
            self.string("NumericValueFormat", &m.value_format);
            if let Some(unit) = &m.unit {
                self.attr("Units", unit);
            }
            self.comp_op("CompOperator", &m.comp_op);
            self.num("HighLimit", m.high_limit);
            self.string("HighLimitFormat", &m.high_limit_format);
            self.num("LowLimit", m.low_limit);
            self.string("LowLimitFormat", &m.low_limit_format);
            self.status("Status", m.status);
            self.int("MeasIndex", Some(i as i64));
            self.meas_order();
            self.extras(&m.extra);
            self.out.push_str("/>");
        }
        for (i, m) in s.boolean_meas.iter().flatten().enumerate() {
            self.open("PassFail");
            self.string("Name", &m.name);
            self.int("MeasIndex", Some(i as i64));
            self.status("Status", m.status);
            self.meas_order();
            self.extras(&m.extra);
            self.out.push_str("/>");
        }
        for (i, m) in s.string_meas.iter().flatten().enumerate() {
            self.open("StringValue");
            self.string("Name", &m.name);
            self.comp_op("CompOperator", &m.comp_op);
            self.string("StringLimit", &m.limit);
            self.string("StringValue", &m.value);
            self.status("Status", m.status);
            self.meas_order();
            self.int("MeasIndex", Some(i as i64));
            self.extras(&m.extra);
            self.out.push_str("/>");
        }
        if let Some(c) = &s.chart {
            self.chart(c);
        }
        if let Some(c) = &s.call_exe {
            self.open("Callexe");
            self.num("ExitCode", c.exit_code);
            self.string("ExitCodeFormat", &c.exit_code_format);
            self.int("MeasIndex", Some(0));
            self.extras(&c.extra);
            self.out.push_str("/>");
        }
        if let Some(m) = &s.message_popup {
            self.open("MessagePopup");
            self.int("Button", m.button);
            self.string("ButtonFormat", &m.button_format);
            self.string("Response", &m.response);
            self.int("MeasIndex", Some(0));
            self.extras(&m.extra);
            self.out.push_str("/>");
        }
        if let Some(a) = &s.attachment {
            self.open("Attachment");
            self.string("Name", &a.name);
            self.string("ContentType", &a.content_type);
            if let Some(data) = &a.data {
                self.int("Size", Some(base64_size(data)));
            }
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

    fn meas_order(&mut self) {
        self.int("MeasOrderNumber", Some(self.order));
        self.order += 1;
    }

    fn chart(&mut self, c: &Chart) {
        self.open("Chart");
        self.int("idx", Some(0));
        self.string("ChartType", &c.chart_type);
        self.string("Label", &c.label);
        self.string("XLabel", &c.x_label);
        self.string("XUnit", &c.x_unit);
        self.string("YLabel", &c.y_label);
        self.string("YUnit", &c.y_unit);
        self.extras(&c.extra);
        let mark = self.content();
        for series in c.series.iter().flatten() {
            self.open("Series");
            self.string("Name", &series.name);
            self.string("DataType", &series.data_type);
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
