//! Compiles a `$filter` tree into a parameterized SQL condition over whitelisted columns.
//!
//! Every property the client names is looked up in a [`Schema`]; every literal becomes a bound
//! parameter (`$1`, `$2`…, which both SQLite and PostgreSQL accept), converted to the column's
//! type first (a date-time becomes microseconds since the epoch, a GUID lower-case text, a
//! result word such as `Passed` the stored word). Mismatches are refused with a message that
//! names the property.

use std::fmt::Write as _;

use super::parser::{CmpOp, Expr, LambdaKind, Literal};
use super::ODataError;

/// The type of a column, which decides how literals are converted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColType {
    /// Text.
    Text,
    /// A 64-bit integer.
    Int,
    /// A double.
    Real,
    /// A UTC instant stored as microseconds since the Unix epoch.
    Time,
    /// A GUID stored as lower-case hyphenated text.
    Guid,
    /// A report result stored as its word (`Passed`, `Failed`, `Error`, `Terminated`).
    Result,
}

impl ColType {
    fn name(self) -> &'static str {
        match self {
            ColType::Text | ColType::Result => "a string",
            ColType::Int => "an integer",
            ColType::Real => "a number",
            ColType::Time => "a date-time",
            ColType::Guid => "a guid",
        }
    }

    fn is_textual(self) -> bool {
        matches!(self, ColType::Text | ColType::Result | ColType::Guid)
    }
}

/// A property clients may filter and sort on.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The OData name (`serialNumber`).
    pub name: &'static str,
    /// The SQL column (`sn`).
    pub column: &'static str,
    /// Its type.
    pub ty: ColType,
}

/// A collection property usable in `any`/`all` (`subUnits`, `miscInfo`).
#[derive(Clone, Copy, Debug)]
pub struct Collection {
    /// The OData name.
    pub name: &'static str,
    /// The table holding the elements.
    pub table: &'static str,
    /// The column of that table referencing the parent's id.
    pub parent_column: &'static str,
    /// An extra condition on the table (e.g. only sub units of UUT reports), or "".
    pub condition: &'static str,
    /// The element properties.
    pub fields: &'static [Field],
}

/// What a filter may refer to.
#[derive(Clone, Copy, Debug)]
pub struct Schema {
    /// The SQL alias of the queried table.
    pub alias: &'static str,
    /// Its id column (collections reference it).
    pub id_column: &'static str,
    /// Its properties.
    pub fields: &'static [Field],
    /// Its collections.
    pub collections: &'static [Collection],
}

impl Schema {
    /// The property named `name` (case-insensitive).
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        find_field(self.fields, name)
    }
}

fn find_field(fields: &'static [Field], name: &str) -> Option<&'static Field> {
    fields.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// A value bound to a parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum SqlValue {
    /// Text.
    Text(String),
    /// Integer.
    Int(i64),
    /// Double.
    Real(f64),
}

/// SQL text with its parameters.
#[derive(Clone, Debug, Default)]
pub struct SqlBuilder {
    /// The SQL text.
    pub sql: String,
    /// The parameters, `$1` first.
    pub args: Vec<SqlValue>,
    /// Use `ILIKE` (PostgreSQL) for the case-insensitive string functions; SQLite's `LIKE`
    /// already ignores ASCII case.
    pub ilike: bool,
}

impl SqlBuilder {
    /// An empty builder.
    pub fn new(ilike: bool) -> Self {
        SqlBuilder {
            ilike,
            ..Default::default()
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a parameter placeholder bound to `value`.
    pub fn bind(&mut self, value: SqlValue) -> &mut Self {
        self.args.push(value);
        let _ = write!(self.sql, "${}", self.args.len());
        self
    }
}

/// Where names are resolved: the queried table, or a lambda's collection.
struct Scope<'a> {
    alias: String,
    fields: &'static [Field],
    var: Option<&'a str>,
    parent: Option<&'a Scope<'a>>,
}

impl Scope<'_> {
    fn resolve(&self, path: &[String]) -> Result<(String, ColType, &'static str), ODataError> {
        match (path, self.var) {
            ([var, name], Some(v)) if var == v => self.lookup(name),
            ([name], _) => match self.parent {
                // Inside a lambda a bare name is a property of the outer report.
                Some(parent) if self.var.is_some() => parent.resolve(path),
                _ => self.lookup(name),
            },
            _ => match self.parent {
                Some(parent) => parent.resolve(path),
                None => Err(ODataError::new(format!(
                    "unknown property path '{}'",
                    path.join("/")
                ))),
            },
        }
    }

    fn lookup(&self, name: &str) -> Result<(String, ColType, &'static str), ODataError> {
        match find_field(self.fields, name) {
            Some(f) => Ok((format!("{}.{}", self.alias, f.column), f.ty, f.name)),
            None => Err(ODataError::new(format!(
                "unknown property '{name}' (known: {})",
                self.fields
                    .iter()
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}

/// Compiles `expr` as a condition on `schema`, appending to `out`.
pub fn compile_filter(
    expr: &Expr,
    schema: &Schema,
    out: &mut SqlBuilder,
) -> Result<(), ODataError> {
    let scope = Scope {
        alias: schema.alias.to_owned(),
        fields: schema.fields,
        var: None,
        parent: None,
    };
    let mut c = Compiler {
        schema,
        out,
        lambdas: 0,
    };
    c.condition(expr, &scope)
}

struct Compiler<'s, 'o> {
    schema: &'s Schema,
    out: &'o mut SqlBuilder,
    lambdas: usize,
}

/// A value operand: a column expression or a literal.
enum Operand {
    Column(String, ColType, &'static str),
    Literal(Literal),
}

fn is_predicate(e: &Expr) -> bool {
    match e {
        Expr::Or(..) | Expr::And(..) | Expr::Not(_) | Expr::Compare(..) | Expr::In(..) => true,
        Expr::Lambda { .. } => true,
        Expr::Call(name, _) => matches!(
            name.as_str(),
            "contains" | "startswith" | "endswith" | "substringof"
        ),
        _ => false,
    }
}

impl Compiler<'_, '_> {
    fn condition(&mut self, e: &Expr, scope: &Scope) -> Result<(), ODataError> {
        match e {
            Expr::Or(a, b) | Expr::And(a, b) => {
                let op = if matches!(e, Expr::Or(..)) {
                    " OR "
                } else {
                    " AND "
                };
                self.out.push("(");
                self.condition(a, scope)?;
                self.out.push(op);
                self.condition(b, scope)?;
                self.out.push(")");
                Ok(())
            }
            Expr::Not(a) => {
                self.out.push("(NOT ");
                self.condition(a, scope)?;
                self.out.push(")");
                Ok(())
            }
            Expr::Compare(op, a, b) => self.compare(*op, a, b, scope),
            Expr::In(a, items) => self.in_list(a, items, scope),
            Expr::Call(name, args) => self.predicate_call(name, args, scope),
            Expr::Lambda {
                collection,
                kind,
                body,
            } => self.lambda(collection, *kind, body.as_ref(), scope),
            Expr::Literal(Literal::Bool(true)) => {
                self.out.push("1=1");
                Ok(())
            }
            Expr::Literal(Literal::Bool(false)) => {
                self.out.push("1=0");
                Ok(())
            }
            Expr::Member(path) => Err(ODataError::new(format!(
                "'{}' is not a condition; compare it with a value",
                path.join("/")
            ))),
            Expr::Literal(_) => Err(ODataError::new("a literal is not a condition")),
        }
    }

    fn operand(&mut self, e: &Expr, scope: &Scope) -> Result<Operand, ODataError> {
        match e {
            Expr::Member(path) => {
                let (sql, ty, name) = scope.resolve(path)?;
                Ok(Operand::Column(sql, ty, name))
            }
            Expr::Literal(l) => Ok(Operand::Literal(l.clone())),
            Expr::Call(name, args) => {
                let (func, ty) = match name.as_str() {
                    "tolower" => ("LOWER", ColType::Text),
                    "toupper" => ("UPPER", ColType::Text),
                    "trim" => ("TRIM", ColType::Text),
                    "length" => ("LENGTH", ColType::Int),
                    _ if is_predicate(e) => {
                        return Err(ODataError::new(format!(
                            "{name}() is a condition, not a value"
                        )))
                    }
                    _ => return Err(unsupported_function(name)),
                };
                let [arg] = args.as_slice() else {
                    return Err(ODataError::new(format!("{name}() takes one argument")));
                };
                match self.operand(arg, scope)? {
                    Operand::Column(sql, t, n) if t.is_textual() => {
                        Ok(Operand::Column(format!("{func}({sql})"), ty, n))
                    }
                    _ => Err(ODataError::new(format!("{name}() takes a string property"))),
                }
            }
            _ => Err(ODataError::new(
                "expected a property, a function or a literal",
            )),
        }
    }

    fn compare(&mut self, op: CmpOp, a: &Expr, b: &Expr, scope: &Scope) -> Result<(), ODataError> {
        // `contains(x,'y') eq true`, `any(...) eq false`
        for (pred, other) in [(a, b), (b, a)] {
            if let (true, Expr::Literal(Literal::Bool(value))) = (is_predicate(pred), other) {
                let negate = match op {
                    CmpOp::Eq => !value,
                    CmpOp::Ne => *value,
                    _ => return Err(ODataError::new("conditions compare only with eq and ne")),
                };
                if negate {
                    self.out.push("(NOT ");
                }
                self.condition(pred, scope)?;
                if negate {
                    self.out.push(")");
                }
                return Ok(());
            }
        }
        let left = self.operand(a, scope)?;
        let right = self.operand(b, scope)?;
        let (column, ty, name, op, lit) = match (left, right) {
            (Operand::Column(c, t, n), Operand::Literal(l)) => (c, t, n, op, l),
            (Operand::Literal(l), Operand::Column(c, t, n)) => (c, t, n, op.flipped(), l),
            (Operand::Column(c1, t1, _), Operand::Column(c2, t2, _)) => {
                if t1 != t2 {
                    return Err(ODataError::new(format!(
                        "cannot compare {} with {}",
                        t1.name(),
                        t2.name()
                    )));
                }
                let _ = write!(self.out.sql, "{c1} {} {c2}", op.sql());
                return Ok(());
            }
            (Operand::Literal(_), Operand::Literal(_)) => {
                return Err(ODataError::new("a comparison needs a property on one side"))
            }
        };
        if lit == Literal::Null {
            let test = match op {
                CmpOp::Eq => "IS NULL",
                CmpOp::Ne => "IS NOT NULL",
                _ => return Err(ODataError::new("null compares only with eq and ne")),
            };
            let _ = write!(self.out.sql, "{column} {test}");
            return Ok(());
        }
        let value = convert(&lit, ty, name)?;
        let _ = write!(self.out.sql, "{column} {} ", op.sql());
        self.out.bind(value);
        Ok(())
    }

    fn in_list(&mut self, a: &Expr, items: &[Expr], scope: &Scope) -> Result<(), ODataError> {
        let Operand::Column(column, ty, name) = self.operand(a, scope)? else {
            return Err(ODataError::new("'in' needs a property on its left"));
        };
        if items.is_empty() {
            self.out.push("1=0");
            return Ok(());
        }
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Expr::Literal(Literal::Null) => {
                    return Err(ODataError::new("null is not allowed in an 'in' list"))
                }
                Expr::Literal(l) => values.push(convert(l, ty, name)?),
                _ => return Err(ODataError::new("the list after 'in' must hold literals")),
            }
        }
        let _ = write!(self.out.sql, "{column} IN (");
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.out.push(", ");
            }
            self.out.bind(v);
        }
        self.out.push(")");
        Ok(())
    }

    fn predicate_call(
        &mut self,
        name: &str,
        args: &[Expr],
        scope: &Scope,
    ) -> Result<(), ODataError> {
        let (subject, pattern) = match (name, args) {
            ("contains" | "startswith" | "endswith", [s, p]) => (s, p),
            ("substringof", [p, s]) => (s, p),
            ("contains" | "startswith" | "endswith" | "substringof", _) => {
                return Err(ODataError::new(format!("{name}() takes two arguments")))
            }
            _ => {
                return Err(match name {
                    "tolower" | "toupper" | "trim" | "length" => ODataError::new(format!(
                        "{name}() is a value, not a condition; compare it with eq"
                    )),
                    _ => unsupported_function(name),
                })
            }
        };
        let Operand::Column(column, ty, prop) = self.operand(subject, scope)? else {
            return Err(ODataError::new(format!(
                "the first argument of {name}() must be a property"
            )));
        };
        if !ty.is_textual() {
            return Err(ODataError::new(format!(
                "{name}() needs a string property, and {prop} is {}",
                ty.name()
            )));
        }
        let Expr::Literal(Literal::String(text)) = pattern else {
            return Err(ODataError::new(format!(
                "the second argument of {name}() must be a quoted string"
            )));
        };
        let escaped = escape_like(text);
        let pattern = match name {
            "startswith" => format!("{escaped}%"),
            "endswith" => format!("%{escaped}"),
            _ => format!("%{escaped}%"),
        };
        let like = if self.out.ilike { "ILIKE" } else { "LIKE" };
        let _ = write!(self.out.sql, "{column} {like} ");
        self.out.bind(SqlValue::Text(pattern));
        self.out.push(" ESCAPE '\\'");
        Ok(())
    }

    fn lambda(
        &mut self,
        path: &[String],
        kind: LambdaKind,
        body: Option<&(String, Box<Expr>)>,
        scope: &Scope,
    ) -> Result<(), ODataError> {
        let [name] = path else {
            return Err(ODataError::new(format!(
                "'{}' is not a collection",
                path.join("/")
            )));
        };
        let Some(coll) = self
            .schema
            .collections
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
        else {
            return Err(ODataError::new(format!(
                "'{name}' is not a collection (known: {})",
                self.schema
                    .collections
                    .iter()
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        if scope.var.is_some() {
            return Err(ODataError::new("nested any/all is not supported"));
        }
        self.lambdas += 1;
        let alias = format!("l{}", self.lambdas);
        let not = if kind == LambdaKind::All { "NOT " } else { "" };
        let _ = write!(
            self.out.sql,
            "{not}EXISTS (SELECT 1 FROM {} {alias} WHERE {alias}.{} = {}.{}",
            coll.table, coll.parent_column, self.schema.alias, self.schema.id_column
        );
        if !coll.condition.is_empty() {
            let _ = write!(
                self.out.sql,
                " AND {}",
                coll.condition.replace("{a}", &alias)
            );
        }
        if let Some((var, body)) = body {
            let inner = Scope {
                alias: alias.clone(),
                fields: coll.fields,
                var: Some(var),
                parent: Some(scope),
            };
            self.out.push(if kind == LambdaKind::All {
                " AND NOT ("
            } else {
                " AND ("
            });
            self.condition(body, &inner)?;
            self.out.push(")");
        }
        self.out.push(")");
        Ok(())
    }
}

fn unsupported_function(name: &str) -> ODataError {
    ODataError::new(format!(
        "the function {name}() is not supported (supported: contains, startswith, endswith, \
         substringof, tolower, toupper, trim, length)"
    ))
}

/// Escapes `\`, `%` and `_` for `LIKE … ESCAPE '\'`.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Microseconds since the Unix epoch.
pub fn micros(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_micros()
}

fn convert(lit: &Literal, ty: ColType, property: &str) -> Result<SqlValue, ODataError> {
    let mismatch = || {
        ODataError::new(format!(
            "{property} is {}; {} does not compare with it",
            ty.name(),
            describe(lit)
        ))
    };
    Ok(match (ty, lit) {
        (ColType::Text, Literal::String(s)) => SqlValue::Text(s.clone()),
        (ColType::Int, Literal::Int(i)) => SqlValue::Int(*i),
        (ColType::Int | ColType::Real, Literal::Float(f)) => SqlValue::Real(*f),
        (ColType::Real, Literal::Int(i)) => SqlValue::Real(*i as f64),
        (ColType::Time, Literal::DateTime(d)) => SqlValue::Int(micros(d.to_utc())),
        (ColType::Time, Literal::Date(d)) => {
            SqlValue::Int(micros(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()))
        }
        (ColType::Time, Literal::String(s)) => match super::lexer::parse_datetime(s) {
            Some(d) => SqlValue::Int(micros(d.to_utc())),
            None => return Err(mismatch()),
        },
        (ColType::Guid, Literal::Guid(g)) => SqlValue::Text(g.hyphenated().to_string()),
        (ColType::Guid, Literal::String(s)) => match uuid::Uuid::parse_str(s) {
            Ok(g) => SqlValue::Text(g.hyphenated().to_string()),
            Err(_) => return Err(mismatch()),
        },
        (ColType::Result, Literal::String(s)) => match wats_report::Status::parse(s) {
            Some(st) if st.is_report_result() => SqlValue::Text(st.word().to_owned()),
            _ => {
                return Err(ODataError::new(format!(
                    "{property} is one of Passed, Failed, Error, Terminated, not '{s}'"
                )))
            }
        },
        _ => return Err(mismatch()),
    })
}

fn describe(lit: &Literal) -> &'static str {
    match lit {
        Literal::String(_) => "a string",
        Literal::Int(_) | Literal::Float(_) => "a number",
        Literal::Bool(_) => "a boolean",
        Literal::Null => "null",
        Literal::DateTime(_) | Literal::Date(_) => "a date-time",
        Literal::Guid(_) => "a guid",
    }
}
