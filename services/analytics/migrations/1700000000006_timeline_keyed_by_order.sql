-- Up Migration
-- One index on the timeline instead of two (measured by the bench's WAL records per order).
--
-- The timeline had a primary key on the event id (the service's inbox: a redelivered event is not folded again) and
-- an index on (order_id, occurred_at) to read an order's events: two index entries per event, six events per order.
-- A key of (order_id, event_id) serves both: a redelivery carries the same order id with the same event id, so it
-- is still skipped, and an order's events are one range of it (the few per order are sorted when read). The one
-- difference: an event id that came again on another order would now be recorded there too (before: skipped), which
-- no redelivery does; upstreams draw event ids at random per event.
-- ALTER TABLE holds the table (readers and writers) while the new key's index is built: on a large timeline, run it
-- off-peak (analytics is a read model; its consumers wait, nothing upstream does).
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (order_id, event_id);
DROP INDEX IF EXISTS events_order_idx;

-- Down Migration
CREATE INDEX IF NOT EXISTS events_order_idx ON events (order_id, occurred_at);
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (event_id);
