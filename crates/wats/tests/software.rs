//! `wats::software` against a real `wats-server` on SQLite and PostgreSQL: the release flow
//! (only legal moves, a Released package immutable), zip upload with and without
//! `cleanInstall`, files with their SHA-256, attributes, folders, virtual folders, history,
//! available and revoked packages, the download log, and hostile zips refused whole.

#[path = "../../wats-server/tests/common/mod.rs"]
mod server;

use std::io::Write as _;

use server::{Backend, TestServer, PASSWORD, USER};
use uuid::Uuid;
use wats::software::{Package, PackageStatus, VirtualFolder};
use wats::{Error, Wats};

async fn start(backend: Backend) -> Option<TestServer> {
    server::start(backend).await
}

both_backends!(super::start; release_flow, zip_files_and_folders, hostile_zips,
               distribution_calls);

fn client(s: &TestServer) -> Wats {
    Wats::builder()
        .base_url(&s.base)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .no_cache()
        .build()
        .unwrap()
}

fn tag() -> String {
    Uuid::new_v4().simple().to_string()[..8].to_uppercase()
}

/// sha256("hello"), worked out once with `sha256sum`.
const SHA_HELLO: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
/// sha256("world").
const SHA_WORLD: &str = "486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7";

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, o).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn validation(e: Error, what: &str) {
    match e {
        Error::Validation { message, .. } => {
            assert!(message.contains(what), "{message:?} should say {what:?}")
        }
        other => panic!("expected a validation error saying {what:?}, got {other:?}"),
    }
}

async fn release_flow(s: &TestServer) {
    let w = client(s);
    let sw = w.software();
    let name = format!("ICT-{}", tag());
    let p1 = sw
        .create(&Package::new(&name).description("v1").tag("Line", "1"))
        .await
        .unwrap();
    let id = p1.package_id.unwrap();
    assert_eq!(
        (p1.version, p1.status),
        (Some(1), Some(PackageStatus::Draft))
    );
    assert_eq!(p1.created_by.as_deref(), Some(USER));
    let p2 = sw.create(&Package::new(name.to_lowercase())).await.unwrap();
    assert_eq!(p2.version, Some(2), "a name's next version");
    assert_eq!(p2.name.as_deref(), Some(&*name.to_lowercase()));

    // Draft: fields change; the name does not.
    let mut edit = p1.clone();
    edit.description = Some("first".into());
    edit.status = Some(PackageStatus::Released); // ignored: status has its own call
    let p = sw.update(&edit).await.unwrap();
    assert_eq!(p.description.as_deref(), Some("first"));
    assert_eq!(p.status, Some(PackageStatus::Draft));
    edit.name = Some("Other".into());
    validation(sw.update(&edit).await.unwrap_err(), "name");

    // Illegal moves: WATS's message.
    validation(
        sw.release(id).await.unwrap_err(),
        "Status can only go from Draft to Pending",
    );
    validation(sw.revoke(id).await.unwrap_err(), "Status can only go");
    sw.submit_for_review(id).await.unwrap();
    validation(sw.update(&p).await.unwrap_err(), "only a Draft package");
    sw.return_to_draft(id).await.unwrap();
    sw.upload_zip(id, zip_of(&[("app/a.txt", b"hello")]), false)
        .await
        .unwrap();
    sw.submit_for_review(id).await.unwrap();
    let rel = sw.release(id).await.unwrap();
    assert_eq!(rel.status, Some(PackageStatus::Released));
    assert_eq!(rel.released_by.as_deref(), Some(USER));
    assert!(rel.released.is_some());

    // Released: immutable and not deletable.
    validation(sw.update(&p).await.unwrap_err(), "Released");
    validation(
        sw.upload_zip(id, zip_of(&[("app/b.txt", b"x")]), false)
            .await
            .unwrap_err(),
        "Released",
    );
    let fid = sw.files(id).await.unwrap()[0].file_id.unwrap();
    validation(
        sw.set_file_attributes(fid, "ExecuteOnce")
            .await
            .unwrap_err(),
        "Released",
    );
    validation(sw.delete_files(&[fid]).await.unwrap_err(), "Released");
    validation(sw.delete(id).await.unwrap_err(), "revoke it");
    validation(
        sw.return_to_draft(id).await.unwrap_err(),
        "Status can only go",
    );

    // Lookups.
    assert_eq!(
        sw.released(&name).await.unwrap().unwrap().package_id,
        Some(id)
    );
    assert_eq!(
        sw.by_name(&name, None, None)
            .await
            .unwrap()
            .unwrap()
            .version,
        Some(2)
    );
    assert_eq!(
        sw.by_name(&name, None, Some(1))
            .await
            .unwrap()
            .unwrap()
            .package_id,
        Some(id)
    );
    assert_eq!(
        sw.by_name(&name, Some(PackageStatus::Revoked), None)
            .await
            .unwrap(),
        None
    );
    let tagged = sw
        .by_tag("line", "1", Some(PackageStatus::Released))
        .await
        .unwrap();
    assert!(tagged.iter().any(|x| x.package_id == Some(id)));
    assert!(sw.packages().await.unwrap().len() >= 2);

    // Revoke, then delete; a revoked package cannot come back.
    let rev = sw.revoke(id).await.unwrap();
    assert_eq!(rev.status, Some(PackageStatus::Revoked));
    assert!(rev.revoked.is_some());
    validation(sw.release(id).await.unwrap_err(), "Status can only go");
    sw.delete(id).await.unwrap();
    assert_eq!(sw.get(id).await.unwrap(), None);
    sw.delete_by_name(&name, None).await.unwrap();
    assert!(sw.by_name(&name, None, None).await.unwrap().is_none());

    // Unknown packages and bad parameters.
    let missing = Uuid::new_v4();
    assert!(matches!(
        sw.release(missing).await.unwrap_err(),
        Error::NotFound { .. }
    ));
    assert!(matches!(
        sw.files(missing).await.unwrap_err(),
        Error::NotFound { .. }
    ));
    let r = s
        .post("/api/Software/PackageStatus/not-a-guid?status=Draft", "")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .post(
            &format!("/api/Software/PackageStatus/{missing}?status=Shipped"),
            "",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("status"));
    validation(sw.create(&Package::default()).await.unwrap_err(), "name");
}

async fn zip_files_and_folders(s: &TestServer) {
    let w = client(s);
    let sw = w.software();
    let p = sw
        .create(&Package::new(format!("FCT-{}", tag())))
        .await
        .unwrap();
    let id = p.package_id.unwrap();
    sw.upload_zip(
        id,
        zip_of(&[("app/bin/a.txt", b"hello"), ("app/readme.md", b"world")]),
        false,
    )
    .await
    .unwrap();
    let files = sw.files(id).await.unwrap();
    let view: Vec<_> = files
        .iter()
        .map(|f| {
            (
                f.path.clone().unwrap(),
                f.size.unwrap(),
                f.checksum.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        view,
        [
            ("app/bin/a.txt".to_owned(), 5, SHA_HELLO.to_owned()),
            ("app/readme.md".to_owned(), 5, SHA_WORLD.to_owned())
        ]
    );
    assert_eq!(files[0].package_folder_name.as_deref(), Some("app/bin"));
    assert_eq!(files[0].file_id, files[0].package_file_id);
    let a = files[0].file_id.unwrap();
    assert_eq!(&sw.download_file(a).await.unwrap()[..], b"hello");
    let raw = s
        .get(&format!(
            "/api/internal/Software/DownloadFile?repositoryFolderFileId={a}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()["content-type"], "application/octet-stream");
    assert_eq!(raw.headers()["x-content-type-options"], "nosniff");
    let check = sw.check_file(id, "app/bin/a.txt", SHA_HELLO).await.unwrap();
    assert_eq!(check["exists"], true);
    assert_eq!(check["checksumMatches"], true);

    // Merge: a second zip replaces the same path and adds another; the id stays.
    sw.upload_zip(
        id,
        zip_of(&[("app/bin/a.txt", b"world"), ("lib/x.dll", b"hello")]),
        false,
    )
    .await
    .unwrap();
    let files = sw.files(id).await.unwrap();
    assert_eq!(files.len(), 3);
    let a2 = files
        .iter()
        .find(|f| f.path.as_deref() == Some("app/bin/a.txt"))
        .unwrap();
    assert_eq!(
        (a2.file_id, a2.checksum.as_deref()),
        (Some(a), Some(SHA_WORLD))
    );

    // Attributes: WATS's names, any case, comma-separated.
    let f = sw
        .set_file_attributes(a, "executeonce, toplevelfile")
        .await
        .unwrap();
    assert_eq!(f.attributes.as_deref(), Some("ExecuteOnce, TopLevelFile"));
    assert_eq!(
        sw.file(a).await.unwrap().attributes.as_deref(),
        Some("ExecuteOnce, TopLevelFile")
    );
    validation(
        sw.set_file_attributes(a, "RunAsRoot").await.unwrap_err(),
        "RunAsRoot",
    );

    // Folders: create, rename (paths below follow), delete with content.
    let details = sw.details(id).await.unwrap();
    let folders = details["folders"].as_array().unwrap();
    let app = folders
        .iter()
        .find(|f| f["path"] == "app")
        .expect("the zip's folders are stored");
    let app_id: Uuid = app["packageFolderId"].as_str().unwrap().parse().unwrap();
    let cfg = sw.create_folder(id, "cfg", Some(app_id)).await.unwrap();
    assert_eq!(cfg.path.as_deref(), Some("app/cfg"));
    let renamed = sw.rename_folder(app_id, "program").await.unwrap();
    assert_eq!(renamed.path.as_deref(), Some("program"));
    let paths: Vec<_> = sw
        .files(id)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.path.unwrap())
        .collect();
    assert_eq!(
        paths,
        ["lib/x.dll", "program/bin/a.txt", "program/readme.md"]
    );
    sw.delete_folder(app_id).await.unwrap();
    let files = sw.files(id).await.unwrap();
    assert_eq!(files.len(), 1);
    sw.delete_files(&[files[0].file_id.unwrap()]).await.unwrap();
    assert!(sw.files(id).await.unwrap().is_empty());

    // cleanInstall replaces everything.
    sw.upload_zip(id, zip_of(&[("a/1", b"hello"), ("b/2", b"hello")]), false)
        .await
        .unwrap();
    sw.upload_zip(id, zip_of(&[("c/3", b"world")]), true)
        .await
        .unwrap();
    let paths: Vec<_> = sw
        .files(id)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.path.unwrap())
        .collect();
    assert_eq!(paths, ["c/3"]);

    // Virtual folders.
    let top = sw
        .save_virtual_folder(&VirtualFolder {
            name: Some(format!("Line-{}", tag())),
            ..VirtualFolder::default()
        })
        .await
        .unwrap();
    let sub = sw
        .save_virtual_folder(&VirtualFolder {
            name: Some("ICT".into()),
            parent_id: top.id,
            ..VirtualFolder::default()
        })
        .await
        .unwrap();
    let all = sw.virtual_folders().await.unwrap();
    let got = all.iter().find(|f| f.id == sub.id).unwrap();
    assert_eq!(
        got.path.as_deref(),
        Some(&*format!("{}/ICT", top.name.as_deref().unwrap()))
    );
    sw.delete_virtual_folder(top.id.unwrap()).await.unwrap();
    let all = sw.virtual_folders().await.unwrap();
    assert_eq!(all.iter().find(|f| f.id == sub.id).unwrap().parent_id, None);
}

async fn hostile_zips(s: &TestServer) {
    let w = client(s);
    let sw = w.software();
    let p = sw
        .create(&Package::new(format!("HOST-{}", tag())))
        .await
        .unwrap();
    let id = p.package_id.unwrap();
    sw.upload_zip(id, zip_of(&[("ok/kept.txt", b"hello")]), false)
        .await
        .unwrap();

    let symlink = {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("app/fine.txt", o).unwrap();
        z.write_all(b"fine").unwrap();
        z.add_symlink("app/link", "/etc/passwd", o).unwrap();
        z.finish().unwrap().into_inner()
    };
    let zeros = vec![0u8; 16 * 1024 * 1024];
    let good = zip_of(&[("app/a", b"hello world hello world")]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "traversal",
            zip_of(&[("app/ok.txt", b"x"), ("app/../../evil.txt", b"x")]),
            "'..'",
        ),
        ("absolute", zip_of(&[("/etc/evil", b"x")]), "absolute"),
        ("drive", zip_of(&[("C:/evil", b"x")]), "absolute"),
        ("symlink", symlink, "symbolic link"),
        ("bomb", zip_of(&[("app/zeros.bin", &zeros)]), "MAX_RATIO"),
        (
            "truncated",
            good[..good.len() / 2].to_vec(),
            "not a readable zip",
        ),
        ("not a zip", b"hello".to_vec(), "not a readable zip"),
        (
            "top-level file",
            zip_of(&[("evil.txt", b"x")]),
            "in a folder",
        ),
    ];
    for (what, bytes, says) in cases {
        let e = sw.upload_zip(id, bytes.clone(), true).await.unwrap_err();
        match e {
            Error::Validation { message, .. } => assert!(
                message.contains(says) && message.contains("nothing was written"),
                "{what}: {message:?} should say {says:?}"
            ),
            other => panic!("{what}: expected a 400, got {other:?}"),
        }
        // Nothing written, even with cleanInstall.
        let paths: Vec<_> = sw
            .files(id)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.path.unwrap())
            .collect();
        assert_eq!(paths, ["ok/kept.txt"], "{what} changed the package");
    }
    // A multipart body is named, not misread.
    let r = s
        .post(
            &format!("/api/Software/Package/UploadZip/{id}"),
            "--boundary\r\nContent-Disposition: form-data\r\n\r\nPK",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("multipart"));
}

async fn distribution_calls(s: &TestServer) {
    let w = client(s);
    let sw = w.software();
    let t = tag();
    let name = format!("DIST-{t}");
    let mk = |v: &'static [u8]| zip_of(&[("app/prog.txt", v)]);
    let mut ids = Vec::new();
    for content in [&b"hello"[..], b"world"] {
        let p = sw
            .create(&Package::new(&name).tag("Station", &t))
            .await
            .unwrap();
        let id = p.package_id.unwrap();
        sw.upload_zip(id, mk(content), false).await.unwrap();
        sw.submit_for_review(id).await.unwrap();
        sw.release(id).await.unwrap();
        ids.push(id);
    }
    let (v1, v2) = (ids[0], ids[1]);
    // Available: the newest release of each name, unless installed.
    let avail = sw.available(&[]).await.unwrap();
    let mine: Vec<_> = avail
        .iter()
        .filter(|p| p.name.as_deref() == Some(&*name))
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].package_id, Some(v2));
    assert!(sw
        .available(&[v2])
        .await
        .unwrap()
        .iter()
        .all(|p| p.package_id != Some(v2)));
    // Revoked: v1 is replaced by v2 (not revoked); after revoking v2, it is revoked.
    assert_eq!(sw.revoked(&[v1, v2], false).await.unwrap(), [v1]);
    assert!(sw.revoked(&[v1, v2], true).await.unwrap().is_empty());
    sw.revoke(v2).await.unwrap();
    assert_eq!(sw.revoked(&[v1, v2], true).await.unwrap(), [v2]);
    // History: by tag, newest or every version.
    let tags = format!("Station={t}");
    let newest = sw.history(&tags, None, false).await.unwrap();
    assert_eq!(newest.len(), 1);
    assert_eq!(newest[0].package_id, Some(v2));
    let every = sw.history(&tags, None, true).await.unwrap();
    assert_eq!(every.len(), 2);
    let released = sw
        .history(&tags, Some(PackageStatus::Released), true)
        .await
        .unwrap();
    assert_eq!(released.len(), 1);
    validation(
        sw.history("nokeyvalue", None, true).await.unwrap_err(),
        "key=value",
    );
    // The download log, per client.
    let client_id = 4000 + (t.as_bytes()[0] as i64);
    let d = sw.log_download(v1, 5, Some(client_id)).await.unwrap();
    assert_eq!(
        (d.download_size, d.user.as_deref(), d.version),
        (Some(5), Some(USER), Some(1))
    );
    let h = sw.download_history(client_id).await.unwrap();
    assert!(h
        .iter()
        .any(|x| x.package_id == Some(v1) && x.download_size == Some(5)));
    assert!(sw.is_connected().await.unwrap());

    // The blocking client agrees.
    let base = s.base.clone();
    std::thread::spawn(move || {
        let w = wats::blocking::Wats::builder()
            .base_url(&base)
            .credentials(USER, PASSWORD)
            .no_rate_limit()
            .no_cache()
            .build()
            .unwrap();
        let p = w.software().released(&name).unwrap().unwrap();
        assert_eq!(p.package_id, Some(v1));
        let f = w.software().files(v1).unwrap();
        assert_eq!(f[0].checksum.as_deref(), Some(SHA_HELLO));
    })
    .join()
    .unwrap();
}
