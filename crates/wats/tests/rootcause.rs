//! `wats::rootcause` against a real `wats-server` on SQLite and PostgreSQL: every endpoint
//! (ticket, tickets, create, update, archive, attachment up and down), async and blocking; the
//! history of every change, the status transitions, views and search, and bad input as a
//! typed error naming it.

#[path = "../../wats-server/tests/common/mod.rs"]
mod server;

use server::{Backend, TestServer, PASSWORD, USER};
use uuid::Uuid;
use wats::product::Setting;
use wats::rootcause::{Ticket, TicketPriority, TicketStatus, TicketUpdate, TicketView, UpdateType};
use wats::{Error, Wats};

async fn start(backend: Backend) -> Option<TestServer> {
    server::start(backend).await
}

both_backends!(super::start; tickets_history_and_attachments, bad_input_is_refused);

fn client(s: &TestServer) -> Wats {
    Wats::builder()
        .base_url(&s.base)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .build()
        .unwrap()
}

fn message(e: Error) -> String {
    match e {
        Error::Validation { message, .. } => message,
        other => panic!("expected a 400, got {other:?}"),
    }
}

async fn tickets_history_and_attachments(s: &TestServer) {
    let wats = client(s);
    let rc = wats.rootcause();
    let created = rc
        .create(&Ticket {
            priority: Some(TicketPriority::HIGH),
            team: Some("ICT".into()),
            tags: vec![Setting {
                key: Some("line".into()),
                value: Some("L3".into()),
                ..Default::default()
            }],
            update: Some(TicketUpdate::comment("U7 fails")),
            ..Ticket::new("Hot U7")
        })
        .await
        .unwrap();
    let id = created.ticket_id.unwrap();
    assert_eq!(created.ticket_number, Some(1));
    assert_eq!(created.owner.as_deref(), Some(USER));
    assert_eq!(created.status, Some(TicketStatus::OPEN));
    assert_eq!(created.priority, Some(TicketPriority::HIGH));
    assert!(created.created_utc.is_some() && created.update.is_none());
    let kinds: Vec<_> = created.history.iter().map(|h| h.update_type).collect();
    assert_eq!(
        kinds,
        [Some(UpdateType::PROPERTIES), Some(UpdateType::CONTENT)]
    );
    assert_eq!(created.history[1].content.as_deref(), Some("U7 fails"));
    assert_eq!(created.history[1].update_user.as_deref(), Some(USER));
    let second = rc.create(&Ticket::new("Other")).await.unwrap();
    assert_eq!(second.ticket_number, Some(2));
    assert_eq!(second.priority, Some(TicketPriority::MEDIUM));

    // Assign, move, comment with an attachment, progress.
    let t = rc.assign(id, USER).await.unwrap();
    assert_eq!(t.assignee.as_deref(), Some(USER));
    let t = rc
        .change_status(id, TicketStatus::IN_PROGRESS)
        .await
        .unwrap();
    assert_eq!(t.status, Some(TicketStatus::IN_PROGRESS));
    let photo = rc
        .upload_attachment(b"\x89PNG\r\n--x\r\n", "u7 \"hot\".png")
        .await
        .unwrap();
    let t = rc.comment(id, "Photo", &[photo]).await.unwrap();
    let last = t.history.last().unwrap();
    assert_eq!(last.attachments[0].attachment_id, Some(photo));
    assert_eq!(
        last.attachments[0].filename.as_deref(),
        Some("u7 _hot_.png")
    );
    assert_eq!(
        &rc.attachment(photo).await.unwrap().unwrap()[..],
        b"\x89PNG\r\n--x\r\n"
    );
    assert_eq!(rc.attachment(Uuid::new_v4()).await.unwrap(), None);
    let t = rc
        .update(&Ticket {
            ticket_id: Some(id),
            progress: Some("Reflowed".into()),
            priority: Some(TicketPriority::LOW),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(t.progress.as_deref(), Some("Reflowed"));
    let contents: Vec<String> = t.history.iter().filter_map(|h| h.content.clone()).collect();
    assert_eq!(
        contents,
        [
            "Created",
            "U7 fails",
            &format!("Assignee: (none) → {USER}"),
            "Status: Open → In progress",
            "Photo",
            "Priority: 2 → 0",
            "Reflowed",
        ]
    );
    assert_eq!(rc.ticket(id).await.unwrap(), Some(t.clone()));
    assert_eq!(rc.ticket(Uuid::new_v4()).await.unwrap(), None);

    // Lists: status flags, views, search.
    let active = rc.active_tickets(TicketView::Assigned).await.unwrap();
    assert_eq!(
        active.iter().map(|t| t.ticket_id).collect::<Vec<_>>(),
        [Some(id)]
    );
    assert_eq!(
        rc.open_tickets(TicketView::All).await.unwrap().len(),
        1,
        "the second"
    );
    assert!(rc
        .open_tickets(TicketView::Assigned)
        .await
        .unwrap()
        .is_empty());
    let following = rc
        .tickets(TicketStatus::ALL, TicketView::Following, None)
        .await
        .unwrap();
    assert_eq!(following.len(), 2);
    let found = rc
        .tickets(TicketStatus::ALL, TicketView::All, Some("l3"))
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|t| t.ticket_id).collect::<Vec<_>>(),
        [Some(id)]
    );
    let found = rc
        .tickets(TicketStatus::ALL, TicketView::All, Some("hot"))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);

    // Transitions: refused with the allowed ones named; solve, archive; archived is final.
    let e = rc
        .change_status(second.ticket_id.unwrap(), TicketStatus::ARCHIVED)
        .await
        .unwrap_err();
    assert!(message(e).contains("ArchiveTickets"));
    let e = rc.archive(&[id]).await.unwrap_err();
    assert!(message(e).contains("only solved tickets"));
    rc.change_status(id, TicketStatus::ON_HOLD).await.unwrap();
    let e = rc
        .change_status(id, TicketStatus::SOLVED)
        .await
        .unwrap_err();
    let m = message(e);
    assert!(
        m.contains("from On hold to Solved") && m.contains("allowed: Open, In progress, Closed"),
        "{m}"
    );
    rc.change_status(id, TicketStatus::IN_PROGRESS)
        .await
        .unwrap();
    rc.change_status(id, TicketStatus::SOLVED).await.unwrap();
    let archived = rc.archive(&[id]).await.unwrap();
    assert_eq!(archived.status, Some(TicketStatus::ARCHIVED));
    assert_eq!(
        archived.history.last().unwrap().content.as_deref(),
        Some("Status: Solved → Archived")
    );
    let e = rc.comment(id, "late", &[]).await.unwrap_err();
    assert!(message(e).contains("archived"));
    let listed = rc
        .tickets(TicketStatus::ARCHIVED, TicketView::All, None)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    // The blocking mirror.
    let base = s.base.clone();
    tokio::task::spawn_blocking(move || {
        let b = wats::blocking::Wats::builder()
            .base_url(&base)
            .credentials(USER, PASSWORD)
            .no_rate_limit()
            .build()
            .unwrap();
        let rc = b.rootcause();
        let t = rc.create(&Ticket::new("Blocking")).unwrap();
        let id = t.ticket_id.unwrap();
        assert!(rc.ticket(id).unwrap().is_some());
        rc.assign(id, "bob").unwrap();
        let a = rc.upload_attachment(b"log", "log.txt").unwrap();
        rc.comment(id, "log", &[a]).unwrap();
        assert_eq!(&rc.attachment(a).unwrap().unwrap()[..], b"log");
        rc.change_status(id, TicketStatus::SOLVED).unwrap();
        let t = rc
            .update(&Ticket {
                ticket_id: Some(id),
                team: Some("T".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(t.team.as_deref(), Some("T"));
        assert_eq!(
            rc.archive(&[id]).unwrap().status,
            Some(TicketStatus::ARCHIVED)
        );
        assert!(
            rc.tickets(TicketStatus::ALL, TicketView::All, Some("Blocking"))
                .unwrap()
                .len()
                == 1
        );
        assert!(rc.open_tickets(TicketView::All).unwrap().len() == 1);
        assert!(rc.active_tickets(TicketView::Assigned).unwrap().is_empty());
    })
    .await
    .unwrap();
}

async fn bad_input_is_refused(s: &TestServer) {
    let wats = client(s);
    let rc = wats.rootcause();
    let e = rc.create(&Ticket::default()).await.unwrap_err();
    assert!(message(e).contains("subject"));
    let e = rc
        .create(&Ticket {
            priority: Some(TicketPriority(7)),
            ..Ticket::new("x")
        })
        .await
        .unwrap_err();
    assert!(message(e).contains("priority 7"));
    let e = rc.create(&Ticket::new("x".repeat(300))).await.unwrap_err();
    assert!(message(e).contains("subject"));
    let e = rc
        .tickets(TicketStatus(64), TicketView::All, None)
        .await
        .unwrap_err();
    assert!(message(e).contains("status 64"));
    let e = rc.update(&Ticket::new("no id")).await.unwrap_err();
    assert!(message(e).contains("ticketId"));
    assert!(matches!(
        rc.change_status(Uuid::new_v4(), TicketStatus::OPEN).await,
        Err(Error::NotFound { .. })
    ));
    let t = rc.create(&Ticket::new("x")).await.unwrap();
    let e = rc
        .comment(t.ticket_id.unwrap(), "see", &[Uuid::new_v4()])
        .await
        .unwrap_err();
    assert!(message(e).contains("upload it first"));
    let e = rc.archive(&[]).await.unwrap_err();
    assert!(message(e).contains("no ticket"));
    // Raw: an upload that is not multipart, an attachment over 10 MiB.
    let r = s
        .post("/api/RootCause/Attachment", "plain")
        .header("content-type", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("multipart/form-data"));
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let e = rc.upload_attachment(&big, "big.bin").await.unwrap_err();
    assert!(e.to_string().contains("413"), "{e}");
    let r = s
        .get("/api/RootCause/Tickets?status=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("view"));
}
