-- 0005: where each client is in each cadence of the catalog (issue 18, docs/catalog.md "cadences").
--
-- One row per client and cadence: the latest state (a client who re-enters after reentry_days
-- overwrites the row of the previous passage). The nightly run and the live answers both move
-- it (Cadence.advance): the live answers upsert the rows they change at once; a run writes its
-- changes into a table of its own (cadence_states_rN) and merges them in its publishing
-- transaction, so a failed run changes nothing. A row is only moved by a pass at a moment no
-- earlier than the one that moved it last (moved_at).

CREATE TABLE cadence_states (
    client_id   text        NOT NULL,
    cadence_id  text        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('active', 'finished', 'exited')),
    -- The index of the next step to send (= the number of steps sent).
    step        integer     NOT NULL CHECK (step >= 0),
    entered_at  timestamptz NOT NULL,
    next_due    timestamptz NOT NULL,
    entry_stage text        NOT NULL DEFAULT '',
    ended_at    timestamptz,
    reason      text        NOT NULL DEFAULT '',
    moved_at    timestamptz NOT NULL,
    PRIMARY KEY (client_id, cadence_id)
);
