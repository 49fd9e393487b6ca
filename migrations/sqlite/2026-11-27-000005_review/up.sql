-- Supporting materials and the review queue (issue 3: key-information
-- changes, review queue, policy admin). units.legal_rep_phone comes from
-- the units migration.
-- Timestamps: UTC. Unique indexes are named <table>_<columns>_key.

-- Supporting materials (材料) uploaded by a unit: PDF, JPEG or PNG, the type
-- sniffed from the content. Kept in the database so that every API instance
-- serves them.
CREATE TABLE materials (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    media_type  TEXT NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    file_name   TEXT NOT NULL CHECK (file_name <> ''),
    size_bytes  BIGINT NOT NULL CHECK (size_bytes BETWEEN 1 AND 5242880),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    description TEXT,
    content     BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX materials_unit_id_idx ON materials (unit_id, id);

-- Which materials support which business item; a material may support
-- several items (captured once, reused), each pair once.
CREATE TABLE business_item_materials (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    business_item_id BIGINT NOT NULL REFERENCES business_items (id),
    material_id      BIGINT NOT NULL REFERENCES materials (id)
);
CREATE UNIQUE INDEX business_item_materials_business_item_id_material_id_key
    ON business_item_materials (business_item_id, material_id);
CREATE INDEX business_item_materials_material_id_idx ON business_item_materials (material_id);

-- The review queue: one task per business item that needs a reviewer.
-- open_key is the task's kind while it is undecided, for kinds that allow one
-- undecided task per unit, else NULL; the unique index enforces it.
CREATE TABLE review_tasks (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    business_item_id BIGINT NOT NULL REFERENCES business_items (id),
    unit_id          BIGINT NOT NULL REFERENCES units (id),
    kind             TEXT NOT NULL CHECK (kind <> ''),
    required_role    TEXT NOT NULL
                     CHECK (required_role IN ('acceptor', 'handler', 'reviewer', 'finance', 'policy_admin')),
    status           TEXT NOT NULL CHECK (status IN ('open', 'claimed', 'approved', 'rejected')),
    payload_json     TEXT NOT NULL,
    open_key         TEXT,
    claimed_by       TEXT,
    claimed_at       TIMESTAMP,
    decided_by       TEXT,
    decided_at       TIMESTAMP,
    reason           TEXT,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    CHECK (status <> 'open' OR claimed_by IS NULL),
    CHECK (status = 'open' OR claimed_by IS NOT NULL),
    CHECK (status IN ('open', 'claimed') OR (decided_by IS NOT NULL AND decided_at IS NOT NULL)),
    CHECK (status <> 'rejected' OR reason IS NOT NULL),
    CHECK (status IN ('open', 'claimed') OR open_key IS NULL)
);
CREATE UNIQUE INDEX review_tasks_business_item_id_key ON review_tasks (business_item_id);
CREATE UNIQUE INDEX review_tasks_unit_id_open_key_key ON review_tasks (unit_id, open_key);
CREATE INDEX review_tasks_status_kind_idx ON review_tasks (status, kind, id);

-- Every step of a task, timed and attributed (受理绩效可考, 全程可视).
CREATE TABLE review_task_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id BIGINT NOT NULL REFERENCES review_tasks (id),
    event   TEXT NOT NULL CHECK (event IN ('created', 'claimed', 'released', 'approved', 'rejected')),
    actor   TEXT NOT NULL,
    at      TIMESTAMP NOT NULL,
    note    TEXT
);
CREATE INDEX review_task_events_task_id_idx ON review_task_events (task_id, id);

-- The policy audit trail lists business items by kind.
CREATE INDEX business_items_kind_created_at_idx ON business_items (kind, created_at);
