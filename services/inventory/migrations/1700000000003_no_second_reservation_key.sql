-- Up Migration
-- One unique index on reservations, not two (measured by the bench's WAL records per order).
--
-- A reservation is found by its order (the primary key; one reservation per order). Its reservation_id is drawn at
-- random (UUID v4) when stock is reserved and only travels in events: nothing looks a reservation up by it. Its unique
-- index took an entry at the insert and one at every status change (a change of status is never a HOT update: the
-- awaiting-payment index's predicate reads status), 2.5 index entries per order, to guard a collision of random
-- UUIDs.
ALTER TABLE reservations DROP CONSTRAINT IF EXISTS reservations_reservation_id_key;

-- Down Migration
ALTER TABLE reservations ADD CONSTRAINT reservations_reservation_id_key UNIQUE (reservation_id);
