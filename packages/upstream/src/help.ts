import { DEFAULT_MIX, ORDER_KINDS } from './generate';

const COMMON = `Connection options:
  --brokers <list>       Kafka bootstrap brokers, comma-separated  [env KAFKA_BROKERS, default 127.0.0.1:9092]
  --registry <url>       Confluent-compatible schema registry       [env SCHEMA_REGISTRY_URL,
                         default http://127.0.0.1:8081/apis/ccompat/v7]
  --topic-prefix <p>     prefix of topics and subjects              [env TOPIC_PREFIX, default '']
  --source <name>        metadata.source of the events              [default demo-upstream]
  -h, --help             this help`;

export const MAIN_HELP = `Usage: orderflow-upstream <command> [options]

Plays an upstream system that publishes order.created events.

Commands:
  publish    publish orders from a JSON array or NDJSON file (or stdin)
  generate   generate realistic orders at a given rate, with a mix of outcomes

Run 'orderflow-upstream <command> --help' for a command's options.
Exit codes: 0 all published; 1 some input invalid or some orders failed; 2 usage error; 130 interrupted.`;

export const PUBLISH_HELP = `Usage: orderflow-upstream publish --file <path|-> [options]

Publishes each order of the file as an order.created event (key = orderId); metadata is added here
(source, a new eventId, correlationId = orderId). The file is a JSON array of orders or NDJSON, one order
per line; '-' reads stdin. An order has the order.created shape without metadata:
  {"orderId":"ord-1","customer":{"customerId":"c-1","name":"Ada Lovelace","email":"ada@example.com"},
   "currency":"EUR","lines":[{"sku":"SKU-MOUSE","quantity":2,"unitPriceMinor":2999}],"totalMinor":5998,
   "shippingAddress":{"line1":"221B Baker Street","line2":null,"city":"London","postalCode":"NW1 6XE",
   "country":"GB"},"paymentMethodToken":"tok_approve","createdAt":"2025-01-01T12:00:00Z"}
Money is integer minor units; createdAt (epoch ms or ISO-8601) defaults to now; line2 to null.
Business rules are not checked here (order-validator does that); inputs that are not JSON or lack the
shape are reported with their line number and skipped, and the exit code is then 1.

Options:
  -f, --file <path|->    the orders; '-' for stdin (required)
  --rate <n>             orders per second, 0 for as fast as possible  [default 0]

${COMMON}

Examples:
  orderflow-upstream publish --file orders.ndjson
  cat orders.json | orderflow-upstream publish --file - --topic-prefix dev.`;

export const GENERATE_HELP = `Usage: orderflow-upstream generate [--count N] [--rate R] [--mix kind=weight,...] [--seed S] [options]

Generates realistic orders from the demo catalog and publishes them at R orders per second, in small
batches. Each order is built for one outcome (its kind):
  happy          valid, in-stock SKUs, token tok_approve, deliverable country
  reject         breaks one validation rule: total mismatch, bad email or quantity 0
  short          an unknown SKU, or more of the scarce SKU-SIGNED-VINYL than is in stock
  decline        token tok_decline
  undeliverable  a supported country, but postal code 00000 or 99999 (no carrier serves it)
  insufficient   token tok_insufficient_funds
  transient      token tok_transient (the provider fails transiently)

Options:
  --count <n>            how many orders                               [default 10]
  --rate <n>             orders per second, 0 for as fast as possible  [default 10]
  --mix <weights>        relative weights of ${ORDER_KINDS.join(', ')}
                         [default ${DEFAULT_MIX}]
  --seed <s>             seed for reproducible orders (same seed, same orders and order ids);
                         without it a random seed is used and printed

${COMMON}

Examples:
  orderflow-upstream generate --count 1000 --rate 50
  orderflow-upstream generate --count 20 --rate 0 --mix happy=1,decline=1 --seed 42`;
