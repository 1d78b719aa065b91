import type { Observe } from './record';

/** When the customer is emailed about the order, count it (not a stage: an order may be notified several times). */
export const onNotificationSent: Observe<'notification.sent'> = (e) => ({
  notified: true,
  summary: { template: e.template, channel: e.channel, triggeredBy: e.triggeredBy },
});
