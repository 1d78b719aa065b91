-- Up Migration
-- The no-op service keeps no state of its own: only the outbox and inbox every schema gets.
SELECT 1;

-- Down Migration
SELECT 1;
