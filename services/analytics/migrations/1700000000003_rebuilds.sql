-- Up Migration
-- One row per rebuild of the read model (events, orders, inbox) from the topics: its progress while a shadow copy
-- catches up, then the switch and the diff between the shadow and the model it replaced. Never rebuilt itself.
CREATE TABLE rebuilds (
  id            bigserial   PRIMARY KEY,
  status        text        NOT NULL CHECK (status IN ('running', 'switching', 'switched', 'failed', 'abandoned')),
  group_id      text        NOT NULL,
  shadow_schema text        NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  -- Records up to the live group's committed offsets when the rebuild started, and how many the shadow has read.
  target        bigint      NOT NULL,
  consumed      bigint      NOT NULL DEFAULT 0,
  diff          jsonb,
  error         text
);

-- Down Migration
DROP TABLE rebuilds;
