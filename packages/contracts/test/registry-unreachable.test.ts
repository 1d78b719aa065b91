/**
 * A registry that cannot be reached is an outage, not a contract problem: decoding must fail with a retriable error
 * (the consumer retries patiently) and never with a permanent one (which dead-letters a good record). The registry
 * client reports a refused connection as "status 400", which once made every record read during a registry restart
 * a dead letter.
 */
import { EventCodec } from '@orderflow/contracts';
import { freePort } from '@orderflow/testing';

it('decoding while the registry is unreachable fails retriably', async () => {
  const port = await freePort(); // nothing listens there
  const codec = new EventCodec({ registryUrl: `http://127.0.0.1:${port}/apis/ccompat/v7`, topicPrefix: 'x.' });
  const record = Buffer.concat([Buffer.from([0, 0, 0, 0, 42]), Buffer.from([2, 0])]);
  const err = await codec.decode('order.created', record).then(
    () => undefined,
    (e: unknown) => e as { retriable?: boolean; code?: string; message: string },
  );
  expect(err?.message).toMatch(/ECONNREFUSED/);
  expect(err).toMatchObject({ retriable: true, code: 'REGISTRY_UNAVAILABLE' });
});
