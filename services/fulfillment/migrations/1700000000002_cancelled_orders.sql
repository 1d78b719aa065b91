-- Up Migration
-- Orders whose reservation expired (payment deadline): a payment that still arrives for them is not shipped.
CREATE TABLE cancelled_orders (
  order_id     text PRIMARY KEY,
  reason       text        NOT NULL,
  event_id     text        NOT NULL,
  cancelled_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE cancelled_orders;
