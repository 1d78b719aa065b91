-- Up Migration
-- The decision (this row) commits with the consumed event; delivery happens after the commit, from this table.
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check CHECK (status IN ('PENDING', 'SENT', 'FAILED'));
ALTER TABLE notifications ALTER COLUMN status SET DEFAULT 'PENDING';
ALTER TABLE notifications ALTER COLUMN sent_at DROP NOT NULL;
ALTER TABLE notifications
  ADD COLUMN correlation_id  text,
  ADD COLUMN created_at      timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN attempts        integer     NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN claimed_until   timestamptz,
  ADD COLUMN last_error      text,
  ADD COLUMN failure_code    text,
  ADD COLUMN failed_at       timestamptz,
  ADD COLUMN deliveries      integer     NOT NULL DEFAULT 0;
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'PENDING';
DROP INDEX IF EXISTS notifications_order_id_sent_at;
CREATE INDEX notifications_order_id_created_at ON notifications (order_id, created_at);

-- Down Migration
DROP INDEX notifications_order_id_created_at;
CREATE INDEX notifications_order_id_sent_at ON notifications (order_id, sent_at);
DROP INDEX notifications_due;
ALTER TABLE notifications DROP COLUMN correlation_id, DROP COLUMN created_at, DROP COLUMN attempts,
  DROP COLUMN next_attempt_at, DROP COLUMN claimed_until, DROP COLUMN last_error, DROP COLUMN failure_code,
  DROP COLUMN failed_at, DROP COLUMN deliveries;
