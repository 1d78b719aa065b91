-- Up Migration
-- Payments per status for /metrics, kept as the rows change instead of counted from the whole table on every
-- refresh (a count that grew with history: 119 ms per refresh at 200,000 payments, every 5 s on every replica).
-- Each statement that inserts, updates or deletes payments appends its net change per status to
-- payment_status_changes (insert-only, so writers never wait for each other here); the metrics refresh folds the
-- appended changes into payment_status_totals (countsByStatus in src/db/payments.ts).
CREATE TABLE payment_status_totals (
  status text   PRIMARY KEY,
  n      bigint NOT NULL
);

CREATE TABLE payment_status_changes (
  id     bigserial PRIMARY KEY,
  status text      NOT NULL,
  delta  bigint    NOT NULL
);

-- SET search_path FROM CURRENT: the service's schema (the migration's), whoever's session writes the payments.
CREATE FUNCTION payment_status_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM payment_status_changes;
    DELETE FROM payment_status_totals;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO payment_status_changes (status, delta) SELECT status, count(*) FROM new_rows GROUP BY status;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO payment_status_changes (status, delta) SELECT status, -count(*) FROM old_rows GROUP BY status;
  ELSE
    INSERT INTO payment_status_changes (status, delta)
    SELECT status, sum(d) FROM (SELECT status, 1 AS d FROM new_rows UNION ALL SELECT status, -1 FROM old_rows) c
    GROUP BY status HAVING sum(d) <> 0;
  END IF;
  RETURN NULL;
END
$$;

-- One trigger per operation: PostgreSQL allows transition tables only on single-event triggers.
CREATE TRIGGER payment_status_inserted AFTER INSERT ON payments REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION payment_status_changed();
CREATE TRIGGER payment_status_updated AFTER UPDATE ON payments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION payment_status_changed();
CREATE TRIGGER payment_status_deleted AFTER DELETE ON payments REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION payment_status_changed();
CREATE TRIGGER payment_status_truncated AFTER TRUNCATE ON payments
  FOR EACH STATEMENT EXECUTE FUNCTION payment_status_changed();

-- The payments already there. After the triggers: CREATE TRIGGER waited for every transaction writing payments to
-- end and holds off new ones until this migration commits, so each payment is counted here or by a trigger, once.
INSERT INTO payment_status_totals (status, n) SELECT status, count(*) FROM payments GROUP BY status;

-- Down Migration
DROP TRIGGER payment_status_truncated ON payments;
DROP TRIGGER payment_status_deleted ON payments;
DROP TRIGGER payment_status_updated ON payments;
DROP TRIGGER payment_status_inserted ON payments;
DROP FUNCTION payment_status_changed();
DROP TABLE payment_status_changes;
DROP TABLE payment_status_totals;
