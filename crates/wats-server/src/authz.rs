//! Who may do what: the one table of permissions, and the check every authenticated request
//! goes through (called by [`crate::auth::require_auth`], before the body is read).
//!
//! A rule names a path prefix (a whole domain such as `/api/Production`, or one route), the
//! methods it covers (reads are GET/HEAD, writes the rest; analytics queries are POSTs that
//! only read, so their rules cover any method), the permission's name and the least role that
//! holds it. The roles are ordered: station < operator < engineer < admin, each holding every
//! permission of the ones below it. For a request the longest matching prefix wins, so a
//! domain is governed as a whole and single routes (a station's report submission, unit and
//! serial-number operations, asset count increments) are opened where they need to be.
//!
//! Domains this server does not serve yet are listed too, so that routes added later are
//! governed from their first line. A route no rule covers is refused to everyone but admin,
//! and the test `authorization::every_route_has_a_rule` names it.
//!
//! `docs/authorization.md` holds this table as [`markdown_table`] prints it (a test checks).

use axum::http::Method;

use crate::error::ApiError;

/// A user's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// A test station: submits reports, reads what it needs, moves units through production.
    Station,
    /// Station rights, and reads everything but users.
    Operator,
    /// Everything but users and their tokens.
    Engineer,
    /// Everything.
    Admin,
}

impl Role {
    /// Every role, least first.
    pub const ALL: [Role; 4] = [Role::Station, Role::Operator, Role::Engineer, Role::Admin];

    /// The name stored and shown (`admin`, `engineer`, `operator`, `station`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Station => "station",
            Role::Operator => "operator",
            Role::Engineer => "engineer",
            Role::Admin => "admin",
        }
    }

    /// A role by name, in any case.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which methods a rule covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Methods {
    /// GET and HEAD.
    Read,
    /// POST, PUT, PATCH, DELETE.
    Write,
    /// Every method (queries sent as POST).
    Any,
}

impl Methods {
    fn covers(self, method: &Method) -> bool {
        let read = *method == Method::GET || *method == Method::HEAD;
        match self {
            Methods::Read => read,
            Methods::Write => !read,
            Methods::Any => true,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Methods::Read => "read",
            Methods::Write => "write",
            Methods::Any => "any",
        }
    }
}

/// One line of the table.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// The methods covered.
    pub methods: Methods,
    /// A path prefix, whole segments, compared without regard to case.
    pub prefix: &'static str,
    /// The permission's name, as a 403 names it.
    pub permission: &'static str,
    /// The least role holding it.
    pub role: Role,
}

const fn rule(
    methods: Methods,
    prefix: &'static str,
    permission: &'static str,
    role: Role,
) -> Rule {
    Rule {
        methods,
        prefix,
        permission,
        role,
    }
}

use Methods::{Any, Read, Write};
use Role::{Admin, Engineer, Operator, Station};

/// The permissions. Keep it grouped by domain; `docs/authorization.md` shows it.
pub const RULES: &[Rule] = &[
    // App: what a station reads to build reports; the rest is analytics.
    rule(Read, "/api/App/Version", "App.Read", Station),
    rule(Read, "/api/App/Processes", "App.Read", Station),
    rule(Read, "/api/App/Levels", "App.Read", Station),
    rule(Read, "/api/App/ProductGroups", "App.Read", Station),
    rule(Any, "/api/App", "Analytics.Read", Operator),
    rule(Any, "/api/internal/App", "Analytics.Read", Operator),
    rule(Any, "/api/internal/UnitFlow", "Analytics.Read", Operator),
    rule(Any, "/api/internal/Trigger", "Analytics.Read", Operator),
    rule(Read, "/charts", "Analytics.Read", Operator),
    // Reports: a station submits, and reads back (a UUR refers to the UUT it repairs).
    rule(Read, "/api/Report", "Report.Read", Station),
    rule(Write, "/api/Report/WSJF", "Report.Submit", Station),
    rule(Write, "/api/Report/WSXF", "Report.Submit", Station),
    rule(Write, "/api/Report", "Report.Write", Engineer),
    // Processes, levels and the repair configuration.
    rule(Read, "/api/internal/Process", "Process.Read", Station),
    rule(Write, "/api/internal/Process", "Process.Write", Engineer),
    rule(Read, "/api/Process", "Process.Read", Station),
    rule(Write, "/api/Process", "Process.Write", Engineer),
    rule(Read, "/api/SystemManager", "System.Read", Station),
    rule(Write, "/api/SystemManager", "System.Write", Engineer),
    // Products.
    rule(Read, "/api/Product", "Product.Read", Station),
    rule(Write, "/api/Product", "Product.Write", Engineer),
    rule(Read, "/api/Products", "Product.Read", Station),
    rule(Write, "/api/Products", "Product.Write", Engineer),
    rule(Read, "/api/internal/Product", "Product.Read", Station),
    rule(Write, "/api/internal/Product", "Product.Write", Engineer),
    // Production: a station moves its units (phase, process, children) and takes serials.
    rule(Read, "/api/Production", "Production.Read", Station),
    rule(Write, "/api/Production", "Production.Write", Engineer),
    rule(Write, "/api/Production/Units", "Production.Units", Station),
    rule(
        Write,
        "/api/Production/SetUnitPhase",
        "Production.Units",
        Station,
    ),
    rule(
        Write,
        "/api/Production/SetUnitProcess",
        "Production.Units",
        Station,
    ),
    rule(
        Write,
        "/api/Production/AddChildUnit",
        "Production.Units",
        Station,
    ),
    rule(
        Write,
        "/api/Production/RemoveChildUnit",
        "Production.Units",
        Station,
    ),
    rule(
        Write,
        "/api/Production/SerialNumbers/Take",
        "Production.SerialNumbers",
        Station,
    ),
    rule(
        Write,
        "/api/Production/Units/Changes",
        "Production.Write",
        Engineer,
    ),
    rule(Read, "/api/internal/Production", "Production.Read", Station),
    rule(
        Write,
        "/api/internal/Production",
        "Production.Write",
        Engineer,
    ),
    rule(
        Write,
        "/api/internal/Production/CreateUnit",
        "Production.Units",
        Station,
    ),
    rule(
        Write,
        "/api/internal/Production/AddChildUnit",
        "Production.Units",
        Station,
    ),
    rule(
        Write,
        "/api/internal/Production/RemoveChildUnit",
        "Production.Units",
        Station,
    ),
    rule(
        Write,
        "/api/internal/Production/RemoveAllChildUnits",
        "Production.Units",
        Station,
    ),
    rule(Read, "/api/internal/Mes", "Production.Read", Station),
    rule(Write, "/api/internal/Mes", "Production.Units", Station),
    // Assets: a station counts its fixtures' uses.
    rule(Read, "/api/Asset", "Asset.Read", Station),
    rule(Write, "/api/Asset", "Asset.Write", Engineer),
    rule(Write, "/api/Asset/Count", "Asset.Count", Station),
    rule(Read, "/api/internal/Asset", "Asset.Read", Station),
    rule(Write, "/api/internal/Asset", "Asset.Write", Engineer),
    rule(Read, "/api/internal/Blob/Asset", "Asset.Read", Station),
    rule(Write, "/api/internal/Blob", "Asset.Write", Engineer),
    // Software: a station downloads packages (the download log is a GET).
    rule(Read, "/api/Software", "Software.Read", Station),
    rule(Write, "/api/Software", "Software.Write", Engineer),
    rule(Read, "/api/internal/Software", "Software.Read", Station),
    rule(Write, "/api/internal/Software", "Software.Write", Engineer),
    // Root-cause tickets: operators raise and follow them.
    rule(Read, "/api/RootCause", "RootCause.Read", Operator),
    rule(Write, "/api/RootCause", "RootCause.Write", Operator),
    // Manual inspection: operators read the definitions, engineers write them.
    rule(
        Read,
        "/api/internal/ManualInspection",
        "ManualInspection.Read",
        Operator,
    ),
    rule(
        Write,
        "/api/internal/ManualInspection",
        "ManualInspection.Write",
        Engineer,
    ),
    // A GET that creates (a copy of a definition).
    rule(
        Any,
        "/api/internal/ManualInspection/GetDefinitionCopy",
        "ManualInspection.Write",
        Engineer,
    ),
    // Users and their tokens.
    rule(Any, "/api/SCIM", "Users.Manage", Admin),
];

/// Whether `prefix` covers `path`: equal, or followed by a `/` (whole segments).
fn covers(prefix: &str, path: &str) -> bool {
    path.len() >= prefix.len()
        && path.is_char_boundary(prefix.len())
        && path[..prefix.len()].eq_ignore_ascii_case(prefix)
        && (path.len() == prefix.len() || path.as_bytes()[prefix.len()] == b'/')
}

/// The rule governing `method` on `path` (a request path or a route template): the longest
/// prefix covering it.
pub fn rule_for(method: &Method, path: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .filter(|r| r.methods.covers(method) && covers(r.prefix, path))
        .max_by_key(|r| r.prefix.len())
}

/// Whether `role` may call `method` on `path`; a 403 naming the missing permission if not.
pub fn authorize(role: Role, method: &Method, path: &str) -> Result<(), ApiError> {
    match rule_for(method, path) {
        Some(r) if role >= r.role => Ok(()),
        Some(r) => Err(ApiError::Forbidden(format!(
            "The role '{role}' lacks the permission '{}' ({} and above have it).",
            r.permission, r.role
        ))),
        None if role == Admin => Ok(()),
        None => Err(ApiError::Forbidden(format!(
            "No permission is defined for {method} {path}; only 'admin' may call it."
        ))),
    }
}

/// The table as Markdown: prefix, methods, permission, and a mark per role that holds it.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Path prefix | Methods | Permission | station | operator | engineer | admin |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for r in RULES {
        let marks: Vec<&str> = Role::ALL
            .iter()
            .map(|role| if *role >= r.role { "✓" } else { "" })
            .collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            r.prefix,
            r.methods.as_str(),
            r.permission,
            marks.join(" | ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_prefix_wins_and_segments_are_whole() {
        let post = Method::POST;
        assert_eq!(
            rule_for(&post, "/api/report/wsjf").unwrap().permission,
            "Report.Submit"
        );
        assert_eq!(
            rule_for(&Method::PUT, "/api/Product/Revision")
                .unwrap()
                .permission,
            "Product.Write"
        );
        assert_eq!(
            rule_for(&Method::PUT, "/api/Products/Revisions")
                .unwrap()
                .prefix,
            "/api/Products",
            "/api/Product does not cover /api/Products"
        );
        assert!(rule_for(&Method::GET, "/api/Unknown").is_none());
        assert_eq!(
            rule_for(&Method::DELETE, "/api/Production/Units/Changes/{id}")
                .unwrap()
                .role,
            Engineer
        );
    }

    #[test]
    fn roles_include_the_ones_below() {
        assert!(authorize(Station, &Method::POST, "/api/Report/WSJF").is_ok());
        let e = authorize(Operator, &Method::PUT, "/api/Product").unwrap_err();
        assert!(e.to_string().contains("Product.Write"), "{e}");
        assert!(authorize(Engineer, &Method::PUT, "/api/Product").is_ok());
        assert!(authorize(Engineer, &Method::GET, "/api/SCIM/v2/Users").is_err());
        assert!(authorize(Admin, &Method::GET, "/api/Unknown").is_ok());
        assert!(authorize(Engineer, &Method::GET, "/api/Unknown").is_err());
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(&r.as_str().to_uppercase()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
