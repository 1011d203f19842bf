//! Reading WSXF: a streaming parser with its own stack, attributes from [`super::names`].

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::error::{Location, ReadError};
use crate::report::*;
use crate::step::*;
use crate::wire::Extra;
use crate::xml::{Tag, Token, Tokenizer};

use super::names::{self, guid};
use super::MAX_DEPTH;

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

mod attrs;

use attrs::*;
