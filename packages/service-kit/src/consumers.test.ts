import { z } from 'zod';
import { baseConfigSchema, loadConfig } from './config';
import { consumerLingerOf } from './consumers';

const schema = baseConfigSchema.extend({ HTTP_PORT: z.coerce.number().default(3000) });

describe('consumer linger', () => {
  it("is the service's own unless CONSUMER_LINGER_MS is set; none by default", () => {
    const unset = loadConfig(schema, {});
    expect(consumerLingerOf(unset, {})).toBe(0);
    expect(consumerLingerOf(unset, { consumerLingerMs: 200 })).toBe(200);
    expect(consumerLingerOf(loadConfig(schema, { CONSUMER_LINGER_MS: '0' }), { consumerLingerMs: 200 })).toBe(0);
    expect(consumerLingerOf(loadConfig(schema, { CONSUMER_LINGER_MS: '50' }), {})).toBe(50);
  });

  it('refuses a linger that is negative, fractional or longer than ten seconds', () => {
    for (const bad of ['-1', '1.5', '10001', 'soon'])
      expect(() => loadConfig(schema, { CONSUMER_LINGER_MS: bad })).toThrow(/CONSUMER_LINGER_MS/);
  });
});
