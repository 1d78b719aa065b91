-- Up Migration
CREATE TABLE shipments (
  order_id        text PRIMARY KEY,
  shipment_id     uuid        NOT NULL UNIQUE,
  status          text        NOT NULL CHECK (status IN ('CREATED', 'FAILED')),
  carrier         text,
  tracking_number text UNIQUE,
  failure_code    text,
  failure_message text,
  address         jsonb       NOT NULL,
  lines           jsonb       NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- A created shipment has a carrier and a tracking number; a failed one has a reason instead.
  CHECK ((status = 'CREATED') = (carrier IS NOT NULL AND tracking_number IS NOT NULL AND failure_code IS NULL))
);

-- Down Migration
DROP TABLE shipments;
