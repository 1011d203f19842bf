//! `from_env`: WATS's variable names first, then pyWATS's. One test, so nothing else in this
//! binary races on the process environment.

use wats::{Error, Wats};

#[test]
fn from_env_reads_wats_then_pywats_variables() {
    let clear = || {
        for k in wats::ENV_BASE_URL.iter().chain(wats::ENV_TOKEN.iter()) {
            std::env::remove_var(k);
        }
    };
    clear();
    assert!(matches!(Wats::from_env(), Err(Error::Config(m)) if m.contains("WATS_BASE_URL")));

    std::env::set_var("PYWATS_SERVER_URL", "https://py.example.com/api/");
    std::env::set_var("PYWATS_API_TOKEN", "cHk6cHk=");
    assert_eq!(
        Wats::from_env().unwrap().base_url(),
        "https://py.example.com"
    );

    std::env::set_var("WATS_BASE_URL", "https://wats.example.com");
    std::env::set_var("WATS_AUTH_TOKEN", "d2F0czp3YXRz");
    assert_eq!(
        Wats::from_env().unwrap().base_url(),
        "https://wats.example.com"
    );

    // An empty value counts as unset.
    std::env::set_var("WATS_BASE_URL", " ");
    assert_eq!(
        Wats::from_env().unwrap().base_url(),
        "https://py.example.com"
    );

    std::env::set_var("WATS_BASE_URL", "https://blocking.example.com/");
    let blocking = wats::blocking::Wats::from_env().unwrap();
    assert_eq!(blocking.base_url(), "https://blocking.example.com");
    clear();
}
