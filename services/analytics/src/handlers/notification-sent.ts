import type { EventHandler } from '@orderflow/service-kit';
import { record } from './record';

/** When the customer is emailed about the order, count it (not a stage: an order may be notified several times). */
export const onNotificationSent: EventHandler<'notification.sent'> = (e, ctx) =>
  record('notification.sent', e, ctx, {
    notified: true,
    summary: { template: e.template, channel: e.channel, triggeredBy: e.triggeredBy },
  });
