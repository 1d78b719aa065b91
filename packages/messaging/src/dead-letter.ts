import { errorCode, errorMessage } from '@orderflow/errors';
import type { InboundMessage, OutboundMessage } from './types';

/**
 * The dead letter of a record: its key and bytes unchanged, its headers plus the error (code, class, message), the
 * consuming service and group, the original coordinates and the number of attempts.
 */
export function deadLetterRecord(
  message: InboundMessage,
  err: unknown,
  attempts: number,
  o: { service: string; groupId: string; deadLetterTopic: (topic: string) => string },
): OutboundMessage {
  const headers: Record<string, string> = {
    ...message.headers,
    'dlq.error.code': errorCode(err),
    'dlq.error.class': err instanceof Error ? err.name : typeof err,
    'dlq.error.message': errorMessage(err).slice(0, 2000),
    'dlq.service': o.service,
    'dlq.consumer.group': o.groupId,
    'dlq.original.topic': message.topic,
    'dlq.original.partition': String(message.partition),
    'dlq.original.offset': message.offset,
    'dlq.original.timestamp': String(message.timestamp),
    'dlq.attempts': String(attempts),
    'dlq.failed.at': new Date().toISOString(),
  };
  return { topic: o.deadLetterTopic(message.topic), key: message.key, value: message.value, headers };
}
