//! Parser and compiler tests.

use super::parser::{CmpOp, Expr, LambdaKind, Literal};
use super::sql::{compile_filter, SqlBuilder, SqlValue};
use super::*;
use crate::store::query::HEADER_SCHEMA;

fn p(s: &str) -> Expr {
    parse_filter(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn err(s: &str) -> String {
    match parse_filter(s) {
        Ok(e) => panic!("{s} parsed as {e:?}"),
        Err(e) => e.to_string(),
    }
}

fn member(name: &str) -> Box<Expr> {
    Box::new(Expr::Member(name.split('/').map(str::to_owned).collect()))
}

fn lit(l: Literal) -> Box<Expr> {
    Box::new(Expr::Literal(l))
}

fn s(text: &str) -> Box<Expr> {
    lit(Literal::String(text.into()))
}

fn sql(filter: &str) -> (String, Vec<SqlValue>) {
    let mut b = SqlBuilder::new(false);
    compile_filter(&p(filter), &HEADER_SCHEMA, &mut b).unwrap_or_else(|e| panic!("{filter}: {e}"));
    (b.sql, b.args)
}

fn sql_err(filter: &str) -> String {
    let mut b = SqlBuilder::new(false);
    compile_filter(&p(filter), &HEADER_SCHEMA, &mut b)
        .expect_err(filter)
        .to_string()
}

#[test]
fn comparison_operators() {
    for (word, op) in [
        ("eq", CmpOp::Eq),
        ("ne", CmpOp::Ne),
        ("gt", CmpOp::Gt),
        ("ge", CmpOp::Ge),
        ("lt", CmpOp::Lt),
        ("le", CmpOp::Le),
    ] {
        assert_eq!(
            p(&format!("serialNumber {word} 'A'")),
            Expr::Compare(op, member("serialNumber"), s("A"))
        );
    }
}

#[test]
fn string_literals_and_escapes() {
    assert_eq!(
        p("serialNumber eq 'it''s'"),
        Expr::Compare(CmpOp::Eq, member("serialNumber"), s("it's"))
    );
    assert_eq!(
        p("serialNumber eq ''"),
        Expr::Compare(CmpOp::Eq, member("serialNumber"), s(""))
    );
    assert_eq!(
        p("serialNumber eq 'a and b or c'"),
        Expr::Compare(CmpOp::Eq, member("serialNumber"), s("a and b or c"))
    );
    assert!(err("serialNumber eq 'open").contains("unterminated string"));
}

#[test]
fn numbers() {
    assert_eq!(
        p("processCode eq 10"),
        Expr::Compare(CmpOp::Eq, member("processCode"), lit(Literal::Int(10)))
    );
    assert_eq!(
        p("processCode eq -3"),
        Expr::Compare(CmpOp::Eq, member("processCode"), lit(Literal::Int(-3)))
    );
    assert_eq!(
        p("executionTime gt 1.5"),
        Expr::Compare(CmpOp::Gt, member("executionTime"), lit(Literal::Float(1.5)))
    );
    assert_eq!(
        p("executionTime gt 2e3"),
        Expr::Compare(
            CmpOp::Gt,
            member("executionTime"),
            lit(Literal::Float(2000.0))
        )
    );
    assert_eq!(
        p("processCode eq 10L"),
        Expr::Compare(CmpOp::Eq, member("processCode"), lit(Literal::Int(10)))
    );
    assert!(err("processCode eq 10abc").contains("invalid number"));
    assert!(err("processCode eq 99999999999999999999").contains("out of range"));
}

#[test]
fn datetime_date_and_guid_literals() {
    let Expr::Compare(_, _, right) = p("start ge 2026-01-30T21:01:41Z") else {
        panic!()
    };
    let Expr::Literal(Literal::DateTime(d)) = *right else {
        panic!("{right:?}")
    };
    assert_eq!(d.to_rfc3339(), "2026-01-30T21:01:41+00:00");
    let Expr::Compare(_, _, right) = p("start lt 2026-01-30T22:01:41.4707353+01:00") else {
        panic!()
    };
    assert!(matches!(*right, Expr::Literal(Literal::DateTime(_))));
    // v3 typed literal, naive = UTC
    let Expr::Compare(_, _, right) = p("start lt datetime'2026-01-30T00:00:00'") else {
        panic!()
    };
    let Expr::Literal(Literal::DateTime(d)) = *right else {
        panic!()
    };
    assert_eq!(d.to_rfc3339(), "2026-01-30T00:00:00+00:00");
    assert!(matches!(
        *match p("start ge 2026-01-30") {
            Expr::Compare(_, _, r) => r,
            _ => panic!(),
        },
        Expr::Literal(Literal::Date(_))
    ));
    let g = "33a2d408-3fc8-480b-b554-6866c77fd91c";
    assert_eq!(
        p(&format!("uuid eq {g}")),
        Expr::Compare(
            CmpOp::Eq,
            member("uuid"),
            lit(Literal::Guid(uuid::Uuid::parse_str(g).unwrap()))
        )
    );
    // A GUID starting with letters is not a name.
    assert!(matches!(
        p("uuid eq abcdef12-3fc8-480b-b554-6866c77fd91c"),
        Expr::Compare(_, _, r) if matches!(*r, Expr::Literal(Literal::Guid(_)))
    ));
    assert!(matches!(
        p(&format!("uuid eq guid'{g}'")),
        Expr::Compare(_, _, r) if matches!(*r, Expr::Literal(Literal::Guid(_)))
    ));
    assert!(err("start ge 2026-13-45T00:00:00Z").contains("invalid date-time"));
    assert!(err("uuid eq guid'nope'").contains("invalid guid"));
}

#[test]
fn keywords_booleans_null() {
    assert_eq!(
        p("comment eq null"),
        Expr::Compare(CmpOp::Eq, member("comment"), lit(Literal::Null))
    );
    assert_eq!(p("true"), Expr::Literal(Literal::Bool(true)));
}

#[test]
fn precedence_and_or_not() {
    // and binds tighter than or
    assert_eq!(
        p("a eq 'x' or b eq 'y' and c eq 'z'"),
        Expr::Or(
            Box::new(Expr::Compare(CmpOp::Eq, member("a"), s("x"))),
            Box::new(Expr::And(
                Box::new(Expr::Compare(CmpOp::Eq, member("b"), s("y"))),
                Box::new(Expr::Compare(CmpOp::Eq, member("c"), s("z"))),
            )),
        )
    );
    // parentheses override
    assert_eq!(
        p("(a eq 'x' or b eq 'y') and c eq 'z'"),
        Expr::And(
            Box::new(Expr::Or(
                Box::new(Expr::Compare(CmpOp::Eq, member("a"), s("x"))),
                Box::new(Expr::Compare(CmpOp::Eq, member("b"), s("y"))),
            )),
            Box::new(Expr::Compare(CmpOp::Eq, member("c"), s("z"))),
        )
    );
    // not applies to the comparison; left-associative chains
    assert_eq!(
        p("not a eq 'x'"),
        Expr::Not(Box::new(Expr::Compare(CmpOp::Eq, member("a"), s("x"))))
    );
    assert_eq!(
        p("not (a eq 'x') and b eq 'y'"),
        Expr::And(
            Box::new(Expr::Not(Box::new(Expr::Compare(
                CmpOp::Eq,
                member("a"),
                s("x")
            )))),
            Box::new(Expr::Compare(CmpOp::Eq, member("b"), s("y"))),
        )
    );
    assert!(matches!(
        p("a eq 'x' and b eq 'y' and c eq 'z'"),
        Expr::And(l, _) if matches!(*l, Expr::And(..))
    ));
    // keywords are case-insensitive
    assert_eq!(p("a EQ 'x' AND b eq 'y'"), p("a eq 'x' and b eq 'y'"));
}

#[test]
fn functions_in_and_lambdas() {
    assert_eq!(
        p("contains(serialNumber, 'AB')"),
        Expr::Call("contains".into(), vec![*member("serialNumber"), *s("AB")])
    );
    assert_eq!(
        p("startswith(partNumber,'X') eq true"),
        Expr::Compare(
            CmpOp::Eq,
            Box::new(Expr::Call(
                "startswith".into(),
                vec![*member("partNumber"), *s("X")]
            )),
            lit(Literal::Bool(true))
        )
    );
    assert_eq!(
        p("serialNumber in ('a', 'b','c')"),
        Expr::In(member("serialNumber"), vec![*s("a"), *s("b"), *s("c")])
    );
    assert_eq!(
        p("processCode in ()"),
        Expr::In(member("processCode"), vec![])
    );
    assert_eq!(
        p("subUnits/any(s: s/partNumber eq 'P1')"),
        Expr::Lambda {
            collection: vec!["subUnits".into()],
            kind: LambdaKind::Any,
            body: Some((
                "s".into(),
                Box::new(Expr::Compare(CmpOp::Eq, member("s/partNumber"), s("P1")))
            )),
        }
    );
    assert!(matches!(
        p("subUnits/any()"),
        Expr::Lambda { body: None, .. }
    ));
    assert!(matches!(
        p("miscInfo/all(m: m/value ne 'x')"),
        Expr::Lambda {
            kind: LambdaKind::All,
            ..
        }
    ));
}

#[test]
fn syntax_errors_are_clear() {
    assert!(err("").contains("empty"));
    assert!(err("serialNumber eq").contains("expected a value"));
    assert!(err("serialNumber eq 'a' 'b'").contains("unexpected string 'b'"));
    assert!(err("(serialNumber eq 'a'").contains("expected ')'"));
    assert!(err("serialNumber eq 'a')").contains("unexpected ')'"));
    assert!(err("serialNumber eq 'a' and").contains("expected a value"));
    assert!(err("processCode add 1 eq 2").contains("'add' is not supported"));
    assert!(err("a eq 1 eq 2").contains("cannot be chained"));
    assert!(err("serialNumber eq \"x\"").contains("unexpected character '\"'"));
    assert!(err("serialNumber in 'a'").contains("expected '('"));
    assert!(err("serialNumber in (serialNumber)").contains("must hold literals"));
    assert!(err("subUnits/any(s/partNumber eq 'x')").contains("range variable"));
    assert!(err("a eq -").contains("arithmetic"));
    // positions point into the input
    assert_eq!(
        parse_filter("serialNumber eq 'a' 'b'")
            .unwrap_err()
            .position,
        Some(20)
    );
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("{}a eq 'x'{}", "(".repeat(200), ")".repeat(200));
    assert!(err(&deep).contains("nests deeper"));
    let nots = format!("{}a eq 'x'", "not ".repeat(200));
    assert!(err(&nots).contains("nests deeper"));
    let ok = format!("{}a eq 'x'{}", "(".repeat(30), ")".repeat(30));
    p(&ok);
}

#[test]
fn term_count_and_in_values_are_bounded() {
    let chain = |n: usize, op: &str| {
        (0..n)
            .map(|i| format!("serialNumber eq 'S{i}'"))
            .collect::<Vec<_>>()
            .join(op)
    };
    p(&chain(super::parser::MAX_TERMS, " or "));
    sql(&chain(super::parser::MAX_TERMS, " or "));
    for op in [" or ", " and "] {
        let e = err(&chain(1000, op));
        assert!(e.contains("more than 256 conditions"), "{e}");
    }
    // Mixed and nested chains count together.
    let nested = format!("({}) and ({})", chain(200, " or "), chain(200, " and "));
    assert!(err(&nested).contains("more than 256 conditions"));
    let list: Vec<String> = (0..1001).map(|i| format!("'S{i}'")).collect();
    let e = err(&format!("serialNumber in ({})", list.join(",")));
    assert!(e.contains("more than 1000 values"), "{e}");
    p(&format!("serialNumber in ({})", list[..1000].join(",")));
}

#[test]
fn option_lists_are_bounded() {
    for option in ["$orderby", "$select", "$expand"] {
        let long = vec!["start"; 101].join(",");
        let e = QueryOptions::from_params([(option, long.as_str())]).unwrap_err();
        assert!(
            e.to_string().contains("lists 101 items; at most 100"),
            "{e}"
        );
    }
    let ok = vec!["start desc"; 100].join(",");
    QueryOptions::from_params([("$orderby", ok.as_str())]).unwrap();
}

#[test]
fn compiles_to_parameterized_sql() {
    let (q, args) = sql("serialNumber eq 'SN1' and processCode ge 10");
    assert_eq!(q, "(r.sn = $1 AND r.process_code >= $2)");
    assert_eq!(args, vec![SqlValue::Text("SN1".into()), SqlValue::Int(10)]);

    // Injection attempts stay parameters.
    let (q, args) = sql("serialNumber eq 'x'' OR 1=1 --'");
    assert_eq!(q, "r.sn = $1");
    assert_eq!(args, vec![SqlValue::Text("x' OR 1=1 --".into())]);

    // Literal on the left flips the operator.
    let (q, _) = sql("10 lt processCode");
    assert_eq!(q, "r.process_code > $1");

    // Dates become microseconds; guids lower-case; result words normalised.
    let (q, args) = sql("start ge 2026-01-30T22:00:00+01:00");
    assert_eq!(q, "r.start_utc >= $1");
    assert_eq!(args, vec![SqlValue::Int(1_769_806_800_000_000)]);
    let (_, args) = sql("uuid eq 33A2D408-3FC8-480B-B554-6866C77FD91C");
    assert_eq!(
        args,
        vec![SqlValue::Text(
            "33a2d408-3fc8-480b-b554-6866c77fd91c".into()
        )]
    );
    let (_, args) = sql("result eq 'F'");
    assert_eq!(args, vec![SqlValue::Text("Failed".into())]);
    let (_, args) = sql("start lt '2026-01-30T21:00:00Z'");
    assert_eq!(args, vec![SqlValue::Int(1_769_806_800_000_000)]);

    // null
    assert_eq!(sql("comment eq null").0, "r.comment IS NULL");
    assert_eq!(sql("null ne comment").0, "r.comment IS NOT NULL");

    // not, or, in
    let (q, args) = sql("not (serialNumber in ('a','b') or partNumber ne 'p')");
    assert_eq!(q, "(NOT (r.sn IN ($1, $2) OR r.pn <> $3))");
    assert_eq!(args.len(), 3);
    assert_eq!(sql("serialNumber in ()").0, "1=0");

    // string functions escape LIKE wildcards
    let (q, args) = sql("contains(serialNumber,'50%_x')");
    assert_eq!(q, "r.sn LIKE $1 ESCAPE '\\'");
    assert_eq!(args, vec![SqlValue::Text("%50\\%\\_x%".into())]);
    assert_eq!(
        sql("startswith(partNumber,'A')").1,
        vec![SqlValue::Text("A%".into())]
    );
    assert_eq!(
        sql("endswith(partNumber,'A')").1,
        vec![SqlValue::Text("%A".into())]
    );
    assert_eq!(
        sql("substringof('A', partNumber)").1,
        vec![SqlValue::Text("%A%".into())]
    );
    assert_eq!(
        sql("contains(serialNumber,'x') eq false").0,
        "(NOT r.sn LIKE $1 ESCAPE '\\')"
    );
    assert_eq!(sql("tolower(serialNumber) eq 'abc'").0, "LOWER(r.sn) = $1");

    // PostgreSQL uses ILIKE
    let mut b = SqlBuilder::new(true);
    compile_filter(&p("contains(serialNumber,'x')"), &HEADER_SCHEMA, &mut b).unwrap();
    assert!(b.sql.contains("ILIKE"));

    // lambdas
    let (q, args) = sql("subUnits/any(s: s/serialNumber eq 'S1')");
    assert_eq!(
        q,
        "EXISTS (SELECT 1 FROM report_sub_units l1 WHERE l1.report_id = r.id AND \
         r.report_type = 'T' AND (l1.sn = $1))"
    );
    assert_eq!(args, vec![SqlValue::Text("S1".into())]);
    let (q, _) = sql("miscInfo/all(m: m/value ne 'x')");
    assert!(q.starts_with("NOT EXISTS (SELECT 1 FROM report_misc_infos l1"));
    assert!(q.contains("AND NOT (l1.text_value <> $1)"));
    // Property names are case-insensitive.
    assert_eq!(sql("SERIALNUMBER eq 'a'").0, "r.sn = $1");
}

#[test]
fn compile_errors_are_clear() {
    assert!(sql_err("bogus eq 1").contains("unknown property 'bogus'"));
    assert!(sql_err("serialNumber eq 1").contains("serialNumber is a string"));
    assert!(sql_err("processCode eq 'x'").contains("integer"));
    assert!(sql_err("start ge 'yesterday'").contains("date-time"));
    assert!(sql_err("result eq 'Maybe'").contains("Passed, Failed"));
    assert!(sql_err("serialNumber").contains("not a condition"));
    assert!(sql_err("'a' eq 'b'").contains("property on one side"));
    assert!(sql_err("round(executionTime) eq 1").contains("round() is not supported"));
    assert!(sql_err("contains(processCode,'1')").contains("string property"));
    assert!(sql_err("contains(serialNumber, partNumber)").contains("quoted string"));
    assert!(sql_err("processCode gt null").contains("null compares only"));
    assert!(sql_err("nothing/any(x: x/a eq 'b')").contains("not a collection"));
    assert!(sql_err("subUnits/any(s: s/bogus eq 'b')").contains("unknown property 'bogus'"));
    assert!(
        sql_err("subUnits/any(s: s/miscInfo/any(m: m/value eq 'b'))").contains("not a collection")
    );
}

#[test]
fn query_options() {
    let o = QueryOptions::from_params([
        ("$filter", "serialNumber eq 'A'"),
        ("$top", "20"),
        ("$skip", "40"),
        ("$orderby", "start desc, serialNumber"),
        ("$select", "uuid, serialNumber"),
        ("$expand", "subUnits,miscInfo"),
        ("reportType", "U"),
    ])
    .unwrap();
    assert!(o.filter.is_some());
    assert_eq!((o.top, o.skip), (Some(20), Some(40)));
    assert_eq!(
        o.order_by,
        vec![
            OrderBy {
                field: "start".into(),
                descending: true
            },
            OrderBy {
                field: "serialNumber".into(),
                descending: false
            }
        ]
    );
    assert_eq!(o.select, vec!["uuid", "serialNumber"]);
    assert_eq!(o.expand, vec!["subUnits", "miscInfo"]);

    let e = |k: &str, v: &str| QueryOptions::from_params([(k, v)]).unwrap_err().to_string();
    assert!(e("$top", "10001").contains("limit of 10000"));
    assert!(e("$top", "-1").contains("non-negative"));
    assert!(e("$skip", "x").contains("non-negative"));
    assert!(e("$orderby", "start sideways").contains("'asc' or 'desc'"));
    assert!(e("$count", "true").contains("$count is not supported"));
    assert!(e("$expand", "subUnits($select=pn)").contains("nested options"));
    assert!(e("$filter", "serialNumber eq").contains("invalid $filter"));
    assert_eq!(
        QueryOptions::from_params([("$top", "10000")]).unwrap().top,
        Some(10000)
    );
}
