-- Up Migration
CREATE TABLE payments (
  order_id           text PRIMARY KEY,
  payment_id         text        NOT NULL UNIQUE,
  status             text        NOT NULL CHECK (status IN ('CHARGED', 'FAILED', 'REFUNDED')),
  amount_minor       bigint      NOT NULL CHECK (amount_minor > 0),
  currency           text        NOT NULL,
  provider_reference text,
  failure_code       text,
  failure_message    text,
  event_id           text        NOT NULL,
  correlation_id     text        NOT NULL,
  charged_at         timestamptz,
  failed_at          timestamptz,
  refunded_at        timestamptz,
  refund_reference   text,
  CHECK ((status = 'FAILED') = (provider_reference IS NULL)),
  CHECK ((status = 'REFUNDED') = (refunded_at IS NOT NULL))
);

-- The simulated payment provider's own books: an external system's record, written outside the service's
-- transactions. A real provider keeps these on its side; nothing but the simulation reads them.
CREATE TABLE simulated_provider_ledger (
  idempotency_key text PRIMARY KEY,
  kind            text        NOT NULL CHECK (kind IN ('charge', 'refund')),
  result          jsonb       NOT NULL,
  amount_minor    bigint      NOT NULL,
  currency        text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE simulated_provider_attempts (
  idempotency_key text PRIMARY KEY,
  attempts        integer     NOT NULL DEFAULT 1,
  last_attempt_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE simulated_provider_attempts;
DROP TABLE simulated_provider_ledger;
DROP TABLE payments;
