-- 0002: what the nightly scoring run needs beyond 0001.
--
-- Results of a run are written into tables of their own (client_scores_rN, recommendations_rN)
-- that nobody reads, and attached as partitions of client_scores / recommendations in the
-- publishing transaction. A run that fails or is killed leaves only an unattached table, which
-- the next run of the same shard layout drops; pruning a run is a DROP TABLE.

ALTER TABLE client_scores
    ADD COLUMN previous_stage      text,
    ADD COLUMN stage_changed       boolean     NOT NULL DEFAULT false,
    ADD COLUMN stage_since         timestamptz,
    ADD COLUMN points_to_next_tier bigint      NOT NULL DEFAULT 0;

CREATE INDEX scoring_runs_layout_idx ON scoring_runs (as_of, shard_count, shard_index, status);

-- The runs every reader uses: the newest "night" whose shards are all published.
--
-- A night is a scoring date (as_of) and a shard layout (shard_count). Each shard publishes its
-- own run; re-running a shard of a night supersedes its earlier run. A night is complete when
-- every shard 0 … shard_count − 1 has a published run; the current night is the complete night
-- published last. An unsharded run is a night of one shard.
CREATE VIEW current_runs AS
WITH latest AS (
    SELECT DISTINCT ON (as_of, shard_count, shard_index)
           run_id, as_of, shard_count, shard_index, published_at, catalog_version
    FROM scoring_runs
    WHERE status = 'published'
    ORDER BY as_of, shard_count, shard_index, published_at DESC, run_id DESC
), nights AS (
    SELECT as_of, shard_count, max(published_at) AS published_at
    FROM latest
    GROUP BY as_of, shard_count
    HAVING count(*) = shard_count
), newest AS (
    SELECT as_of, shard_count FROM nights ORDER BY published_at DESC, as_of DESC LIMIT 1
)
SELECT l.run_id, l.as_of, l.shard_count, l.shard_index, l.published_at, l.catalog_version
FROM latest l JOIN newest n USING (as_of, shard_count);
