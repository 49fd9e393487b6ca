-- The tamper-evident business record (R-UNDO-1, issue 13). Every version of
-- every business item (its insert, and each change of its status or
-- after-values) appends one link to its unit's hash chain; chain 0 holds
-- the items of no unit. A link records the SHA-256 of the item's canonical
-- content as stored and the hash of the link before it (qibao_core::audit).
-- The head row of a chain is locked by each append, so the appends of one
-- unit are serialised while other units' go on; the primary key (chain,
-- seq) refuses two links with one number whatever happens.
CREATE TABLE item_chain_heads (
    chain  BIGINT PRIMARY KEY CHECK (chain >= 0),
    seq    BIGINT NOT NULL CHECK (seq >= 0),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64)
);
CREATE TABLE item_chain_links (
    chain          BIGINT NOT NULL CHECK (chain >= 0),
    seq            BIGINT NOT NULL CHECK (seq >= 1),
    item_id        BIGINT NOT NULL,
    content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),
    prev_sha256    TEXT NOT NULL CHECK (length(prev_sha256) = 64),
    sha256         TEXT NOT NULL CHECK (length(sha256) = 64),
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (chain, seq)
);
-- No foreign key to business_items: a link must outlive a row deleted by
-- hand, which is what the chain is there to reveal.
