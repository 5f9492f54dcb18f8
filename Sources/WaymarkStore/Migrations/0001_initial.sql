-- 0001: Waymark's initial schema.
--
-- Every client-owned table leads its key with client_id, so the schema can be distributed by
-- client_id (Citus: create_distributed_table('purchases', 'client_id'), …); products and catalogs
-- are reference tables. No foreign key crosses from one client's rows to another's, and no unique
-- index leaves out client_id (Citus requires the distribution column in every unique key), so a
-- natural id (purchase_id, event_id, …) is unique per client.

CREATE TABLE clients (
    client_id       text        PRIMARY KEY,
    first_seen      timestamptz NOT NULL,
    birth_date      date,
    segment         text        NOT NULL DEFAULT '',
    region          text        NOT NULL DEFAULT '',
    account_id      text,
    role            text,
    consents        text[]      NOT NULL DEFAULT '{}',
    do_not_contact  boolean     NOT NULL DEFAULT false,
    attributes      jsonb       NOT NULL DEFAULT '{}',
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clients_account_idx ON clients (account_id) WHERE account_id IS NOT NULL;

CREATE TABLE products (
    product_id  text          PRIMARY KEY,
    name        text          NOT NULL,
    category    text          NOT NULL,
    list_price  numeric(14,2) NOT NULL CHECK (list_price >= 0),
    repeatable  boolean       NOT NULL DEFAULT false
);

CREATE TABLE purchases (
    client_id    text          NOT NULL,
    purchase_id  text          NOT NULL,
    product_id   text          NOT NULL,
    purchased_at timestamptz   NOT NULL,
    amount       numeric(14,2) NOT NULL CHECK (amount >= 0),
    quantity     integer       NOT NULL DEFAULT 1 CHECK (quantity > 0),
    channel      text,
    PRIMARY KEY (client_id, purchase_id)
);

CREATE TABLE life_events (
    client_id   text        NOT NULL,
    event_id    text        NOT NULL,
    kind        text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    details     jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (client_id, event_id)
);

CREATE TABLE interactions (
    client_id      text        NOT NULL,
    interaction_id text        NOT NULL,
    channel        text        NOT NULL,
    kind           text        NOT NULL,
    occurred_at    timestamptz NOT NULL,
    item_id        text,
    PRIMARY KEY (client_id, interaction_id)
);

CREATE TABLE responses (
    client_id    text        NOT NULL,
    response_id  text        NOT NULL,
    item_id      text        NOT NULL,
    channel      text        NOT NULL,
    presented_at timestamptz NOT NULL,
    outcome      text        NOT NULL CHECK (outcome IN ('presented', 'opened', 'accepted', 'declined')),
    responded_at timestamptz,
    PRIMARY KEY (client_id, response_id)
);

-- Points earned and spent. Entries written by a scoring run carry its run id.
CREATE TABLE loyalty_ledger (
    client_id   text        NOT NULL,
    entry_id    text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    points      bigint      NOT NULL,
    reason      text        NOT NULL,
    purchase_id text,
    PRIMARY KEY (client_id, entry_id)
);

-- Every change of lifecycle stage, with its reason, so a client's path can be read back.
CREATE TABLE stage_history (
    client_id  text        NOT NULL,
    changed_at timestamptz NOT NULL,
    stage      text        NOT NULL,
    previous   text,
    reason     text        NOT NULL,
    run_id     bigint,
    PRIMARY KEY (client_id, changed_at, stage)
);

-- Versioned catalog documents. The newest version is the current one.
CREATE TABLE catalogs (
    version     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL,
    source      text        NOT NULL,
    checksum    text        NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    loaded_from text
);

CREATE TABLE scoring_runs (
    run_id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    as_of           timestamptz NOT NULL,
    catalog_version bigint,
    shard_index     integer     NOT NULL DEFAULT 0,
    shard_count     integer     NOT NULL DEFAULT 1,
    status          text        NOT NULL DEFAULT 'running'
                                CHECK (status IN ('running', 'published', 'failed', 'superseded')),
    parameters      jsonb       NOT NULL DEFAULT '{}',
    models          jsonb,
    summary         jsonb,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    published_at    timestamptz
);

-- Per-run results, partitioned by run so that pruning a run is a DROP, not a million-row DELETE.
CREATE TABLE client_scores (
    run_id        bigint  NOT NULL,
    client_id     text    NOT NULL,
    stage         text    NOT NULL,
    stage_reason  text    NOT NULL,
    p_alive       double precision NOT NULL,
    expected_purchases_90d double precision NOT NULL,
    clv_12m       double precision NOT NULL,
    tier          text    NOT NULL DEFAULT '',
    points        bigint  NOT NULL DEFAULT 0,
    advocate      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (run_id, client_id)
) PARTITION BY LIST (run_id);

CREATE TABLE recommendations (
    run_id      bigint  NOT NULL,
    client_id   text    NOT NULL,
    rank        integer NOT NULL,
    item_id     text    NOT NULL,
    kind        text    NOT NULL,
    channel     text    NOT NULL,
    score       double precision NOT NULL,
    message     text,
    explanation jsonb   NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, client_id, rank)
) PARTITION BY LIST (run_id);

-- The published run per shard layout: readers take the newest published run.
CREATE INDEX scoring_runs_published_idx ON scoring_runs (published_at DESC) WHERE status = 'published';
