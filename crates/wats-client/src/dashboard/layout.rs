//! The frame every page shares: head, navigation, the live connection badge, the sign-in
//! state; and small pieces the pages reuse (form token field, times, sizes).

use std::time::{SystemTime, UNIX_EPOCH};

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::security::Caller;

/// What every page needs to know about the request.
pub struct Ctx {
    /// The instance's name.
    pub instance: String,
    /// Who is calling.
    pub caller: Caller,
    /// Every route needs a login (non-loopback or behind a proxy).
    pub exposed: bool,
}

/// The pages, in navigation order: (path, label).
const NAV: [(&str, &str); 5] = [
    ("/ui/", "Dashboard"),
    ("/ui/queue", "Queue"),
    ("/ui/converters", "Converters"),
    ("/ui/setup", "Setup"),
    ("/ui/logs", "Logs"),
];

/// A whole page.
pub fn frame(ctx: &Ctx, active: &str, title: &str, badge: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                @if let Some(csrf) = ctx.caller.csrf() {
                    meta name="csrf" content=(csrf);
                }
                title { (title) " · " (ctx.instance) " · WATS station" }
                link rel="stylesheet" href="/ui/assets/style.css";
                script src="/ui/assets/app.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    div.brand {
                        strong { "WATS station" } " "
                        span.instance { (ctx.instance) }
                    }
                    span #badge role="status" aria-live="polite" { (badge) }
                    nav aria-label="Pages" {
                        ul {
                            @for (href, label) in NAV {
                                li {
                                    @if href == active {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                    div.who {
                        @if ctx.caller.signed_in() {
                            form method="post" action="/ui/logout" {
                                (csrf_field(ctx))
                                button.link type="submit" { "Sign out" }
                            }
                        } @else {
                            a href="/ui/login" { "Sign in" }
                        }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    @if !ctx.caller.signed_in() {
                        p.note #readonly {
                            "Read only: changes need a session. Run "
                            code { "wats-client dashboard" }
                            " on the station for a login link, or "
                            a href="/ui/login" { "sign in with the control secret" } "."
                        }
                    }
                    (body)
                }
            }
        }
    }
}

/// A page outside the frame (login, refusals, "restarting").
pub fn message_page(title: &str, message: &str) -> Markup {
    bare_page(title, html! { p #message { (message) } })
}

/// A minimal page with `body` under a heading.
pub fn bare_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · WATS station" }
                link rel="stylesheet" href="/ui/assets/style.css";
                script src="/ui/assets/app.js" defer {}
            }
            body {
                main #main.narrow {
                    h1 { (title) }
                    (body)
                    p { a href="/ui/" { "Back to the dashboard" } }
                }
            }
        }
    }
}

/// The hidden form-token field of the caller's session (nothing without one: the change is
/// then refused, and the page says why).
pub fn csrf_field(ctx: &Ctx) -> Markup {
    html! {
        @if let Some(csrf) = ctx.caller.csrf() {
            input type="hidden" name="csrf" value=(csrf);
        }
    }
}

/// Seconds since the epoch.
pub fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A time as UTC text, in a `<time>` element the script shows in local time.
pub fn time(t: SystemTime) -> Markup {
    let dt: chrono::DateTime<chrono::Utc> = t.into();
    html! {
        time datetime=(dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) {
            (dt.format("%Y-%m-%d %H:%M:%S UTC"))
        }
    }
}

/// How long ago, roughly.
pub fn ago(t: SystemTime) -> String {
    let s = SystemTime::now()
        .duration_since(t)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    match s {
        0..=59 => format!("{s} s ago"),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=86_399 => format!("{} h ago", s / 3600),
        _ => format!("{} days ago", s / 86_400),
    }
}

/// Bytes for people.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Text already HTML (the embedded SVG chart).
pub fn raw(s: String) -> Markup {
    PreEscaped(s)
}
