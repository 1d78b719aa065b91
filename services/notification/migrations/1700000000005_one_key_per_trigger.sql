-- Up Migration
-- A notification's id is derived from the event that triggered it (notificationIdFor: a name-based UUID of the event
-- id), so its primary key already admits one notification per triggering event, and the decision's
-- INSERT … ON CONFLICT DO NOTHING is what makes a redelivered event a no-op (the service claims no inbox rows). A
-- second unique index on the trigger repeated that key: one more index entry per notification and per non-HOT update.
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_triggered_by_event_id_key;

-- Down Migration
ALTER TABLE notifications ADD CONSTRAINT notifications_triggered_by_event_id_key UNIQUE (triggered_by_event_id);
