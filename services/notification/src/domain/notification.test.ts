import { messageIdFor, notificationIdFor } from './notification';

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
