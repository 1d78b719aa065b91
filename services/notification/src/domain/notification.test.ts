import { decide, messageIdFor, notificationIdFor } from './notification';

describe('notificationIdFor', () => {
  it('is the same UUID for the same triggering event and differs between events', () => {
    const id = notificationIdFor('event-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(notificationIdFor('event-1')).toBe(id);
    expect(notificationIdFor('event-2')).not.toBe(id);
  });
});

describe('messageIdFor', () => {
  it('names the notification in the sender domain', () => {
    expect(messageIdFor('n-1', 'Orderflow <orders@orderflow.local>')).toBe('<n-1@orderflow.local>');
    expect(messageIdFor('n-1', 'shop@mail.example.com')).toBe('<n-1@mail.example.com>');
  });
});

describe('decide', () => {
  it('keeps a deliverable address pending under the id of its triggering event', () => {
    expect(decide('event-1', 'ada@example.com')).toEqual({
      notificationId: notificationIdFor('event-1'),
      recipient: 'ada@example.com',
    });
  });

  it('records an address that cannot receive mail as undeliverable, naming it (bounded)', () => {
    expect(decide('event-1', 'not an address').undeliverable).toBe(
      "'not an address' is not an address that can receive mail",
    );
    const long = `${'x'.repeat(400)}@example.com`;
    const d = decide('event-2', long);
    expect(d.undeliverable).toBe(`'${'x'.repeat(64)}' is not an address that can receive mail`);
    expect(d.recipient.length).toBeLessThan(long.length);
  });
});
