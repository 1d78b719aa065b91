import type { Observe } from './record';

/** When the customer is emailed about the order, count it (not a stage: an order may be notified several times). */
export const onNotificationSent: Observe<'notification.sent'> = (e) => ({
  notified: true,
  summary: { template: e.template, channel: e.channel, triggeredBy: e.triggeredBy },
});

/** When the customer could not be emailed, keep why on the timeline (the order's stage does not change). */
export const onNotificationFailed: Observe<'notification.failed'> = (e) => ({
  summary: { template: e.template, channel: e.channel, triggeredBy: e.triggeredBy, reasonCode: e.reasonCode },
});
