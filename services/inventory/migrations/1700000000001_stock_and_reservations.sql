-- Up Migration
CREATE TABLE stock (
  sku         text PRIMARY KEY,
  on_hand     integer     NOT NULL CHECK (on_hand >= 0),
  reserved    integer     NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  -- The last line of defence: whatever the code does, available stock (on_hand - reserved) never goes negative.
  CONSTRAINT reserved_within_on_hand CHECK (reserved <= on_hand)
);

CREATE TABLE reservations (
  order_id        text PRIMARY KEY,
  reservation_id  text        NOT NULL UNIQUE,
  status          text        NOT NULL CHECK (status IN ('RESERVED', 'RELEASED', 'SHIPPED')),
  lines           jsonb       NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE reservations;
DROP TABLE stock;
