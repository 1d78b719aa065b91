-- Up Migration
-- PAID: payment.processed arrived, the reservation waits for shipment. EXPIRED: no payment outcome came before the
-- payment deadline, so the units went back to available stock (inventory.released, reason payment.deadline).
ALTER TABLE reservations DROP CONSTRAINT IF EXISTS reservations_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check
  CHECK (status IN ('RESERVED', 'PAID', 'RELEASED', 'SHIPPED', 'EXPIRED'));
ALTER TABLE reservations ADD COLUMN correlation_id text, ADD COLUMN cause_event_id text;
CREATE INDEX reservations_awaiting_payment ON reservations (created_at) WHERE status = 'RESERVED';

-- Down Migration
DROP INDEX reservations_awaiting_payment;
ALTER TABLE reservations DROP COLUMN correlation_id, DROP COLUMN cause_event_id;
