//! Small parsing helpers shared by the converters: numbered lines, numbers, a bounded XML tree
//! and a bounded ZIP reader.

use std::io::Read;

use crate::ConvertError;

/// The lines of `text` with their 1-based numbers, without line endings (`\n`, `\r\n`); text
/// after the last line ending is a line too (empty if the text ends with one).
pub fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    split_byte(text, b'\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .enumerate()
        .map(|(i, line)| (i + 1, line))
}

/// `text.split(byte)` for an ASCII `byte`, with memchr directly: `str::split`'s char searcher
/// also compares every match, a tenth of the time of reading a file of short rows.
pub fn split_byte(text: &str, byte: u8) -> impl Iterator<Item = &str> {
    debug_assert!(
        byte.is_ascii(),
        "splitting at a non-ASCII byte could cut a character"
    );
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        Some(match memchr::memchr(byte, r.as_bytes()) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                &r[..i]
            }
            None => {
                rest = None;
                r
            }
        })
    })
}

/// A number as test equipment writes it: surrounding blanks, `+`, exponents, `NaN`, `Inf`,
/// `1.#INF`. `None` for anything else.
pub fn parse_number(text: &str) -> Option<f64> {
    // Most fields are a plain decimal with no blanks: parsed before any trimming.
    if let Some(v) = wats_report::wire::float::parse_plain(text) {
        return Some(v);
    }
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    // `inf`, `infinity` and `nan` in any case and with a sign too.
    if let Ok(v) = text.parse::<f64>() {
        return Some(v);
    }
    // MSVC's spellings of the same.
    let is = |spelling: &str| text.eq_ignore_ascii_case(spelling);
    if is("1.#inf") || is("+1.#inf") {
        Some(f64::INFINITY)
    } else if is("-1.#inf") {
        Some(f64::NEG_INFINITY)
    } else if is("1.#qnan") || is("-1.#ind") || is("1.#ind") {
        Some(f64::NAN)
    } else {
        None
    }
}

/// A number with an SI prefix or unit suffix attached (`4.7k`, `10uF`, `3.3V`): the value
/// scaled by the prefix and the unit text that followed. `None` if no number starts the text.
pub fn parse_number_with_unit(text: &str) -> Option<(f64, String)> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || ((c == '-' || c == '+') && (i == 0 || text[..i].ends_with(['e', 'E'])))
                || ((c == 'e' || c == 'E')
                    && text[i + 1..]
                        .chars()
                        .next()
                        .is_some_and(|n| n.is_ascii_digit() || n == '-' || n == '+')))
        })
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let value: f64 = text[..end].parse().ok()?;
    let rest = text[end..].trim();
    let mut chars = rest.chars();
    let scale = match chars.next() {
        Some('T') => 1e12,
        Some('G') => 1e9,
        Some('M') => 1e6,
        Some('k') | Some('K') => 1e3,
        Some('m') => 1e-3,
        Some('u') | Some('µ') | Some('μ') => 1e-6,
        Some('n') => 1e-9,
        Some('p') => 1e-12,
        Some('f') => 1e-15,
        _ => 1.0,
    };
    if scale != 1.0 && chars.as_str().is_empty() {
        // A bare prefix ("4.7k"): scaled, no unit.
        return Some((value * scale, String::new()));
    }
    if scale != 1.0 {
        return Some((value * scale, chars.as_str().to_string()));
    }
    Some((value, rest.to_string()))
}

/// The comparison two optional limits imply (`GELE`, `GE`, `LE`, `LOG`), or `op` when given,
/// with the limits placed as WATS reads them: a single upper limit of `LE`/`LT` goes into
/// `lowLimit`.
pub fn comparison(
    op: Option<wats_report::CompOp>,
    low: Option<f64>,
    high: Option<f64>,
) -> (wats_report::CompOp, Option<f64>, Option<f64>) {
    use wats_report::CompOp;
    let op = op.unwrap_or(match (low, high) {
        (Some(_), Some(_)) => CompOp::GELE,
        (Some(_), None) => CompOp::GE,
        (None, Some(_)) => CompOp::LE,
        (None, None) => CompOp::LOG,
    });
    match (op, low, high) {
        (CompOp::LE | CompOp::LT, None, Some(h)) => (op, Some(h), None),
        (_, l, h) => (op, l, h),
    }
}

/// Limits for [`xml::parse`] and [`zip_entries`]: how much work an input may cause.
pub mod limits {
    /// Deepest element nesting accepted.
    pub const MAX_XML_DEPTH: usize = 256;
    /// Most elements in one XML document.
    pub const MAX_XML_ELEMENTS: usize = 2_000_000;
    /// Most bytes all members of a ZIP may expand to.
    pub const MAX_ZIP_BYTES: u64 = 256 * 1024 * 1024;
    /// Largest expansion ratio of a ZIP member (a zip bomb expands far more).
    pub const MAX_ZIP_RATIO: u64 = 200;
    /// Most members in a ZIP.
    pub const MAX_ZIP_ENTRIES: usize = 10_000;
}

/// Reads the members of a ZIP archive whose name `wanted` accepts (the others are not
/// decompressed), refusing archives that would expand beyond [`limits::MAX_ZIP_BYTES`] in
/// total, by more than [`limits::MAX_ZIP_RATIO`] per member, or that have more than
/// [`limits::MAX_ZIP_ENTRIES`] members. Directories are skipped.
pub fn zip_entries(
    bytes: &[u8],
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<(String, Vec<u8>)>, ConvertError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| ConvertError::new(format!("not a readable ZIP archive: {e}")))?;
    if archive.len() > limits::MAX_ZIP_ENTRIES {
        return Err(ConvertError::new(format!(
            "ZIP archive has {} members, more than the limit of {}",
            archive.len(),
            limits::MAX_ZIP_ENTRIES
        )));
    }
    let mut total = 0u64;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        // By name first: opening a member sets up its decompressor, wasted on unwanted ones.
        let name = match archive.name_for_index(i) {
            Some(name) if !name.ends_with(['/', '\\']) && wanted(name) => name.to_string(),
            _ => continue,
        };
        let member = archive
            .by_index(i)
            .map_err(|e| ConvertError::new(format!("ZIP member {name:?}: {e}")))?;
        // The declared sizes may lie: read at most what the limits allow and check what came.
        // A member cannot hold more compressed bytes than the archive has.
        let compressed = member.compressed_size().min(bytes.len() as u64);
        let allowed_by_ratio = compressed.max(1024).saturating_mul(limits::MAX_ZIP_RATIO);
        let allowed = allowed_by_ratio.min(limits::MAX_ZIP_BYTES - total);
        // Sized by the declared size so reading does not regrow it, but no more than a few
        // times the archive: a lying header must not reserve what never arrives.
        let reserve = member.size().min(allowed).min(bytes.len() as u64 * 8);
        let mut data = Vec::with_capacity(reserve as usize + 1);
        member
            .take(allowed + 1)
            .read_to_end(&mut data)
            .map_err(|e| ConvertError::new(format!("ZIP member {name:?}: {e}")))?;
        if data.len() as u64 > allowed {
            return Err(ConvertError::new(format!(
                "ZIP member {name:?} expands beyond the limit (zip bomb?)"
            )));
        }
        total += data.len() as u64;
        out.push((name, data));
    }
    Ok(out)
}

pub mod xml {
    //! A small, bounded XML tree for converters whose formats are easier to read as a tree.
    //!
    //! Refuses DTDs (so no entity expansion), bounds depth and element count, keeps the line of
    //! every element for error messages. The tree borrows names, values and text from the
    //! document (decode it with [`crate::source::decode_text`] first); only text with entities
    //! or in several pieces is copied, which made parsing several times faster than owning
    //! every string. Its elements live in one array and their attributes in another, linked by
    //! index, rather than each element owning vectors of its children and attributes: that
    //! spared up to two allocations per element: XJTAG, ATML and TestStand XML converted
    //! 20–30% faster, measured A/B on the samples.

    use std::borrow::Cow;

    use wats_report::xml::{is_blank, Token, Tokenizer};

    use super::limits;
    use crate::ConvertError;

    /// A parsed document: its elements in document order, the root first.
    #[derive(Clone, Debug)]
    pub struct Document<'a> {
        nodes: Vec<Node<'a>>,
        attributes: Vec<(&'a str, Cow<'a, str>)>,
    }

    /// One element's data; children and siblings are linked by index (0: none, as the root
    /// is nobody's child or sibling).
    #[derive(Clone, Debug)]
    struct Node<'a> {
        name: &'a str,
        /// Where the local name starts in `name` (after the prefix's colon): found by the
        /// tokenizer, and looked up by every `child`/`children_named` comparison.
        local_start: u32,
        /// The start and end of its attributes in [`Document::attributes`].
        attributes: (u32, u32),
        first_child: u32,
        next_sibling: u32,
        text: Cow<'a, str>,
        line: usize,
    }

    impl<'a> Document<'a> {
        /// The root element.
        pub fn root(&self) -> Element<'_, 'a> {
            Element {
                document: self,
                index: 0,
            }
        }
    }

    /// An element of a [`Document`]: name, attributes, children and the text directly inside
    /// it. A cheap handle (`Copy`); what it returns borrows the document.
    #[derive(Clone, Copy)]
    pub struct Element<'d, 'a> {
        document: &'d Document<'a>,
        index: u32,
    }

    impl std::fmt::Debug for Element<'_, '_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Element")
                .field("name", &self.name())
                .field("line", &self.line())
                .finish_non_exhaustive()
        }
    }

    impl<'d, 'a> Element<'d, 'a> {
        fn node(&self) -> &'d Node<'a> {
            &self.document.nodes[self.index as usize]
        }

        /// The qualified name (`tr:TestResult`).
        pub fn name(&self) -> &'a str {
            self.node().name
        }

        /// The name without its namespace prefix.
        pub fn local(&self) -> &'a str {
            let node = self.node();
            &node.name[node.local_start as usize..]
        }

        /// The 1-based line the element starts on.
        pub fn line(&self) -> usize {
            self.node().line
        }

        /// The text and CDATA directly inside, concatenated, unescaped (not trimmed). Where an
        /// element holds only whitespace between its children, just the first run is kept.
        pub fn text(&self) -> &'d str {
            &self.node().text
        }

        /// The attributes, qualified names with unescaped values, in document order.
        pub fn attributes(&self) -> &'d [(&'a str, Cow<'a, str>)] {
            let (start, end) = self.node().attributes;
            &self.document.attributes[start as usize..end as usize]
        }

        /// An attribute by name, compared without prefixes.
        pub fn attr(&self, name: &str) -> Option<&'d str> {
            self.attributes()
                .iter()
                .find(|(k, _)| local_name(k) == name)
                .map(|(_, v)| v.as_ref())
        }

        /// The child elements in order.
        pub fn children(&self) -> Children<'d, 'a> {
            Children {
                document: self.document,
                next: self.node().first_child,
            }
        }

        /// The first child with this local name.
        pub fn child(&self, local: &str) -> Option<Element<'d, 'a>> {
            self.children().find(|c| c.local() == local)
        }

        /// All children with this local name.
        pub fn children_named<'s>(
            &self,
            local: &'s str,
        ) -> impl Iterator<Item = Element<'d, 'a>> + 's
        where
            'd: 's,
            'a: 's,
        {
            self.children().filter(move |c| c.local() == local)
        }

        /// The descendant along a path of local names (`"UUT/SerialNumber"`).
        pub fn path(&self, path: &str) -> Option<Element<'d, 'a>> {
            path.split('/')
                .filter(|p| !p.is_empty())
                .try_fold(*self, |e, part| e.child(part))
        }

        /// The trimmed text of the descendant at `path`, if it exists and is not empty.
        pub fn text_at(&self, path: &str) -> Option<&'d str> {
            self.path(path)
                .map(|e| e.text().trim())
                .filter(|t| !t.is_empty())
        }

        /// The first descendant (depth first, including self) with this local name.
        pub fn find(&self, local: &str) -> Option<Element<'d, 'a>> {
            if self.local() == local {
                return Some(*self);
            }
            self.children().find_map(|c| c.find(local))
        }

        /// All descendants (depth first, including self) with this local name.
        pub fn find_all(&self, local: &str, out: &mut Vec<Element<'d, 'a>>) {
            if self.local() == local {
                out.push(*self);
            }
            for c in self.children() {
                c.find_all(local, out);
            }
        }
    }

    /// The children of an element, in order.
    #[derive(Clone)]
    pub struct Children<'d, 'a> {
        document: &'d Document<'a>,
        next: u32,
    }

    impl<'d, 'a> Iterator for Children<'d, 'a> {
        type Item = Element<'d, 'a>;

        fn next(&mut self) -> Option<Element<'d, 'a>> {
            if self.next == 0 {
                return None;
            }
            let element = Element {
                document: self.document,
                index: self.next,
            };
            self.next = self.document.nodes[self.next as usize].next_sibling;
            Some(element)
        }
    }

    pub use wats_report::xml::local_name;

    /// Parses a whole document (decoded with [`crate::source::decode_text`]); its root is
    /// [`Document::root`].
    pub fn parse(text: &str) -> Result<Document<'_>, ConvertError> {
        let bytes = text.as_bytes();
        let mut tokens = Tokenizer::new(text);
        let mut document = Document {
            nodes: Vec::new(),
            attributes: Vec::new(),
        };
        // The open elements: (index, index of its last child so far, 0 when none).
        let mut open: Vec<(u32, u32)> = Vec::new();
        // Whether the root element has closed: only blank text, comments and processing
        // instructions may follow (a second document would be lost otherwise).
        let mut done = false;
        let mut lines = LineCounter::new(bytes);
        loop {
            let (position, token) = tokens.next_token().map_err(|e| {
                ConvertError::at_line(lines.line(e.offset), format!("malformed XML: {e}"))
            })?;
            match token {
                Token::Start(tag) => {
                    let line = lines.line(position);
                    if done {
                        return Err(ConvertError::at_line(
                            line,
                            format!(
                                "<{}> after the root element <{}>: one document per file",
                                tag.name(),
                                document.nodes[0].name
                            ),
                        ));
                    }
                    if open.len() >= limits::MAX_XML_DEPTH {
                        return Err(ConvertError::at_line(
                            line,
                            format!("elements nested deeper than {}", limits::MAX_XML_DEPTH),
                        ));
                    }
                    if document.nodes.len() >= limits::MAX_XML_ELEMENTS {
                        return Err(ConvertError::at_line(
                            line,
                            format!("more than {} elements", limits::MAX_XML_ELEMENTS),
                        ));
                    }
                    let first_attribute = document.attributes.len() as u32;
                    for a in tag.attributes {
                        let value = a.value().map_err(|e| {
                            ConvertError::at_line(
                                lines.line(e.offset),
                                format!("bad attribute {:?} in <{}>: {e}", a.name(), tag.name()),
                            )
                        })?;
                        document.attributes.push((a.name(), value));
                    }
                    if document.attributes.len() > u32::MAX as usize {
                        return Err(ConvertError::at_line(line, "too many attributes"));
                    }
                    let index = document.nodes.len() as u32;
                    let name = tag.name();
                    document.nodes.push(Node {
                        name,
                        // (A prefix longer than 4 GiB keeps its whole name as local.)
                        local_start: u32::try_from(name.len() - tag.local_name().len())
                            .unwrap_or(0),
                        attributes: (first_attribute, document.attributes.len() as u32),
                        first_child: 0,
                        next_sibling: 0,
                        text: Cow::Borrowed(""),
                        line,
                    });
                    if let Some((parent, last)) = open.last_mut() {
                        match *last {
                            0 => document.nodes[*parent as usize].first_child = index,
                            sibling => document.nodes[sibling as usize].next_sibling = index,
                        }
                        *last = index;
                    }
                    if !tag.empty {
                        open.push((index, 0));
                    } else if open.is_empty() {
                        done = true;
                    }
                }
                Token::End(_) => {
                    open.pop().expect("the tokenizer matches end tags");
                    done = open.is_empty();
                }
                Token::Text(_) | Token::CData(_) if open.is_empty() => {
                    if !matches!(token, Token::Text(t) if is_blank(t.raw)) {
                        let place = if done { "after" } else { "before" };
                        return Err(ConvertError::at_line(
                            lines.line(position),
                            format!("text {place} the root element"),
                        ));
                    }
                }
                Token::Text(t) => {
                    if let Some(&(e, _)) = open.last() {
                        let unescaped = t.unescape().map_err(|err| {
                            ConvertError::at_line(
                                lines.line(err.offset),
                                format!("bad text: {err}"),
                            )
                        })?;
                        append(&mut document.nodes[e as usize].text, unescaped);
                    }
                }
                Token::CData(t) => {
                    if let Some(&(e, _)) = open.last() {
                        append(&mut document.nodes[e as usize].text, Cow::Borrowed(t));
                    }
                }
                Token::DocType => {
                    return Err(ConvertError::at_line(
                        lines.line(position),
                        "documents with a DTD are refused (entity expansion)",
                    ))
                }
                Token::Eof if done => return Ok(document),
                Token::Eof => {
                    return Err(ConvertError::at_line(
                        lines.line(bytes.len()),
                        match open.last() {
                            Some(&(e, _)) => {
                                let node = &document.nodes[e as usize];
                                format!(
                                    "the document ends inside <{}> (line {}): truncated?",
                                    node.name, node.line
                                )
                            }
                            None => "no root element".to_string(),
                        },
                    ))
                }
            }
        }
    }

    /// Appends a piece of text, keeping only the first of whitespace-only pieces (the
    /// indentation between child elements) so most elements keep borrowed text.
    fn append<'a>(text: &mut Cow<'a, str>, piece: Cow<'a, str>) {
        if text.is_empty() {
            *text = piece;
        } else if !(is_blank(&piece) && is_blank(text)) {
            text.to_mut().push_str(&piece);
        }
    }

    /// Counts lines incrementally: positions mostly grow while parsing, so each call counts
    /// the breaks since the last one. (A table of every break's offset was 2% faster on XJTAG
    /// but took eight bytes per line: 800 MB for a hostile 100 MB of line breaks.)
    struct LineCounter<'a> {
        bytes: &'a [u8],
        offset: usize,
        line: usize,
    }

    impl<'a> LineCounter<'a> {
        fn new(bytes: &'a [u8]) -> Self {
            LineCounter {
                bytes,
                offset: 0,
                line: 1,
            }
        }

        /// The 1-based line of `position`.
        fn line(&mut self, position: usize) -> usize {
            let position = position.min(self.bytes.len());
            if position < self.offset {
                (self.offset, self.line) = (0, 1);
            }
            let span = &self.bytes[self.offset..position];
            // Most spans are one tag long, where memchr's set-up costs more than a loop. The
            // loop counts in a byte so that it vectorizes 16 bytes at a time (a `usize` count
            // widened every byte: 6% of XJTAG's time).
            self.line += if span.len() < 256 {
                span.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n')) as usize
            } else {
                memchr::memchr_iter(b'\n', span).count()
            };
            self.offset = position;
            self.line
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number(" +1.5E-3 "), Some(1.5e-3));
        assert_eq!(parse_number("1.#INF"), Some(f64::INFINITY));
        assert_eq!(parse_number("-1.#inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_number(" Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_number("-INF"), Some(f64::NEG_INFINITY));
        for nan in ["NaN", "-nan", "1.#QNAN", "-1.#IND"] {
            assert!(parse_number(nan).unwrap().is_nan(), "{nan}");
        }
        assert_eq!(parse_number("-"), None);
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn numbers_with_units() {
        assert_eq!(
            parse_number_with_unit("4.7k"),
            Some((4700.0, String::new()))
        );
        assert_eq!(parse_number_with_unit("3.3V"), Some((3.3, "V".into())));
        let (v, unit) = parse_number_with_unit("10uF").unwrap();
        assert!((v - 10e-6).abs() < 1e-18);
        assert_eq!(unit, "F");
        assert_eq!(parse_number_with_unit("1e-3 A"), Some((1e-3, "A".into())));
        assert_eq!(parse_number_with_unit("x"), None);
    }

    #[test]
    fn lines_are_numbered_without_endings() {
        let lines: Vec<_> = numbered_lines("a\r\nb\nc").collect();
        assert_eq!(lines, vec![(1, "a"), (2, "b"), (3, "c")]);
        for text in ["", "\n", "a\n", "\r\n\r\n", "a\rb\n\nc\r", "é\nü"] {
            let expected: Vec<_> = text
                .split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .enumerate()
                .map(|(i, l)| (i + 1, l))
                .collect();
            assert_eq!(
                numbered_lines(text).collect::<Vec<_>>(),
                expected,
                "{text:?}"
            );
        }
    }

    #[test]
    fn xml_tree_with_lines_and_refusals() {
        let tree = xml::parse("<?xml version=\"1.0\"?>\n<a:R x=\"1\">\n <b>t&amp;u</b><c/></a:R>")
            .unwrap();
        let root = tree.root();
        assert_eq!(root.local(), "R");
        assert_eq!(root.name(), "a:R");
        assert_eq!(root.attr("x"), Some("1"));
        assert_eq!(root.text_at("b"), Some("t&u"));
        assert_eq!(root.child("b").unwrap().line(), 3);
        assert!(root.child("c").is_some());
        let names: Vec<_> = root.children().map(|c| c.name()).collect();
        assert_eq!(names, ["b", "c"]);
        let err = xml::parse("<a>\n<b>\n").unwrap_err();
        assert_eq!(err.location.line, 3, "{err}");
        assert!(err.message.contains("truncated"), "{err}");
        // One document per file: a second root or text around the root is refused, blank
        // text, comments and processing instructions around it are not.
        assert!(xml::parse("\n<!-- c --><a/>\n<?pi x?>\n").is_ok());
        let err = xml::parse("<a>1</a>\n<a>2</a>").unwrap_err();
        assert_eq!(err.location.line, 2, "{err}");
        assert!(
            err.message.contains("<a> after the root element <a>"),
            "{err}"
        );
        for (doc, place) in [("<a/>junk", "after"), ("junk<a/>", "before")] {
            let err = xml::parse(doc).unwrap_err();
            assert!(err.message.contains(place), "{doc}: {err}");
        }
        // A bad value is placed on its own line, not its tag's.
        let err = xml::parse("<a\n x='&bogus;'/>").unwrap_err();
        assert_eq!(err.location.line, 2, "{err}");
        let err = xml::parse("<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>").unwrap_err();
        assert!(err.message.contains("DTD"), "{err}");
        let deep = "<a>".repeat(1000);
        assert!(xml::parse(&deep).is_err());
    }

    /// A tree as plain data, to compare what was written with what was parsed.
    #[derive(Clone, Debug, PartialEq)]
    struct Tree {
        name: String,
        attributes: Vec<(String, String)>,
        text: String,
        children: Vec<Tree>,
    }

    impl Tree {
        fn write(&self, out: &mut String) {
            out.push_str(&format!("<{}", self.name));
            for (k, v) in &self.attributes {
                out.push_str(&format!(
                    " {k}=\"{}\"",
                    v.replace('&', "&amp;")
                        .replace('"', "&quot;")
                        .replace('<', "&lt;")
                ));
            }
            if self.text.is_empty() && self.children.is_empty() {
                out.push_str("/>");
                return;
            }
            out.push('>');
            out.push_str(&self.text.replace('&', "&amp;").replace('<', "&lt;"));
            for c in &self.children {
                c.write(out);
            }
            out.push_str(&format!("</{}>", self.name));
        }

        fn read(e: xml::Element) -> Tree {
            Tree {
                name: e.name().to_string(),
                attributes: e
                    .attributes()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                text: e.text().to_string(),
                children: e.children().map(Tree::read).collect(),
            }
        }
    }

    fn tree() -> impl proptest::strategy::Strategy<Value = Tree> {
        use proptest::prelude::*;
        let leaf = (
            "[a-c]{1,2}",
            proptest::collection::vec(("[k-m]", "[ -~]{0,4}"), 0..3),
            "[x-z&<]{1,3}",
        )
            .prop_map(|(name, mut attributes, text)| {
                attributes.sort();
                attributes.dedup_by(|a, b| a.0 == b.0);
                Tree {
                    name,
                    attributes,
                    text,
                    children: Vec::new(),
                }
            });
        leaf.prop_recursive(4, 40, 5, |inner| {
            (
                "[a-c]{1,2}",
                "[x-z]{0,2}",
                proptest::collection::vec(inner, 0..5),
            )
                .prop_map(|(name, text, children)| Tree {
                    name,
                    attributes: Vec::new(),
                    text,
                    children,
                })
        })
    }

    proptest::proptest! {
        /// The tree links every element to its children in document order, with its own
        /// attributes and text: what is written is what is read back.
        #[test]
        fn xml_tree_reads_back_what_was_written(t in tree()) {
            let mut text = String::new();
            t.write(&mut text);
            let parsed = xml::parse(&text).unwrap();
            proptest::prop_assert_eq!(Tree::read(parsed.root()), t);
        }
    }
}
