//! A small, fast XML tokenizer for the documents test equipment and WATS write: WSXF here, and
//! the XML formats of `wats-convert`.
//!
//! It reads a `&str` (so UTF-8 is checked once, for the whole document) and splits each tag
//! once, handing out names, attribute values and text as slices of the document; only values
//! with entities are copied, when they are unescaped. With quick-xml, iterating, decoding and
//! unescaping attributes one by one was a third of the time of reading a WSXF report.
//!
//! What it checks, so that bad input is an error and never a guess: tags and attributes are
//! well formed (`name="value"` or `name='value'`, separated by blanks, no `<` in a value), end
//! tags match the open elements, comments, CDATA sections and processing instructions are
//! closed, and entities are only the five XML defines or character references. A document type
//! declaration comes out as [`Token::DocType`] for the caller to refuse: nothing is ever
//! expanded from one, so entity bombs cannot happen. Like quick-xml, it does not normalize line
//! ends or blanks in attribute values, and takes any character that is no delimiter in a name.

use std::borrow::Cow;
use std::fmt;

/// Malformed XML: what is wrong and the byte offset in the document where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlError {
    /// Byte offset into the document.
    pub offset: usize,
    /// What is wrong, in words that name the element or attribute.
    pub message: String,
}

impl XmlError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        XmlError {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for XmlError {}

/// One attribute of a start tag, its value still escaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// The qualified name (`xsi:type`); private, as `local_start` points into it.
    name: &'a str,
    /// The value between the quotes, entities not yet replaced.
    pub raw_value: &'a str,
    /// Byte offset of the value in the document.
    offset: usize,
    /// Where the local name starts in `name` (past the prefix and its colon).
    local_start: usize,
    /// Whether the value holds a `&` (found while looking for its end).
    escaped: bool,
}

impl<'a> Attribute<'a> {
    /// The qualified name (`xsi:type`).
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The name without its namespace prefix.
    pub fn local_name(&self) -> &'a str {
        &self.name[self.local_start..]
    }

    /// Whether this is a namespace declaration (`xmlns`, `xmlns:p`) rather than data.
    pub fn is_namespace_declaration(&self) -> bool {
        self.name == "xmlns" || self.name.starts_with("xmlns:")
    }

    /// The value with its entities replaced; borrowed when it has none.
    pub fn value(&self) -> Result<Cow<'a, str>, XmlError> {
        if self.escaped {
            unescape(self.raw_value, self.offset)
        } else {
            Ok(Cow::Borrowed(self.raw_value))
        }
    }
}

/// A start tag (or an empty-element tag, `<a/>`).
#[derive(Clone, Copy, Debug)]
pub struct Tag<'a, 't> {
    /// The qualified name (`tr:TestResult`); private, as `local_start` points into it.
    name: &'a str,
    /// The attributes in document order (namespace declarations included).
    pub attributes: &'t [Attribute<'a>],
    /// `<a/>`: no content and no end tag follow.
    pub empty: bool,
    /// Where the local name starts in `name`.
    local_start: usize,
}

impl<'a> Tag<'a, '_> {
    /// The qualified name (`tr:TestResult`).
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The name without its namespace prefix.
    pub fn local_name(&self) -> &'a str {
        &self.name[self.local_start..]
    }
}

/// Character data between tags, entities not yet replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text<'a> {
    /// The text as it is in the document.
    pub raw: &'a str,
    offset: usize,
}

impl<'a> Text<'a> {
    /// The text with its entities replaced; borrowed when it has none.
    pub fn unescape(&self) -> Result<Cow<'a, str>, XmlError> {
        unescape(self.raw, self.offset)
    }
}

/// What [`Tokenizer::next_token`] found.
#[derive(Clone, Copy, Debug)]
pub enum Token<'a, 't> {
    /// A start tag or an empty-element tag.
    Start(Tag<'a, 't>),
    /// An end tag (its name matched the open element).
    End(&'a str),
    /// Character data.
    Text(Text<'a>),
    /// The content of a CDATA section, verbatim.
    CData(&'a str),
    /// A `<!DOCTYPE …>`: the caller refuses it (entity declarations live there).
    DocType,
    /// The end of the document. Elements may still be open (a truncated document): the
    /// caller, which keeps its own stack of open elements, says which.
    Eof,
}

/// `prefix:name` → `name`.
pub fn local_name(name: &str) -> &str {
    // Names are short: a plain loop beats memchr's set-up.
    match name.bytes().rposition(|b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// Attributes one tag may have. A tag's attributes are kept while it is read, and each takes
/// more memory than its text (`a=""`): a bound keeps a hostile tag from multiplying its size.
pub const MAX_ATTRIBUTES: usize = 65_536;

/// Bytes that end a name: blanks and XML's delimiters.
const ENDS_NAME: [bool; 256] = {
    let mut table = [false; 256];
    let stops = b" \t\r\n/>=<\"'&";
    let mut i = 0;
    while i < stops.len() {
        table[stops[i] as usize] = true;
        i += 1;
    }
    table
};

/// Whether `text` is all XML white space (space, tab, CR, LF; XML's own definition, narrower
/// and cheaper to test than `trim`'s Unicode one).
pub fn is_blank(text: &str) -> bool {
    text.bytes().all(is_blank_byte)
}

fn is_blank_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Splits a document into tags, text and CDATA; see the module documentation.
///
/// It keeps the names of the open elements (to match end tags) without a bound of its own:
/// a caller that reads untrusted input limits the nesting, as WSXF (`MAX_DEPTH`) and the
/// converters' XML tree do.
#[derive(Debug)]
pub struct Tokenizer<'a> {
    text: &'a str,
    pos: usize,
    token_start: usize,
    open: Vec<&'a str>,
    attributes: Vec<Attribute<'a>>,
}

impl<'a> Tokenizer<'a> {
    /// Tokenizes `text` (a leading byte-order mark is skipped).
    pub fn new(text: &'a str) -> Self {
        Tokenizer {
            text,
            pos: if text.starts_with('\u{FEFF}') { 3 } else { 0 },
            token_start: 0,
            open: Vec::with_capacity(16),
            attributes: Vec::with_capacity(16),
        }
    }

    /// How many elements are open (the callers keep their own stack; the tests look here).
    #[cfg(test)]
    fn depth(&self) -> usize {
        self.open.len()
    }

    /// The next token and the byte offset where it starts; comments, processing instructions
    /// and the XML declaration are skipped.
    pub fn next_token(&mut self) -> Result<(usize, Token<'a, '_>), XmlError> {
        let token = match self.token()? {
            Scanned::Start(name, local_start, empty) => Token::Start(Tag {
                name,
                attributes: &self.attributes,
                empty,
                local_start,
            }),
            Scanned::End(name) => Token::End(name),
            Scanned::Text(text) => Token::Text(text),
            Scanned::CData(text) => Token::CData(text),
            Scanned::DocType => Token::DocType,
            Scanned::Eof => Token::Eof,
        };
        Ok((self.token_start, token))
    }

    fn token(&mut self) -> Result<Scanned<'a>, XmlError> {
        let bytes = self.text.as_bytes();
        loop {
            let start = self.pos;
            self.token_start = start;
            let Some(&first) = bytes.get(start) else {
                return Ok(Scanned::Eof);
            };
            if first != b'<' {
                // Mostly a line break and an indent: look a few bytes ahead before memchr.
                let near_end = (start + 16).min(bytes.len());
                let near = bytes[start..near_end].iter().position(|&b| b == b'<');
                let end = match near {
                    Some(i) => start + i,
                    None => memchr::memchr(b'<', &bytes[near_end..])
                        .map_or(bytes.len(), |i| near_end + i),
                };
                self.pos = end;
                return Ok(Scanned::Text(Text {
                    raw: &self.text[start..end],
                    offset: start,
                }));
            }
            match bytes.get(start + 1) {
                Some(b'/') => return self.end_tag(),
                Some(b'?') => {
                    self.pos = self.skip_past(start + 2, "?>", "processing instruction")?;
                }
                Some(b'!') => {
                    let rest = &bytes[start..];
                    if rest.starts_with(b"<!--") {
                        self.pos = self.skip_past(start + 4, "-->", "comment")?;
                    } else if rest.starts_with(b"<![CDATA[") {
                        let end = self.skip_past(start + 9, "]]>", "CDATA section")?;
                        self.pos = end;
                        return Ok(Scanned::CData(&self.text[start + 9..end - 3]));
                    } else if rest.starts_with(b"<!DOCTYPE") {
                        self.pos = bytes.len();
                        return Ok(Scanned::DocType);
                    } else {
                        return Err(XmlError::new(start, "unknown markup after \"<!\""));
                    }
                }
                _ => return self.start_tag(),
            }
        }
    }

    /// The offset just past the next `terminator` at or after `from`.
    fn skip_past(&self, from: usize, terminator: &str, what: &str) -> Result<usize, XmlError> {
        let bytes = self.text.as_bytes();
        let terminator = terminator.as_bytes();
        // memchr for the first byte, then compare: a memmem searcher costs more to build than
        // a short comment or CDATA section takes to scan.
        let mut at = from.min(bytes.len());
        let found = loop {
            match memchr::memchr(terminator[0], &bytes[at..]) {
                Some(i) if bytes[at + i..].starts_with(terminator) => break Some(at + i),
                Some(i) => at += i + 1,
                None => break None,
            }
        };
        found.map(|i| i + terminator.len()).ok_or_else(|| {
            XmlError::new(
                self.token_start,
                format!(
                    "a {what} that is never closed with {:?} (truncated?)",
                    String::from_utf8_lossy(terminator)
                ),
            )
        })
    }

    /// The end of the name starting at `from` and where its local part starts (past the last
    /// colon); an error names `context` if there is no name.
    fn name_at(
        &self,
        from: usize,
        context: impl FnOnce() -> String,
    ) -> Result<(usize, usize), XmlError> {
        let bytes = self.text.as_bytes();
        let (mut end, mut local) = (from, from);
        while let Some(&b) = bytes.get(end) {
            if ENDS_NAME[b as usize] {
                break;
            }
            if b == b':' {
                local = end + 1;
            }
            end += 1;
        }
        match bytes.get(from) {
            _ if end == from => Err(XmlError::new(from, context())),
            Some(b'0'..=b'9' | b'-' | b'.') => Err(XmlError::new(
                from,
                format!("{:?} is not a name: {}", &self.text[from..end], context()),
            )),
            _ => Ok((end, local)),
        }
    }

    fn skip_blanks(&self, mut i: usize) -> usize {
        let bytes = self.text.as_bytes();
        while i < bytes.len() && is_blank_byte(bytes[i]) {
            i += 1;
        }
        i
    }

    fn start_tag(&mut self) -> Result<Scanned<'a>, XmlError> {
        let text = self.text;
        let bytes = text.as_bytes();
        let start = self.pos;
        let (name_end, local) = self.name_at(start + 1, || "a tag without a name".into())?;
        let name = &text[start + 1..name_end];
        self.attributes.clear();
        let mut i = name_end;
        let empty = loop {
            let before = i;
            i = self.skip_blanks(i);
            match bytes.get(i) {
                None => {
                    return Err(XmlError::new(
                        start,
                        format!("the document ends inside the tag <{name}> (truncated?)"),
                    ))
                }
                Some(b'>') => {
                    i += 1;
                    break false;
                }
                Some(b'/') if bytes.get(i + 1) == Some(&b'>') => {
                    i += 2;
                    break true;
                }
                Some(_) if i == before => {
                    return Err(XmlError::new(
                        i,
                        format!("unexpected {:?} in the tag <{name}>", char_at(text, i)),
                    ))
                }
                Some(_) => {}
            }
            let (key_end, key_local) = self.name_at(i, || {
                format!("unexpected {:?} in the tag <{name}>", char_at(text, i))
            })?;
            let key_start = i;
            let key = &text[i..key_end];
            i = self.skip_blanks(key_end);
            if bytes.get(i) != Some(&b'=') {
                return Err(XmlError::new(
                    i,
                    format!("the attribute {key} of <{name}> has no value"),
                ));
            }
            i = self.skip_blanks(i + 1);
            let quote = match bytes.get(i) {
                Some(&q @ (b'"' | b'\'')) => q,
                _ => {
                    return Err(XmlError::new(
                        i,
                        format!("the value of {key} in <{name}> is not quoted"),
                    ))
                }
            };
            let value_start = i + 1;
            // Values are short: one plain pass finds the end and notes any entity.
            let mut escaped = false;
            let found = bytes[value_start..].iter().position(|&b| {
                escaped |= b == b'&';
                b == quote || b == b'<'
            });
            let value_end = match found {
                Some(n) if bytes[value_start + n] == quote => value_start + n,
                Some(n) => {
                    return Err(XmlError::new(
                        value_start + n,
                        format!("'<' in the value of {key} in <{name}>"),
                    ))
                }
                None => {
                    return Err(XmlError::new(
                        i,
                        format!("the value of {key} in <{name}> is never closed (truncated?)"),
                    ))
                }
            };
            if self.attributes.len() == MAX_ATTRIBUTES {
                return Err(XmlError::new(
                    key_start,
                    format!("<{name}> has more than {MAX_ATTRIBUTES} attributes"),
                ));
            }
            self.attributes.push(Attribute {
                name: key,
                raw_value: &text[value_start..value_end],
                offset: value_start,
                local_start: key_local - key_start,
                escaped,
            });
            i = value_end + 1;
        };
        self.pos = i;
        if !empty {
            self.open.push(name);
        }
        Ok(Scanned::Start(name, local - (start + 1), empty))
    }

    fn end_tag(&mut self) -> Result<Scanned<'a>, XmlError> {
        let text = self.text;
        let start = self.pos;
        let (name_end, _) = self.name_at(start + 2, || "an end tag without a name".into())?;
        let name = &text[start + 2..name_end];
        let close = self.skip_blanks(name_end);
        if text.as_bytes().get(close) != Some(&b'>') {
            return Err(XmlError::new(
                start,
                format!("the end tag </{name}> is not closed with '>'"),
            ));
        }
        match self.open.pop() {
            Some(open) if open == name => {}
            Some(open) => {
                return Err(XmlError::new(
                    start,
                    format!("</{name}> does not close the open <{open}>"),
                ))
            }
            None => {
                return Err(XmlError::new(
                    start,
                    format!("</{name}> closes no open element"),
                ))
            }
        }
        self.pos = close + 1;
        Ok(Scanned::End(name))
    }
}

/// A token before its attributes are lent out.
enum Scanned<'a> {
    Start(&'a str, usize, bool),
    End(&'a str),
    Text(Text<'a>),
    CData(&'a str),
    DocType,
    Eof,
}

fn char_at(text: &str, i: usize) -> char {
    text[i..].chars().next().unwrap_or('\u{FFFD}')
}

/// Replaces the five XML entities and character references in `raw` (found at `offset` in the
/// document); borrowed when there are none. Any other entity is an error: there is no DTD to
/// define one.
fn unescape(raw: &str, offset: usize) -> Result<Cow<'_, str>, XmlError> {
    let bytes = raw.as_bytes();
    let Some(mut amp) = memchr::memchr(b'&', bytes) else {
        return Ok(Cow::Borrowed(raw));
    };
    let mut out = String::with_capacity(raw.len());
    let mut copied = 0;
    loop {
        out.push_str(&raw[copied..amp]);
        // Room for a character reference with leading zeros (`&#x000000E9;`), no further.
        let semicolon = bytes[amp + 1..]
            .iter()
            .take(32)
            .position(|&b| b == b';')
            .ok_or_else(|| {
                XmlError::new(offset + amp, "'&' that starts no entity (write &amp;)")
            })?;
        let entity = &raw[amp + 1..amp + 1 + semicolon];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ if entity.starts_with('#') => character_reference(entity).ok_or_else(|| {
                XmlError::new(
                    offset + amp,
                    format!("&{entity}; is not a character XML allows"),
                )
            })?,
            _ => {
                return Err(XmlError::new(
                    offset + amp,
                    format!(
                        "unknown entity &{entity}; (only &lt; &gt; &amp; &quot; &apos; and \
                         character references are allowed)"
                    ),
                ))
            }
        };
        out.push(c);
        copied = amp + 1 + semicolon + 1;
        match memchr::memchr(b'&', &bytes[copied..]) {
            Some(next) => amp = copied + next,
            None => {
                out.push_str(&raw[copied..]);
                return Ok(Cow::Owned(out));
            }
        }
    }
}

/// `#65` or `#x41` → `A`; `None` for anything else and for characters XML does not allow
/// (its `Char`: tab, line feed, carriage return and from U+0020, less surrogates, U+FFFE and
/// U+FFFF): a writer would drop them, so reading them would lose them silently.
fn character_reference(entity: &str) -> Option<char> {
    let (digits, radix) = match entity.strip_prefix("#x") {
        Some(hex) => (hex, 16),
        None => (entity.strip_prefix('#')?, 10),
    };
    if digits.is_empty() || !digits.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix)
        .ok()
        .and_then(char::from_u32)
        .filter(|&c| matches!(c, '\t' | '\n' | '\r' | ' '..='\u{FFFD}' | '\u{10000}'..))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens as text, for comparing: `<name a=value>`, `</name>`, `"text"`.
    fn tokens(document: &str) -> Result<Vec<String>, XmlError> {
        let mut t = Tokenizer::new(document);
        let mut out = Vec::new();
        loop {
            match t.next_token()?.1 {
                Token::Start(tag) => {
                    let mut s = format!("<{}", tag.name());
                    for a in tag.attributes {
                        s.push_str(&format!(" {}={}", a.name(), a.value()?));
                    }
                    s.push_str(if tag.empty { "/>" } else { ">" });
                    out.push(s);
                }
                Token::End(name) => out.push(format!("</{name}>")),
                Token::Text(text) => out.push(format!("{:?}", text.unescape()?)),
                Token::CData(text) => out.push(format!("cdata {text:?}")),
                Token::DocType => out.push("doctype".into()),
                Token::Eof => return Ok(out),
            }
        }
    }

    fn error(document: &str) -> XmlError {
        tokens(document).expect_err(document)
    }

    #[test]
    fn splits_tags_text_and_cdata() {
        let doc = "\u{FEFF}<?xml version=\"1.0\"?>\n<!-- c --><r:a x='1 &amp; 2' r:y = \"&#x41;&#0000000066;\">t&lt;<b/><![CDATA[<raw>]]></r:a>";
        assert_eq!(
            tokens(doc).unwrap(),
            [
                "\"\\n\"",
                "<r:a x=1 & 2 r:y=AB>",
                "\"t<\"",
                "<b/>",
                "cdata \"<raw>\"",
                "</r:a>"
            ]
        );
        let mut t = Tokenizer::new("<p:n xmlns:p='u' p:k='v'/>");
        let (0, Token::Start(tag)) = t.next_token().unwrap() else {
            panic!()
        };
        assert_eq!(tag.local_name(), "n");
        assert!(tag.attributes[0].is_namespace_declaration());
        assert_eq!(tag.attributes[1].local_name(), "k");
        assert!(matches!(tag.attributes[1].value(), Ok(Cow::Borrowed("v"))));
        assert!(matches!(t.next_token(), Ok((26, Token::Eof))));
        assert!(matches!(
            tokens("<!DOCTYPE x [<!ENTITY a 'b'>]><x/>").unwrap()[..],
            [ref d] if d == "doctype"
        ));
    }

    #[test]
    fn blank_is_the_four_xml_white_space_bytes() {
        assert!(is_blank(""));
        assert!(is_blank(" \t\r\n  "));
        assert!(!is_blank(" x "));
        // Unicode white space is text to XML.
        assert!(!is_blank("\u{A0}"));
        assert!(!is_blank("\u{2003}"));
    }

    #[test]
    fn malformed_input_is_named_with_its_offset() {
        let cases = [
            ("<a></b>", 3, "</b> does not close the open <a>"),
            ("</a>", 0, "</a> closes no open element"),
            ("<a x=1/>", 5, "the value of x in <a> is not quoted"),
            ("<a x/>", 4, "the attribute x of <a> has no value"),
            ("<a x='1'y='2'/>", 8, "unexpected 'y' in the tag <a>"),
            ("<a x='<'/>", 6, "'<' in the value of x in <a>"),
            (
                "<a x='1",
                5,
                "the value of x in <a> is never closed (truncated?)",
            ),
            (
                "<a x='1'",
                0,
                "the document ends inside the tag <a> (truncated?)",
            ),
            ("< a/>", 1, "a tag without a name"),
            ("<1a/>", 1, "\"1a\" is not a name: a tag without a name"),
            ("<a></a", 3, "the end tag </a> is not closed with '>'"),
            (
                "<!-- x",
                0,
                "a comment that is never closed with \"-->\" (truncated?)",
            ),
            (
                "<![CDATA[x",
                0,
                "a CDATA section that is never closed with \"]]>\" (truncated?)",
            ),
            ("<!ELEMENT a>", 0, "unknown markup after \"<!\""),
        ];
        for (doc, offset, message) in cases {
            assert_eq!(error(doc), XmlError::new(offset, message), "{doc}");
        }
        let many = format!("<a{}/>", " b=''".repeat(MAX_ATTRIBUTES + 1));
        assert_eq!(
            error(&many),
            XmlError::new(
                2 + 5 * MAX_ATTRIBUTES + 1,
                "<a> has more than 65536 attributes"
            )
        );
        let e = error("<a>x &bogus; y</a>");
        assert_eq!(e.offset, 5);
        assert!(e.message.starts_with("unknown entity &bogus;"), "{e}");
        for reference in [
            "&#0;", "&#1;", "&#xB;", "&#x1F;", "&#xD800;", "&#xFFFE;", "&#xFFFF;",
        ] {
            let e = error(&format!("<a>{reference}</a>"));
            assert_eq!(e.offset, 3, "{reference}");
            assert!(e.message.contains("not a character XML allows"), "{e}");
        }
        let allowed = "<a>&#9;&#10;&#13;&#32;&#xD7FF;&#xE000;&#xFFFD;&#x10000;&#x10FFFF;</a>";
        assert!(tokens(allowed).is_ok());
        assert_eq!(error("<a x='a & b'/>").offset, 8);
    }

    /// Every XML sample tokenizes to what quick-xml reads from it.
    #[test]
    fn agrees_with_quick_xml_on_the_samples() {
        use quick_xml::events::Event;
        let samples = std::env::var("WATS_SAMPLES")
            .map(Into::into)
            .unwrap_or_else(|_| {
                std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples")
            });
        let mut checked = 0;
        for folder in std::fs::read_dir(&samples).expect("the samples folder") {
            let folder = folder.unwrap().path();
            if !folder.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(folder).unwrap() {
                let path = file.unwrap().path();
                if !path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("xml"))
                {
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                let Ok(doc) =
                    std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
                else {
                    continue;
                };
                let ours = tokens(doc).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let mut reader = quick_xml::Reader::from_str(doc);
                let mut theirs = Vec::new();
                loop {
                    match reader.read_event().unwrap() {
                        Event::Start(e) | Event::Empty(e) => {
                            let mut s =
                                format!("<{}", std::str::from_utf8(e.name().as_ref()).unwrap());
                            for a in e.attributes() {
                                let a = a.unwrap();
                                s.push_str(&format!(
                                    " {}={}",
                                    std::str::from_utf8(a.key.as_ref()).unwrap(),
                                    a.unescape_value().unwrap()
                                ));
                            }
                            // quick-xml tells empty elements by the event; compare the rest.
                            theirs.push(s);
                        }
                        Event::End(e) => theirs.push(format!(
                            "</{}>",
                            std::str::from_utf8(e.name().as_ref()).unwrap()
                        )),
                        Event::Text(t) => theirs.push(format!("{:?}", t.unescape().unwrap())),
                        Event::CData(t) => {
                            theirs.push(format!("cdata {:?}", std::str::from_utf8(&t).unwrap()))
                        }
                        Event::DocType(_) => theirs.push("doctype".into()),
                        Event::Eof => break,
                        _ => {}
                    }
                }
                let ours: Vec<String> = ours
                    .into_iter()
                    .map(|s| {
                        s.strip_suffix("/>")
                            .map(str::to_string)
                            .or_else(|| {
                                s.strip_suffix('>')
                                    .filter(|_| !s.starts_with("</"))
                                    .map(str::to_string)
                            })
                            .unwrap_or(s)
                    })
                    .collect();
                assert_eq!(ours, theirs, "{}", path.display());
                checked += 1;
            }
        }
        assert!(checked >= 5, "only {checked} XML samples found");
    }

    proptest::proptest! {
        /// No input makes it panic; a document cut anywhere is an error or ends with open
        /// elements, never a silent success.
        #[test]
        fn never_panics(text in "(<[a-z/!?]{0,3}|[a-z =\"'&;#x0-9>]{0,6}|<!--|-->|\\]\\]>|<!\\[CDATA\\[){0,40}") {
            let _ = tokens(&text);
        }

        #[test]
        fn truncation_is_noticed(cut in 1usize..120) {
            let doc = "<a x='1' y=\"&lt;\"><b>t &amp; u</b><![CDATA[z]]><!-- c --><c/></a>";
            let cut = cut.min(doc.len() - 1);
            let mut t = Tokenizer::new(&doc[..cut]);
            let outcome = loop {
                match t.next_token() {
                    Ok((_, Token::Eof)) => break Ok(t.depth()),
                    Ok(_) => {}
                    Err(e) => break Err(e),
                }
            };
            proptest::prop_assert!(!matches!(outcome, Ok(0)), "{:?} at {}", outcome, cut);
        }
    }
}
