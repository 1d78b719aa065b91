import type { EventType } from '@orderflow/contracts';
import { buildTimeline, type RecordedEvent } from './timeline';

const ev = (type: EventType, occurredAt: number, eventId = type): RecordedEvent => ({
  eventId,
  type,
  source: 'test',
  occurredAt,
  correlationId: 'c-1',
  causationId: null,
  summary: {},
});

describe('buildTimeline', () => {
  const t0 = Date.UTC(2025, 0, 1, 12, 0, 0);

  it('orders events by when they happened, with the gap to the previous one', () => {
    const events = [
      ev('payment.processed', t0 + 450),
      ev('order.created', t0),
      ev('inventory.reserved', t0 + 250),
      ev('order.validated', t0 + 100),
    ];
    const t = buildTimeline('o-1', { created: t0, validated: t0 + 100, reserved: t0 + 250, paid: t0 + 450 }, events);
    expect(t.events.map((e) => [e.type, e.sincePreviousMs])).toEqual([
      ['order.created', null],
      ['order.validated', 100],
      ['inventory.reserved', 150],
      ['payment.processed', 200],
    ]);
    expect(t.events[0]!.occurredAt).toBe('2025-01-01T12:00:00.000Z');
    expect(t.stage).toBe('IN_PROGRESS');
    expect(t.stageDurationsMs).toMatchObject({ validation: 100, reservation: 150, payment: 200, fulfillment: null });
  });

  it('breaks a tie in the same millisecond by the position in the journey, whatever the input order', () => {
    const same = [
      ev('notification.sent', t0),
      ev('order.fulfilled', t0),
      ev('payment.processed', t0),
      ev('order.created', t0),
    ];
    const types = (es: RecordedEvent[]) => buildTimeline('o', {}, es).events.map((e) => e.type);
    expect(types(same)).toEqual(['order.created', 'payment.processed', 'order.fulfilled', 'notification.sent']);
    expect(types([...same].reverse())).toEqual(types(same));
  });

  it('is empty-safe', () => {
    expect(buildTimeline('o', {}, [])).toMatchObject({ orderId: 'o', stage: 'IN_PROGRESS', events: [] });
  });
});
