-- Up Migration
-- Every event of every order, as it arrived from Kafka: the timeline. Rebuilt from the topics by a replay.
CREATE TABLE events (
  event_id        text        PRIMARY KEY,
  order_id        text        NOT NULL,
  event_type      text        NOT NULL,
  source          text        NOT NULL,
  occurred_at     timestamptz NOT NULL,
  correlation_id  text        NOT NULL,
  causation_id    text,
  kafka_topic     text        NOT NULL,
  kafka_partition integer     NOT NULL,
  kafka_offset    bigint      NOT NULL,
  summary         jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX events_order_idx ON events (order_id, occurred_at);
CREATE INDEX events_type_idx ON events (event_type);

-- One row per order, folded from its events. Events of one order arrive on different topics in any order, so every
-- column is updated commutatively (earliest stamp wins, counters add); the stage is derived at read time.
CREATE TABLE orders (
  order_id              text        PRIMARY KEY,
  currency              text,
  total_minor           bigint,
  created_at            timestamptz,
  validated_at          timestamptz,
  rejected_at           timestamptz,
  reserved_at           timestamptz,
  inventory_rejected_at timestamptz,
  paid_at               timestamptz,
  payment_failed_at     timestamptz,
  fulfilled_at          timestamptz,
  fulfillment_failed_at timestamptz,
  released_at           timestamptz,
  refunded_at           timestamptz,
  notified_count        integer     NOT NULL DEFAULT 0,
  failure_reason        text,
  last_event_at         timestamptz NOT NULL
);

-- Down Migration
DROP TABLE orders;
DROP TABLE events;
