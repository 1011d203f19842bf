-- Root-cause tickets (keep the sqlite and postgres files in step). Each row keeps the ticket's
-- JSON as WATS answers it (`doc`, history included) beside the columns that are looked up.

CREATE TABLE rootcause_tickets (
    ticket_id TEXT PRIMARY KEY,
    ticket_number BIGINT NOT NULL UNIQUE,
    status BIGINT NOT NULL,
    owner TEXT,
    assignee TEXT,
    updated_utc BIGINT NOT NULL,
    doc TEXT NOT NULL
);

CREATE INDEX rootcause_tickets_status ON rootcause_tickets (status);

-- Attachments, uploaded before the update that refers to them.
CREATE TABLE rootcause_attachments (
    attachment_id TEXT PRIMARY KEY,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_utc BIGINT NOT NULL,
    data BLOB NOT NULL
);
