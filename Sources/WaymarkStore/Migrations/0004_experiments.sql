-- 0004: experiments and audit (issue 17): the holdout, decision stamps, the live decision log.
--
-- A run's recommendations also hold what the holdout withheld (holdout = true): the offers a
-- client of the control group would have received, which `waymark uplift` compares with the
-- treated clients'. Readers of what was sent (export, profile, explain_decision) skip them.
-- Every row is stamped with the stored catalog version, the run whose fitted models were used
-- (model_version) and the hash of the client's inputs as of the run; client_scores keeps the
-- fingerprint per input (profile, purchases, …) so `waymark explain` can name what changed.

ALTER TABLE recommendations
    ADD COLUMN holdout         boolean NOT NULL DEFAULT false,
    ADD COLUMN catalog_version bigint,
    ADD COLUMN model_version   bigint,
    ADD COLUMN input_hash      text;

ALTER TABLE client_scores
    ADD COLUMN holdout    boolean NOT NULL DEFAULT false,
    ADD COLUMN input_hash text,
    ADD COLUMN inputs     text;

-- Live answers, when the catalog's audit.decision_log is on: who was shown what, when, with
-- which catalog, models and inputs. Entries older than audit.retention_days are deleted as new
-- ones are written. client_id leads the key (Citus).
CREATE TABLE decision_log (
    client_id       text        NOT NULL,
    decision_id     bigint      GENERATED ALWAYS AS IDENTITY,
    decided_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    as_of           timestamptz NOT NULL,
    catalog_version bigint      NOT NULL,
    model_version   bigint,
    input_hash      text        NOT NULL,
    inputs          text        NOT NULL,
    top_k           integer,
    channel         text,
    holdout         boolean     NOT NULL DEFAULT false,
    decisions       text        NOT NULL,
    PRIMARY KEY (client_id, decision_id)
);
CREATE INDEX decision_log_decided_at_idx ON decision_log (decided_at);
