-- Up Migration
-- Orders whose reservation expired (payment deadline) before they were charged: never charged afterwards.
CREATE TABLE voided_orders (
  order_id   text PRIMARY KEY,
  reason     text        NOT NULL,
  event_id   text        NOT NULL,
  voided_at  timestamptz NOT NULL DEFAULT now()
);
-- Who paid, so that a refund that no fulfillment.failed asked for (a late payment) can still tell the customer.
ALTER TABLE payments ADD COLUMN customer jsonb;

-- Down Migration
ALTER TABLE payments DROP COLUMN customer;
DROP TABLE voided_orders;
