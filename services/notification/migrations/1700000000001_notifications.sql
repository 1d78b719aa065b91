-- Up Migration
CREATE TABLE notifications (
  notification_id        text PRIMARY KEY,
  order_id               text        NOT NULL,
  template               text        NOT NULL,
  recipient              text        NOT NULL,
  subject                text        NOT NULL,
  body                   text        NOT NULL,
  triggered_by_event_id  text        NOT NULL UNIQUE,
  triggered_by_type      text        NOT NULL,
  status                 text        NOT NULL DEFAULT 'SENT' CHECK (status IN ('SENT')),
  sent_at                timestamptz NOT NULL
);
CREATE INDEX notifications_order_id_sent_at ON notifications (order_id, sent_at);

-- Down Migration
DROP TABLE notifications;
