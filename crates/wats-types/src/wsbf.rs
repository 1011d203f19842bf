//! WSBF, the WATS Standard BOM Format: the XML body of `PUT /api/Product/BOM`. The same
//! document as JSON is WATS's public BOM (`GET /api/Product/BOM`, and `PUT` with
//! `Content-Type: application/json`): `partNumber`, `revision`, `description`, `components`
//! of `number`, `revision`, `quantity`, `description`, `reference`, `functionBlock`.
//!
//! ```xml
//! <BOM xmlns="http://wats.virinco.com/schemas/WATS/wsbf" Partnumber="100100" Revision="1.0" Desc="…">
//!   <Component Number="100200" Rev="1.0" Qty="2" Desc="…" Ref="A30;A31" FunctionBlock="A"/>
//! </BOM>
//! ```
//!
//! ```
//! use wats_types::wsbf::{Bom, Component};
//! let bom = Bom {
//!     part_number: "100100".into(),
//!     revision: "1.0".into(),
//!     description: None,
//!     components: vec![Component { number: Some("R-10k".into()), quantity: Some(4), ..Default::default() }],
//!     ..Default::default()
//! };
//! let xml = bom.to_xml();
//! assert_eq!(Bom::from_xml(&xml).unwrap(), bom);
//! ```

use serde::{Deserialize, Serialize};
use wats_report::xml::{Token, Tokenizer};

use crate::common::Extra;
use crate::product::BomItem;

/// The WSBF namespace.
pub const NAMESPACE: &str = "http://wats.virinco.com/schemas/WATS/wsbf";

/// The most components one document may hold (a bound on what a request can make us build).
pub const MAX_COMPONENTS: usize = 100_000;

/// A WSBF document: the BOM of one product revision.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Bom {
    /// `Partnumber`: the product.
    #[serde(default, alias = "PartNumber")]
    pub part_number: String,
    /// `Revision`: the product's revision.
    #[serde(default, alias = "Revision")]
    pub revision: String,
    /// `Desc`.
    #[serde(skip_serializing_if = "Option::is_none", alias = "Description")]
    pub description: Option<String>,
    /// The components.
    #[serde(default, alias = "Components")]
    pub components: Vec<Component>,
    /// Other keys (JSON only; XML attributes must be known).
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// One `<Component>`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Component {
    /// `Number`: the component's part number.
    #[serde(skip_serializing_if = "Option::is_none", alias = "Number")]
    pub number: Option<String>,
    /// `Rev`: the component's revision.
    #[serde(skip_serializing_if = "Option::is_none", alias = "Rev")]
    pub revision: Option<String>,
    /// `Qty`.
    #[serde(skip_serializing_if = "Option::is_none", alias = "Qty")]
    pub quantity: Option<i64>,
    /// `Desc`.
    #[serde(skip_serializing_if = "Option::is_none", alias = "Desc")]
    pub description: Option<String>,
    /// `Ref`: reference designators (`A30;A31`).
    #[serde(skip_serializing_if = "Option::is_none", alias = "Ref")]
    pub reference: Option<String>,
    /// `FunctionBlock`.
    #[serde(skip_serializing_if = "Option::is_none", alias = "FunctionBlock")]
    pub function_block: Option<String>,
    /// Other keys (JSON only), kept on the BOM item.
    #[serde(flatten)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extra: Extra,
}

/// A WSBF document that cannot be read, with what is wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid WSBF: {0}")]
pub struct WsbfError(pub String);

impl Component {
    /// The component as a BOM item (`Rev` and `FunctionBlock`, which a BOM item has no field
    /// for, are kept as `revision` and `functionBlock`).
    pub fn to_bom_item(&self) -> BomItem {
        let mut extra = self.extra.clone();
        if let Some(r) = &self.revision {
            extra.insert("revision".into(), r.clone().into());
        }
        if let Some(f) = &self.function_block {
            extra.insert("functionBlock".into(), f.clone().into());
        }
        BomItem {
            part_number: self.number.clone(),
            component_ref: self.reference.clone(),
            quantity: self.quantity,
            description: self.description.clone(),
            extra,
            ..BomItem::default()
        }
    }

    /// A BOM item as a component (the inverse of [`to_bom_item`](Self::to_bom_item)).
    pub fn from_bom_item(item: &BomItem) -> Self {
        let text = |k: &str| {
            item.extra
                .get(k)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let mut extra = item.extra.clone();
        extra.remove("revision");
        extra.remove("functionBlock");
        Component {
            number: item.part_number.clone(),
            revision: text("revision"),
            quantity: item.quantity,
            description: item.description.clone(),
            reference: item.component_ref.clone(),
            function_block: text("functionBlock"),
            extra,
        }
    }
}

impl Bom {
    /// The document as XML.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(128 + 96 * self.components.len());
        out.push_str("<BOM xmlns=\"");
        out.push_str(NAMESPACE);
        out.push('"');
        attr(&mut out, "Partnumber", Some(&self.part_number));
        attr(&mut out, "Revision", Some(&self.revision));
        attr(&mut out, "Desc", self.description.as_deref());
        out.push('>');
        for c in &self.components {
            out.push_str("<Component");
            attr(&mut out, "Number", c.number.as_deref());
            attr(&mut out, "Rev", c.revision.as_deref());
            let qty = c.quantity.map(|q| q.to_string());
            attr(&mut out, "Qty", qty.as_deref());
            attr(&mut out, "Desc", c.description.as_deref());
            attr(&mut out, "Ref", c.reference.as_deref());
            attr(&mut out, "FunctionBlock", c.function_block.as_deref());
            out.push_str("/>");
        }
        out.push_str("</BOM>");
        out
    }

    /// Reads a document. Element names are matched without their namespace prefix; unknown
    /// attributes and elements are refused, since a BOM silently missing lines is worse than
    /// an upload that fails.
    pub fn from_xml(text: &str) -> Result<Bom, WsbfError> {
        let err = |m: String| WsbfError(m);
        let mut tok = Tokenizer::new(text);
        let mut bom: Option<Bom> = None;
        let mut depth = 0usize;
        loop {
            let (_, token) = tok.next_token().map_err(|e| err(e.to_string()))?;
            match token {
                Token::Start(tag) => {
                    depth += 1;
                    let name = tag.local_name();
                    match (depth, name) {
                        (1, "BOM") => {
                            let mut b = Bom::default();
                            let mut pn = None;
                            let mut rev = None;
                            for a in tag
                                .attributes
                                .iter()
                                .filter(|a| !a.is_namespace_declaration())
                            {
                                let v = a.value().map_err(|e| err(e.to_string()))?.into_owned();
                                match a.local_name() {
                                    "Partnumber" => pn = Some(v),
                                    "Revision" => rev = Some(v),
                                    "Desc" => b.description = Some(v),
                                    other => {
                                        return Err(err(format!("unknown attribute BOM/@{other}")))
                                    }
                                }
                            }
                            b.part_number = pn
                                .filter(|p| !p.trim().is_empty())
                                .ok_or_else(|| err("BOM/@Partnumber is required".into()))?;
                            b.revision = rev
                                .filter(|r| !r.trim().is_empty())
                                .ok_or_else(|| err("BOM/@Revision is required".into()))?;
                            bom = Some(b);
                        }
                        (2, "Component") => {
                            let b = bom
                                .as_mut()
                                .ok_or_else(|| err("Component outside BOM".into()))?;
                            if b.components.len() >= MAX_COMPONENTS {
                                return Err(err(format!("more than {MAX_COMPONENTS} components")));
                            }
                            let mut c = Component::default();
                            for a in tag
                                .attributes
                                .iter()
                                .filter(|a| !a.is_namespace_declaration())
                            {
                                let v = a.value().map_err(|e| err(e.to_string()))?.into_owned();
                                match a.local_name() {
                                    "Number" => c.number = Some(v),
                                    "Rev" => c.revision = Some(v),
                                    "Qty" => {
                                        c.quantity = Some(v.trim().parse().map_err(|_| {
                                            err(format!(
                                                "Component/@Qty '{v}' (line {}) is not an integer",
                                                b.components.len() + 1
                                            ))
                                        })?)
                                    }
                                    "Desc" => c.description = Some(v),
                                    "Ref" => c.reference = Some(v),
                                    "FunctionBlock" => c.function_block = Some(v),
                                    other => {
                                        return Err(err(format!(
                                            "unknown attribute Component/@{other}"
                                        )))
                                    }
                                }
                            }
                            b.components.push(c);
                        }
                        (_, other) => return Err(err(format!("unexpected element <{other}>"))),
                    }
                    if tag.empty {
                        depth -= 1;
                    }
                }
                Token::End(_) => depth = depth.saturating_sub(1),
                Token::Text(t) => {
                    if !wats_report::xml::is_blank(t.raw) {
                        return Err(err("unexpected text".into()));
                    }
                }
                Token::CData(_) => return Err(err("unexpected CDATA".into())),
                Token::DocType => {
                    return Err(err("a document type declaration is not allowed".into()))
                }
                Token::Eof => {
                    if depth != 0 {
                        return Err(err("the document ends inside an element".into()));
                    }
                    return bom.ok_or_else(|| err("no <BOM> element".into()));
                }
            }
        }
    }
}

fn attr(out: &mut String, name: &str, value: Option<&str>) {
    let Some(value) = value else { return };
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    for ch in value.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_openapi_example() {
        let xml = r#"<?xml version="1.0" encoding="utf-16"?>
<BOM Partnumber="100100" Revision="1.0" Desc="Product Description" xmlns="http://wats.virinco.com/schemas/WATS/wsbf ">
 <Component Number="100200" Rev="1.0" Qty="2" Desc="Component Description" Ref="A30;A31" FunctionBlock="A" />
 <Component Number="100201" Rev="1.1" Qty="2" Desc="Component Description" Ref="A32;A34" FunctionBlock="B" />
</BOM>"#;
        let bom = Bom::from_xml(xml).unwrap();
        assert_eq!(bom.part_number, "100100");
        assert_eq!(bom.components.len(), 2);
        assert_eq!(bom.components[1].reference.as_deref(), Some("A32;A34"));
        let item = bom.components[0].to_bom_item();
        assert_eq!(Component::from_bom_item(&item), bom.components[0]);
    }

    #[test]
    fn json_is_the_public_bom() {
        let bom: Bom = serde_json::from_str(
            r#"{"partNumber":"P","revision":"A","components":[{"number":"R1","Qty":2,"x":1}]}"#,
        )
        .unwrap();
        assert_eq!(bom.components[0].quantity, Some(2));
        let v = serde_json::to_value(&bom).unwrap();
        assert_eq!(v["components"][0]["quantity"], 2);
        assert_eq!(v["components"][0]["x"], 1);
        assert_eq!(bom.components[0].to_bom_item().extra["x"], 1);
    }

    #[test]
    fn bad_documents_name_the_problem() {
        let e = Bom::from_xml(r#"<BOM Revision="A"/>"#).unwrap_err();
        assert!(e.0.contains("Partnumber"), "{e}");
        let e = Bom::from_xml(r#"<BOM Partnumber="P" Revision="A"><Component Qty="x"/></BOM>"#)
            .unwrap_err();
        assert!(e.0.contains("Qty"), "{e}");
        let e = Bom::from_xml(r#"<BOM Partnumber="P" Revision="A"><Component"#).unwrap_err();
        assert!(!e.0.is_empty());
        assert!(Bom::from_xml("").is_err());
    }

    #[test]
    fn escapes_round_trip() {
        let bom = Bom {
            part_number: "P&<\"1".into(),
            revision: "A".into(),
            description: Some("line1\nline2".into()),
            ..Bom::default()
        };
        assert_eq!(Bom::from_xml(&bom.to_xml()).unwrap(), bom);
    }
}
