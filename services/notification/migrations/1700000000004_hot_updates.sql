-- Up Migration
-- A notification's row is updated after its insert: claimed by the delivery worker, then marked sent. The claim
-- changes no indexed column, so it can be a HOT update (no new entries in the four indexes) if the new version fits
-- on the same page: leave room for it on every page.
ALTER TABLE notifications SET (fillfactor = 70);

-- Down Migration
ALTER TABLE notifications RESET (fillfactor);
