import { readConfig } from './config';

describe('inventory config', () => {
  it('defaults: port 3002, the dev admin token, no seed', () => {
    expect(readConfig({})).toMatchObject({ HTTP_PORT: 3002, ADMIN_TOKEN: 'dev-admin-token', SEED_STOCK: {} });
  });

  it('parses SEED_STOCK as SKU → units', () => {
    expect(readConfig({ SEED_STOCK: '{"SKU-1": 100, "SKU-2": 0}' }).SEED_STOCK).toEqual({ 'SKU-1': 100, 'SKU-2': 0 });
  });

  it.each([
    ['not JSON', 'nope', /SEED_STOCK: is not valid JSON/],
    ['negative units', '{"A": -1}', /SEED_STOCK\.A/],
    ['fractional units', '{"A": 1.5}', /SEED_STOCK\.A/],
    ['a bad SKU', '{"a b": 1}', /SEED_STOCK/],
  ])('fails fast on %s', (_, SEED_STOCK, message) => {
    expect(() => readConfig({ SEED_STOCK })).toThrow(message);
  });
});
