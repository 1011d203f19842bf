//! The `$filter` recursive-descent parser.
//!
//! Precedence, lowest first: `or`, `and`, `not`, comparison (`eq ne gt ge lt le in`), primary.
//! (`not` binds looser than comparisons, so `not serialNumber eq 'x'` means
//! `not (serialNumber eq 'x')`, which is what people mean when they write it.)

use chrono::{DateTime, FixedOffset, NaiveDate};
use uuid::Uuid;

use super::lexer::{tokenize, Tok, Token};
use super::ODataError;

/// How deep expressions may nest (parentheses, `not`, function arguments).
pub const MAX_DEPTH: usize = 64;

/// The most conditions a filter may join with `and`/`or`. A chain compiles to SQL nested one
/// level per operator, and SQLite refuses expressions deeper than 1000 (an `or` chain of
/// ~1,000 terms was a 500); 256 keeps the deepest filter (chains inside [`MAX_DEPTH`] levels
/// of parentheses) well under it and is far more than a query by hand or by pyWATS needs.
pub const MAX_TERMS: usize = 256;

/// The most literals a filter may hold in its `in` lists together: each is a bound parameter,
/// and SQLite allows 32766 per statement.
pub const MAX_IN_VALUES: usize = 1000;

/// A literal value.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `'text'`
    String(String),
    /// `42`
    Int(i64),
    /// `4.2`
    Float(f64),
    /// `true`, `false`
    Bool(bool),
    /// `null`
    Null,
    /// `2026-01-30T21:01:41Z`
    DateTime(DateTime<FixedOffset>),
    /// `2026-01-30`
    Date(NaiveDate),
    /// `33a2d408-3fc8-480b-b554-6866c77fd91c`
    Guid(Uuid),
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

impl CmpOp {
    fn from_word(w: &str) -> Option<CmpOp> {
        Some(match w {
            "eq" => CmpOp::Eq,
            "ne" => CmpOp::Ne,
            "gt" => CmpOp::Gt,
            "ge" => CmpOp::Ge,
            "lt" => CmpOp::Lt,
            "le" => CmpOp::Le,
            _ => return None,
        })
    }

    /// The operator with its operands swapped (`a lt b` ⇔ `b gt a`).
    pub fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            other => other,
        }
    }

    /// The SQL operator.
    pub fn sql(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
        }
    }
}

/// `any` or `all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LambdaKind {
    /// At least one element matches.
    Any,
    /// Every element matches.
    All,
}

/// A `$filter` expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// `not a`
    Not(Box<Expr>),
    /// `a eq b`, …
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    /// `a in (b, c)`
    In(Box<Expr>, Vec<Expr>),
    /// `contains(a, 'x')`: the function name in lower case and the arguments.
    Call(String, Vec<Expr>),
    /// `subUnits/any(s: s/partNumber eq 'x')`
    Lambda {
        /// The collection's path.
        collection: Vec<String>,
        /// `any` or `all`.
        kind: LambdaKind,
        /// The range variable and the condition (`any()` has neither).
        body: Option<(String, Box<Expr>)>,
    },
    /// A property path such as `serialNumber` or `s/partNumber`.
    Member(Vec<String>),
    /// A literal.
    Literal(Literal),
}

/// Parses a `$filter` value.
pub fn parse_filter(input: &str) -> Result<Expr, ODataError> {
    let tokens = tokenize(input)?;
    let mut p = Parser {
        tokens,
        at: 0,
        depth: 0,
        terms: 1,
        in_values: 0,
    };
    if p.peek() == &Tok::Eof {
        return Err(ODataError::at(0, "the filter is empty"));
    }
    let e = p.or_expr()?;
    match p.peek() {
        Tok::Eof => Ok(e),
        other => Err(ODataError::at(
            p.pos(),
            format!(
                "unexpected {} after a complete expression",
                other.describe()
            ),
        )),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    /// Conditions joined by `and`/`or` so far (bounded by [`MAX_TERMS`]).
    terms: usize,
    /// Literals in `in` lists so far (bounded by [`MAX_IN_VALUES`]).
    in_values: usize,
}

/// Operators OData has and this server does not.
const UNSUPPORTED_OPERATORS: &[&str] = &["add", "sub", "mul", "div", "divby", "mod", "has"];

impl Parser {
    fn peek(&self) -> &Tok {
        &self.tokens[self.at].kind
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.tokens[(self.at + n).min(self.tokens.len() - 1)].kind
    }

    fn pos(&self) -> usize {
        self.tokens[self.at].pos
    }

    fn next(&mut self) -> Tok {
        let t = self.tokens[self.at].kind.clone();
        if self.at < self.tokens.len() - 1 {
            self.at += 1;
        }
        t
    }

    fn keyword(&self) -> Option<String> {
        match self.peek() {
            Tok::Ident(w) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn expect(&mut self, want: Tok, context: &str) -> Result<(), ODataError> {
        if *self.peek() == want {
            self.next();
            Ok(())
        } else {
            Err(ODataError::at(
                self.pos(),
                format!(
                    "expected {} {context}, found {}",
                    want.describe(),
                    self.peek().describe()
                ),
            ))
        }
    }

    fn enter(&mut self) -> Result<(), ODataError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ODataError::at(
                self.pos(),
                format!("the filter nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    /// Counts one more condition joined by `and`/`or`.
    fn join(&mut self) -> Result<(), ODataError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(ODataError::at(
                self.pos(),
                format!("the filter joins more than {MAX_TERMS} conditions with and/or"),
            ));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Expr, ODataError> {
        let mut left = self.and_expr()?;
        while self.keyword().as_deref() == Some("or") {
            self.join()?;
            self.next();
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, ODataError> {
        let mut left = self.not_expr()?;
        while self.keyword().as_deref() == Some("and") {
            self.join()?;
            self.next();
            let right = self.not_expr()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_expr(&mut self) -> Result<Expr, ODataError> {
        // `not(` could also be a call of a function named `not`; OData has none, so
        // `not (a)` and `not(a)` are both negations.
        if self.keyword().as_deref() == Some("not") {
            self.next();
            self.enter()?;
            let e = self.not_expr()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, ODataError> {
        let left = self.primary()?;
        let Some(word) = self.keyword() else {
            return Ok(left);
        };
        if let Some(op) = CmpOp::from_word(&word) {
            self.next();
            let right = self.primary()?;
            if let Some(w) = self.keyword() {
                if CmpOp::from_word(&w).is_some() || w == "in" {
                    return Err(ODataError::at(
                        self.pos(),
                        format!("comparisons cannot be chained ('{w}' after a comparison)"),
                    ));
                }
            }
            return Ok(Expr::Compare(op, Box::new(left), Box::new(right)));
        }
        if word == "in" {
            self.next();
            let pos = self.pos();
            self.expect(Tok::LParen, "after 'in'")?;
            let mut items = Vec::new();
            if *self.peek() != Tok::RParen {
                loop {
                    let item = self.primary()?;
                    if !matches!(item, Expr::Literal(_)) {
                        return Err(ODataError::at(
                            pos,
                            "the list after 'in' must hold literals",
                        ));
                    }
                    items.push(item);
                    self.in_values += 1;
                    if self.in_values > MAX_IN_VALUES {
                        return Err(ODataError::at(
                            pos,
                            format!(
                                "the filter's 'in' lists hold more than {MAX_IN_VALUES} values"
                            ),
                        ));
                    }
                    if *self.peek() == Tok::Comma {
                        self.next();
                    } else {
                        break;
                    }
                }
            }
            self.expect(Tok::RParen, "to close the 'in' list")?;
            return Ok(Expr::In(Box::new(left), items));
        }
        if UNSUPPORTED_OPERATORS.contains(&word.as_str()) {
            return Err(ODataError::at(
                self.pos(),
                format!("the operator '{word}' is not supported"),
            ));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Expr, ODataError> {
        let pos = self.pos();
        match self.next() {
            Tok::LParen => {
                self.enter()?;
                let e = self.or_expr()?;
                self.depth -= 1;
                self.expect(Tok::RParen, "to close '('")?;
                Ok(e)
            }
            Tok::Str(s) => Ok(Expr::Literal(Literal::String(s))),
            Tok::Int(i) => Ok(Expr::Literal(Literal::Int(i))),
            Tok::Float(f) => Ok(Expr::Literal(Literal::Float(f))),
            Tok::DateTime(d) => Ok(Expr::Literal(Literal::DateTime(d))),
            Tok::Date(d) => Ok(Expr::Literal(Literal::Date(d))),
            Tok::Guid(g) => Ok(Expr::Literal(Literal::Guid(g))),
            Tok::Ident(word) => {
                match word.as_str() {
                    "true" => return Ok(Expr::Literal(Literal::Bool(true))),
                    "false" => return Ok(Expr::Literal(Literal::Bool(false))),
                    "null" => return Ok(Expr::Literal(Literal::Null)),
                    _ => {}
                }
                let lower = word.to_ascii_lowercase();
                if ["and", "or", "eq", "ne", "gt", "ge", "lt", "le", "in"].contains(&lower.as_str())
                {
                    return Err(ODataError::at(
                        pos,
                        format!("expected a value, found the operator '{word}'"),
                    ));
                }
                if *self.peek() == Tok::LParen {
                    return self.call(lower, pos);
                }
                self.member(word)
            }
            other => Err(ODataError::at(
                pos,
                format!("expected a value, found {}", other.describe()),
            )),
        }
    }

    fn call(&mut self, name: String, pos: usize) -> Result<Expr, ODataError> {
        self.expect(Tok::LParen, "after a function name")?;
        self.enter()?;
        let mut args = Vec::new();
        if *self.peek() != Tok::RParen {
            loop {
                args.push(self.or_expr()?);
                if *self.peek() == Tok::Comma {
                    self.next();
                } else {
                    break;
                }
            }
        }
        self.depth -= 1;
        self.expect(Tok::RParen, &format!("to close the arguments of {name}()"))?;
        let _ = pos;
        Ok(Expr::Call(name, args))
    }

    fn member(&mut self, first: String) -> Result<Expr, ODataError> {
        let mut path = vec![first];
        while *self.peek() == Tok::Slash {
            self.next();
            let pos = self.pos();
            match self.next() {
                Tok::Ident(w) => {
                    let lower = w.to_ascii_lowercase();
                    if (lower == "any" || lower == "all") && *self.peek() == Tok::LParen {
                        let kind = if lower == "any" {
                            LambdaKind::Any
                        } else {
                            LambdaKind::All
                        };
                        return self.lambda(path, kind);
                    }
                    path.push(w);
                }
                other => {
                    return Err(ODataError::at(
                        pos,
                        format!(
                            "expected a property name after '/', found {}",
                            other.describe()
                        ),
                    ))
                }
            }
        }
        Ok(Expr::Member(path))
    }

    fn lambda(&mut self, collection: Vec<String>, kind: LambdaKind) -> Result<Expr, ODataError> {
        self.expect(Tok::LParen, "after any/all")?;
        if *self.peek() == Tok::RParen && kind == LambdaKind::Any {
            self.next();
            return Ok(Expr::Lambda {
                collection,
                kind,
                body: None,
            });
        }
        let pos = self.pos();
        let var = match (self.next(), self.peek_at(0)) {
            (Tok::Ident(v), Tok::Colon) => v,
            _ => {
                return Err(ODataError::at(
                    pos,
                    "expected a range variable and ':' as in any(s: s/partNumber eq 'X')",
                ))
            }
        };
        self.next();
        self.enter()?;
        let body = self.or_expr()?;
        self.depth -= 1;
        self.expect(Tok::RParen, "to close any/all")?;
        Ok(Expr::Lambda {
            collection,
            kind,
            body: Some((var, Box::new(body))),
        })
    }
}
