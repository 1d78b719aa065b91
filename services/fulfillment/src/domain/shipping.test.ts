import { randomUUID } from 'node:crypto';
import { anAddress } from '@orderflow/testing';
import { checkDeliverability, chooseCarrier, repeatsWithin, trackingNumber, type Carrier } from './shipping';

describe('chooseCarrier', () => {
  it.each([
    ['DE', 'DHL'],
    ['AT', 'DHL'],
    ['GB', 'Royal Mail'],
    ['US', 'UPS'],
    ['FR', 'Colissimo'],
    ['NL', 'DHL'],
    ['SE', 'DHL'],
    ['gb', 'Royal Mail'],
  ])('ships to %s with %s', (country, carrier) => {
    expect(chooseCarrier(country)).toBe(carrier);
  });
});

describe('checkDeliverability', () => {
  const policy = { undeliverablePostalCodes: ['00000', '99999', 'ZZ1 1ZZ'], undeliverableCountries: ['AQ'] };

  it('accepts an ordinary address', () => {
    expect(checkDeliverability(anAddress(), policy)).toBeUndefined();
  });

  it.each(['00000', '99999', ' 00000 ', 'zz11zz'])('refuses the no-service postal code %p', (postalCode) => {
    const r = checkDeliverability(anAddress({ postalCode, country: 'DE' }), policy);
    expect(r?.code).toBe('UNDELIVERABLE_DESTINATION');
    expect(r?.message).toContain(postalCode);
  });

  it('refuses a country no carrier serves, whatever the postal code', () => {
    const r = checkDeliverability(anAddress({ country: 'AQ', postalCode: '12345' }), policy);
    expect(r).toEqual({ code: 'UNDELIVERABLE_DESTINATION', message: 'no carrier delivers to country AQ' });
  });

  it('does not refuse a code that only contains a no-service code', () => {
    expect(checkDeliverability(anAddress({ postalCode: '000001', country: 'DE' }), policy)).toBeUndefined();
  });

  it('refuses nothing under an empty policy', () => {
    const open = { undeliverablePostalCodes: [], undeliverableCountries: [] };
    expect(checkDeliverability(anAddress({ country: 'AQ', postalCode: '00000' }), open)).toBeUndefined();
  });
});

describe('trackingNumber', () => {
  it.each<[Carrier, RegExp]>([
    ['DHL', /^DHL\d{12}$/],
    ['Royal Mail', /^RM\d{12}$/],
    ['UPS', /^1Z\d{12}$/],
    ['Colissimo', /^COL\d{12}$/],
  ])('%s numbers look like %s', (carrier, format) => {
    expect(trackingNumber(carrier, randomUUID())).toMatch(format);
  });

  it('is stable for one shipment and differs between shipments', () => {
    const id = randomUUID();
    expect(trackingNumber('DHL', id)).toBe(trackingNumber('DHL', id));
    const numbers = new Set(Array.from({ length: 1000 }, () => trackingNumber('DHL', randomUUID())));
    expect(numbers.size).toBe(1000);
  });
});

describe('repeatsWithin', () => {
  it('marks every event of an order after its first as a repeat', () => {
    expect(repeatsWithin(['a', 'b', 'a', 'c', 'b', 'a'])).toEqual([false, false, true, false, true, true]);
    expect(repeatsWithin([])).toEqual([]);
  });
});
