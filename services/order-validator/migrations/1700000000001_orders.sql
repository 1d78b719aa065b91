-- Up Migration
CREATE TABLE orders (
  order_id        text PRIMARY KEY,
  status          text        NOT NULL CHECK (status IN ('VALIDATED', 'REJECTED')),
  customer_email  text        NOT NULL,
  currency        text        NOT NULL,
  total_minor     bigint      NOT NULL,
  reasons         jsonb       NOT NULL DEFAULT '[]'::jsonb,
  event_id        text        NOT NULL,
  correlation_id  text        NOT NULL,
  created_at      timestamptz NOT NULL,
  decided_at      timestamptz NOT NULL DEFAULT now(),
  duplicate_submissions integer NOT NULL DEFAULT 0
);

-- Down Migration
DROP TABLE orders;
