/**
 * Journeys of one order as the six services would publish them: each event caused by the previous one, all with the
 * order's correlation id, stamped at fixed offsets from t0 so that durations are known exactly.
 */
import { newMetadata, type EventMap, type EventType, type OrderCreated } from '@orderflow/contracts';
import { aLine, anOrder } from '@orderflow/testing';

export type Published = { [T in EventType]: { type: T; event: EventMap[T] } }[EventType];

type Body<T extends EventType> = Omit<EventMap[T], 'metadata' | 'orderId'>;

class Journey {
  readonly events: Published[] = [];
  readonly order: OrderCreated;

  constructor(
    readonly t0: number,
    totalUnitPrice: number,
  ) {
    const order = anOrder({ lines: [aLine({ sku: 'A', quantity: 2, unitPriceMinor: totalUnitPrice })] });
    this.order = {
      ...order,
      metadata: newMetadata('order.created', 'test-upstream', undefined, { correlationId: order.orderId, now: t0 }),
    };
    this.events.push({ type: 'order.created', event: this.order });
  }

  get orderId() {
    return this.order.orderId;
  }

  get details() {
    const { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken } = this.order;
    return { customer, currency, lines, totalMinor, shippingAddress, paymentMethodToken };
  }

  /** Appends an event `atMs` after t0, caused by the previous event. */
  then<T extends EventType>(type: T, source: string, atMs: number, body: Body<T>): this {
    const cause = this.events.at(-1)!.event.metadata;
    const metadata = newMetadata(type, source, cause, { now: this.t0 + atMs });
    const event = { ...body, orderId: this.orderId, metadata } as unknown as EventMap[T];
    this.events.push({ type, event } as Published);
    return this;
  }

  eventOf<T extends EventType>(type: T): EventMap[T] {
    return this.events.find((e) => e.type === type)!.event as EventMap[T];
  }

  /** created → validated (+100) → reserved (+250): the common start of every journey below. */
  reserved(): this {
    const at = (ms: number) => this.t0 + ms;
    return this.then('order.validated', 'order-validator', 100, { order: this.details, validatedAt: at(100) }).then(
      'inventory.reserved',
      'inventory',
      250,
      { order: this.details, reservationId: `res-${this.orderId}`, reservedAt: at(250) },
    );
  }

  paid(atMs: number): this {
    const { totalMinor, currency } = this.order;
    return this.then('payment.processed', 'payment', atMs, {
      order: this.details,
      paymentId: `pay-${this.orderId}`,
      amountMinor: totalMinor,
      currency,
      providerReference: 'psp-1',
      processedAt: this.t0 + atMs,
    });
  }

  notified(atMs: number, template: string, triggeredBy: EventType): this {
    return this.then('notification.sent', 'notification', atMs, {
      notificationId: `n-${this.orderId}-${atMs}`,
      channel: 'EMAIL',
      recipient: this.order.customer.email,
      template,
      triggeredBy,
      sentAt: this.t0 + atMs,
    });
  }

  released(atMs: number, reason: EventType): this {
    return this.then('inventory.released', 'inventory', atMs, {
      reservationId: `res-${this.orderId}`,
      lines: [{ sku: 'A', quantity: 2 }],
      reason,
      releasedAt: this.t0 + atMs,
    });
  }
}

/** created → validated → reserved → paid (+450) → fulfilled (+700) → notified (+800). */
export function happyJourney(t0: number, unitPriceMinor = 1250): Journey {
  const j = new Journey(t0, unitPriceMinor).reserved().paid(450);
  const { customer, lines } = j.order;
  return j
    .then('order.fulfilled', 'fulfillment', 700, {
      customer,
      shipmentId: `shp-${j.orderId}`,
      carrier: 'DHL',
      trackingNumber: 'JD0001',
      lines,
      fulfilledAt: t0 + 700,
    })
    .notified(800, 'ORDER_SHIPPED', 'order.fulfilled');
}

/** created → validated → reserved → payment.failed (+300) → inventory.released (+400). */
export function paymentFailedJourney(t0: number, reasonCode: string): Journey {
  const j = new Journey(t0, 990).reserved();
  return j
    .then('payment.failed', 'payment', 300, {
      customer: j.order.customer,
      amountMinor: j.order.totalMinor,
      currency: j.order.currency,
      reasonCode,
      message: 'the card was declined',
      failedAt: t0 + 300,
    })
    .released(400, 'payment.failed');
}

/** created → validated → reserved → paid (+450) → fulfillment.failed (+600) → refunded (+650) → released (+660). */
export function refundedJourney(t0: number, reasonCode: string): Journey {
  const j = new Journey(t0, 4000).reserved().paid(450);
  const { customer, totalMinor, currency } = j.order;
  return j
    .then('fulfillment.failed', 'fulfillment', 600, {
      customer,
      reasonCode,
      message: 'no carrier today',
      failedAt: t0 + 600,
    })
    .then('payment.refunded', 'payment', 650, {
      customer,
      paymentId: `pay-${j.orderId}`,
      amountMinor: totalMinor,
      currency,
      reason: 'fulfillment.failed',
      refundedAt: t0 + 650,
    })
    .released(660, 'fulfillment.failed');
}
