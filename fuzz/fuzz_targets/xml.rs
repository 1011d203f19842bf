//! Any text into the XML tokenizer (`wats_report::xml`), every value and text unescaped, and
//! into wats-convert's XML tree: an error or tokens, never a panic, never a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wats_report::xml::{Token, Tokenizer};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut tokens = Tokenizer::new(text);
    while let Ok((_, token)) = tokens.next_token() {
        match token {
            Token::Start(tag) => {
                for a in tag.attributes {
                    let _ = (a.local_name(), a.value());
                }
            }
            Token::Text(t) => {
                let _ = t.unescape();
            }
            Token::Eof => break,
            _ => {}
        }
    }
    if let Ok(document) = wats_convert::util::xml::parse(text) {
        walk(document.root());
    }
});

/// Visits every element the tree links, through every accessor.
fn walk(e: wats_convert::util::xml::Element) {
    let _ = (e.name(), e.local(), e.line(), e.text(), e.attr("a"), e.attributes().len());
    let _ = (e.child("a"), e.text_at("a/b"), e.find("b"));
    for c in e.children() {
        walk(c);
    }
}
