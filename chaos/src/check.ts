/**
 * The checker: reads the services' tables (admin connection), analytics over HTTP, the topics and the SMTP sink,
 * and states what held and what did not. Every failed check names the orders or rows concerned.
 */
import { Client } from 'pg';
import type { EventType } from '@orderflow/contracts';
import { readTopic } from '@orderflow/messaging';
import type { ReceivedMail, TestKafka } from '@orderflow/testing';
import type { Cluster, Crash } from './cluster';
import type { Fault } from './faults';
import { findDuplicates, type Duplicate } from './duplicates';
import type { ChaosOrder } from './stream';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Verdict {
  checks: CheckResult[];
  duplicates: (Duplicate & { orderId: string })[];
  stages: Record<string, number>;
  mails: number;
}

const SAMPLE = 10;
const sample = (ids: string[]) => ids.slice(0, SAMPLE).join(', ') + (ids.length > SAMPLE ? ` … (${ids.length})` : '');

/** Stages of an order still on its way (a failed fulfillment is still being compensated; STUCK still waits). */
const PASSING = new Set(['IN_PROGRESS', 'FULFILLMENT_FAILED', 'STUCK']);

export async function stagesOf(cluster: Cluster, orders: ChaosOrder[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  // A few at a time: analytics is one process on a loaded machine.
  for (let i = 0; i < orders.length; i += 25) {
    const chunk = orders.slice(i, i + 25);
    const r = await Promise.all(
      chunk.map(async (o) => {
        const res = await cluster.get('analytics', `/orders/${o.input.orderId}/timeline`).catch(() => undefined);
        return [o.input.orderId, res?.status === 200 ? String(res.body.stage) : 'UNKNOWN'] as const;
      }),
    );
    for (const [id, stage] of r) out.set(id, stage);
  }
  return out;
}

/** Everything has come to rest: every order terminal, no mail pending, no reservation open, every outbox drained. */
export async function settled(db: Client, cluster: Cluster, orders: ChaosOrder[]): Promise<string | undefined> {
  const pending = await db.query(
    `SELECT (SELECT count(*) FROM notification.notifications WHERE status = 'PENDING')::int AS mails,
            (SELECT count(*) FROM inventory.reservations WHERE status = 'RESERVED')::int AS reservations,
            ${OUTBOX_SCHEMAS.map(
              (s) => `(SELECT count(*) FROM ${s}.outbox WHERE published_at IS NULL AND discarded_at IS NULL)`,
            ).join(' + ')} AS outbox`,
  );
  const row = pending.rows[0] as { mails: number; reservations: number; outbox: string };
  if (row.mails > 0 || row.reservations > 0 || Number(row.outbox) > 0)
    return `${row.mails} mails pending, ${row.reservations} reservations open, ${row.outbox} outbox rows unpublished`;
  const stages = await stagesOf(cluster, orders);
  const open = orders.filter(
    (o) => PASSING.has(stages.get(o.input.orderId) ?? 'UNKNOWN') || stages.get(o.input.orderId) === 'UNKNOWN',
  );
  return open.length ? `${open.length} orders not terminal` : undefined;
}

const OUTBOX_SCHEMAS = ['order_validator', 'inventory', 'payment', 'fulfillment', 'notification', 'analytics'];

/**
 * The distinct decisions per order on an event type's topic. A relay may publish a row twice after a crash (same
 * event id, at-least-once); two event ids, or two reservation/payment/shipment ids, mean the effect was decided twice.
 */
async function idsPerOrder(tk: TestKafka, type: EventType, field: string): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const e of (await tk.events(type)) as unknown as Record<string, unknown>[]) {
    const orderId = String(e.orderId);
    const set = out.get(orderId) ?? new Set<string>();
    set.add(String((e.metadata as { eventId: string }).eventId));
    set.add(`${field}:${String(e[field])}`);
    out.set(orderId, set);
  }
  return out;
}

export interface CheckInput {
  db: Client;
  cluster: Cluster;
  tk: TestKafka;
  orders: ChaosOrder[];
  mails: ReceivedMail[];
  faults: Fault[];
  crashes: Crash[];
  initialStock: Record<string, number>;
  mailDomain: string;
}

export async function check(i: CheckInput): Promise<Verdict> {
  const checks: CheckResult[] = [];
  const add = (name: string, bad: string[], what: string) =>
    checks.push({ name, ok: bad.length === 0, detail: bad.length ? `${what}: ${sample(bad)}` : 'ok' });
  const ids = new Set(i.orders.map((o) => o.input.orderId));

  // 1. Every order at its expected terminal stage.
  const stages = await stagesOf(i.cluster, i.orders);
  const counts: Record<string, number> = {};
  for (const s of stages.values()) counts[s] = (counts[s] ?? 0) + 1;
  add(
    'terminal stage as expected',
    i.orders
      .filter((o) => stages.get(o.input.orderId) !== o.expectedStage)
      .map((o) => `${o.input.orderId} ${o.variant}: ${stages.get(o.input.orderId)} (expected ${o.expectedStage})`),
    'orders off their expected stage',
  );

  // 2. At most one reservation, charge, refund and shipment per order (topics), and the tables agree with the stage.
  const once: [EventType, string, string][] = [
    ['inventory.reserved', 'reservationId', 'reservations'],
    ['payment.processed', 'paymentId', 'charges'],
    ['payment.refunded', 'paymentId', 'refunds'],
    ['order.fulfilled', 'shipmentId', 'shipments'],
  ];
  for (const [type, field, what] of once) {
    const per = await idsPerOrder(i.tk, type, field);
    add(
      `at most one of ${what} per order (${type})`,
      [...per].filter(([id, set]) => ids.has(id) && set.size > 2).map(([id, set]) => `${id}: ${[...set].join(' ')}`),
      `orders with several ${what}`,
    );
  }
  const rows = async (sql: string) => (await i.db.query(sql)).rows as Record<string, string>[];
  const reservation = new Map(
    (await rows('SELECT order_id, status FROM inventory.reservations')).map((r) => [r.order_id!, r.status!]),
  );
  const payment = new Map(
    (await rows('SELECT order_id, status FROM payment.payments')).map((r) => [r.order_id!, r.status!]),
  );
  const shipment = new Map(
    (await rows('SELECT order_id, status FROM fulfillment.shipments')).map((r) => [r.order_id!, r.status!]),
  );
  const ledger = await rows('SELECT idempotency_key, kind FROM payment.simulated_provider_ledger');
  const expectedRows: Record<string, [string | undefined, string | undefined, string | undefined]> = {
    FULFILLED: ['SHIPPED', 'CHARGED', 'CREATED'],
    REFUNDED: ['RELEASED', 'REFUNDED', 'FAILED'],
    PAYMENT_FAILED: ['RELEASED', 'FAILED', undefined],
    OUT_OF_STOCK: [undefined, undefined, undefined],
    REJECTED: [undefined, undefined, undefined],
  };
  add(
    'reservation, payment and shipment rows match the outcome',
    i.orders.flatMap((o) => {
      const id = o.input.orderId;
      const want = expectedRows[o.expectedStage] ?? [];
      const got = [reservation.get(id), payment.get(id), shipment.get(id)];
      return want.every((w, k) => w === got[k])
        ? []
        : [`${id} ${o.variant}: ${got.join('/')} (expected ${want.join('/')})`];
    }),
    'orders whose rows do not match',
  );
  // Charge keys are `charge:<order>` (the bare order id before the key namespaces).
  const charges = ledger.filter(
    (l) => l.kind === 'charge' && ids.has(l.idempotency_key!.replace(/^charge:/, '')),
  ).length;
  const refunds = ledger.filter((l) => l.kind === 'refund').length;
  const wantCharges = i.orders.filter((o) =>
    ['FULFILLED', 'REFUNDED', 'PAYMENT_FAILED'].includes(o.expectedStage),
  ).length;
  const wantRefunds = i.orders.filter((o) => o.expectedStage === 'REFUNDED').length;
  add(
    'provider ledger: one charge attempt per paid-for order, one refund per undeliverable order',
    [
      ...(charges !== wantCharges ? [`${charges} charges for ${wantCharges} orders`] : []),
      ...(refunds !== wantRefunds ? [`${refunds} refunds for ${wantRefunds} orders`] : []),
    ],
    'ledger off',
  );

  // 3. Notifications: one per order; a failed one for an invalid address, else exactly one distinct email.
  const notes = await rows(
    `SELECT notification_id, order_id, status, failure_code, recipient, subject FROM notification.notifications`,
  );
  const notesOf = new Map<string, Record<string, string>[]>();
  for (const n of notes) notesOf.set(n.order_id!, [...(notesOf.get(n.order_id!) ?? []), n]);
  const byMessageId = new Map<string, ReceivedMail[]>();
  for (const m of i.mails) {
    const id = m.headers['message-id'] ?? '(none)';
    byMessageId.set(id, [...(byMessageId.get(id) ?? []), m]);
  }
  const messageIdOf = (notificationId: string) => `<${notificationId}@${i.mailDomain}>`;
  add(
    'one notification per order, failed (INVALID_ADDRESS) exactly for invalid addresses',
    i.orders.flatMap((o) => {
      const n = notesOf.get(o.input.orderId) ?? [];
      const want = o.invalidEmail ? 'FAILED/INVALID_ADDRESS' : 'SENT/';
      const got = n.map((x) => `${x.status}/${x.failure_code ?? ''}`);
      return n.length === 1 && got[0] === want
        ? []
        : [`${o.input.orderId} ${o.variant}: [${got.join(', ')}] (expected ${want})`];
    }),
    'orders with unexpected notifications',
  );
  add(
    'exactly one distinct email per sent notification, none for a failed one',
    notes.flatMap((n) => {
      const mails = byMessageId.get(messageIdOf(n.notification_id!)) ?? [];
      const distinct = new Set(mails.map((m) => `${m.to.join(',')}|${m.subject}|${m.text}`)).size;
      const ok = n.status === 'SENT' ? mails.length >= 1 && distinct === 1 : mails.length === 0;
      return ok ? [] : [`${n.order_id} ${n.status}: ${mails.length} mails, ${distinct} distinct`];
    }),
    'notifications with a wrong number of emails',
  );
  const known = new Set(notes.map((n) => messageIdOf(n.notification_id!)));
  add(
    'no email without a notification',
    [...byMessageId.keys()].filter((id) => !known.has(id)),
    'Message-IDs nobody decided',
  );

  // Duplicates: the same Message-ID again. Inside the crash window only if a notification worker was killed
  // between the first acceptance and the resend (the mark of that delivery was lost with the process).
  // A crash of its own (also a failed check) is a death in the window too: it is counted as such, and named.
  const deaths = [
    ...i.faults
      .filter((f) => f.kind === 'kill-worker' && f.service === 'notification')
      .map((f) => ({ at: f.at, what: 'kill -9 of notification/worker' })),
    ...i.crashes
      .filter((c) => c.process === 'notification/worker')
      .map((c) => ({ at: c.at, what: 'CRASH of notification/worker (not injected)' })),
  ];
  const receipts = new Map([...byMessageId].map(([id, mails]) => [id, mails.map((m) => m.receivedAt ?? 0)]));
  const orderOfNote = new Map(notes.map((n) => [messageIdOf(n.notification_id!), n.order_id!]));
  const duplicates = findDuplicates(receipts, deaths).map((d) => ({
    ...d,
    orderId: orderOfNote.get(d.messageId) ?? '?',
  }));
  add(
    'zero duplicate deliveries outside the crash-at-SMTP window',
    duplicates.filter((d) => !d.attributedTo).map((d) => `${d.orderId} ${d.messageId} ×${d.copies}`),
    'duplicates no kill explains',
  );

  // 4. Stock exact: initial − shipped = on hand, nothing reserved.
  const stock = new Map(
    (await rows('SELECT sku, on_hand, reserved FROM inventory.stock')).map((r) => [r.sku!, r] as const),
  );
  const shipped: Record<string, number> = {};
  for (const o of i.orders)
    if (o.expectedStage === 'FULFILLED')
      for (const l of o.input.lines) shipped[l.sku] = (shipped[l.sku] ?? 0) + l.quantity;
  add(
    'stock exact: initial − shipped = on hand, reserved = 0',
    Object.entries(i.initialStock).flatMap(([sku, initial]) => {
      const s = stock.get(sku);
      const want = initial - (shipped[sku] ?? 0);
      return s && Number(s.on_hand) === want && Number(s.reserved) === 0
        ? []
        : [`${sku}: on hand ${s?.on_hand}, reserved ${s?.reserved} (expected ${want}, 0)`];
    }),
    'SKUs off',
  );

  // 5. Nothing in any dead-letter topic; nothing parked in an outbox.
  const topics = (await i.tk.admin.listTopics()).filter((t) => t.startsWith(i.tk.prefix) && t.endsWith('.dlq'));
  const dead: string[] = [];
  for (const t of topics) {
    const n = (await readTopic(i.tk.kafka, t)).length;
    if (n > 0) dead.push(`${t}: ${n}`);
  }
  add('every dead-letter topic empty', dead, 'dead letters');
  const parked = await rows(
    OUTBOX_SCHEMAS.map(
      (s) => `SELECT '${s}' AS schema, id::text, park_reason FROM ${s}.outbox WHERE parked_at IS NOT NULL`,
    ).join(' UNION ALL '),
  );
  add(
    'no outbox row parked',
    parked.map((p) => `${p.schema}#${p.id}: ${p.park_reason}`),
    'parked rows',
  );

  return { checks, duplicates, stages: counts, mails: i.mails.length };
}
