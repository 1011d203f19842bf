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
    let _ = wats_convert::util::xml::parse(text);
});
