-- Up Migration
-- Orders without a terminal outcome yet: the set the stuck-order check scans.
CREATE INDEX orders_open_idx ON orders (created_at)
  WHERE rejected_at IS NULL AND inventory_rejected_at IS NULL AND payment_failed_at IS NULL AND fulfilled_at IS NULL
    AND fulfillment_failed_at IS NULL AND refunded_at IS NULL;

-- Down Migration
DROP INDEX orders_open_idx;
