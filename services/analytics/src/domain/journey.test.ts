import { deriveStage, stageDurations, type Stamps } from './journey';

const happy: Stamps = { created: 0, validated: 100, reserved: 250, paid: 450, fulfilled: 700 };

describe('deriveStage', () => {
  it.each<[string, Stamps, string]>([
    ['nothing seen yet', {}, 'IN_PROGRESS'],
    ['created only', { created: 0 }, 'IN_PROGRESS'],
    ['paid, not shipped', { created: 0, validated: 1, reserved: 2, paid: 3 }, 'IN_PROGRESS'],
    ['shipped', happy, 'FULFILLED'],
    ['rejected by validation', { created: 0, rejected: 5 }, 'REJECTED'],
    ['out of stock', { created: 0, validated: 1, inventoryRejected: 2 }, 'OUT_OF_STOCK'],
    [
      'payment failed, stock released',
      { created: 0, validated: 1, reserved: 2, paymentFailed: 3, released: 4 },
      'PAYMENT_FAILED',
    ],
    [
      'fulfillment failed, not yet compensated',
      { created: 0, validated: 1, reserved: 2, paid: 3, fulfillmentFailed: 4 },
      'FULFILLMENT_FAILED',
    ],
    [
      'fulfillment failed and refunded',
      { created: 0, paid: 3, fulfillmentFailed: 4, refunded: 5, released: 5 },
      'REFUNDED',
    ],
  ])('%s → %s', (_name, stamps, stage) => {
    expect(deriveStage(stamps)).toBe(stage);
  });

  it('reaches a terminal stage from the failure alone, before earlier stages arrive', () => {
    expect(deriveStage({ paymentFailed: 3 })).toBe('PAYMENT_FAILED');
    expect(deriveStage({ refunded: 9 })).toBe('REFUNDED');
  });
});

describe('stageDurations', () => {
  it('measures every step of a shipped order and the whole journey', () => {
    expect(stageDurations(happy)).toEqual({
      validation: 100,
      reservation: 150,
      payment: 200,
      fulfillment: 250,
      endToEnd: 700,
    });
  });

  it('counts a failed step up to its failure and ends the journey there', () => {
    expect(stageDurations({ created: 0, validated: 40, reserved: 90, paymentFailed: 190, released: 400 })).toEqual({
      validation: 40,
      reservation: 50,
      payment: 100,
      fulfillment: null,
      endToEnd: 190,
    });
    expect(stageDurations({ created: 10, rejected: 15 })).toMatchObject({
      validation: 5,
      reservation: null,
      endToEnd: 5,
    });
    expect(stageDurations({ created: 0, validated: 1, inventoryRejected: 7 })).toMatchObject({
      reservation: 6,
      endToEnd: 7,
    });
  });

  it('ends a compensated fulfillment failure at the refund', () => {
    const s = { created: 0, validated: 1, reserved: 2, paid: 3, fulfillmentFailed: 10, refunded: 30 };
    expect(stageDurations(s)).toEqual({ validation: 1, reservation: 1, payment: 1, fulfillment: 7, endToEnd: 30 });
  });

  it('leaves unfinished steps and the journey of an order in progress open', () => {
    expect(stageDurations({ created: 0, validated: 100 })).toEqual({
      validation: 100,
      reservation: null,
      payment: null,
      fulfillment: null,
      endToEnd: null,
    });
  });

  it('cannot measure a step whose start was never seen', () => {
    expect(stageDurations({ validated: 100, reserved: 150, paid: 200, fulfilled: 300 })).toEqual({
      validation: null,
      reservation: 50,
      payment: 50,
      fulfillment: 100,
      endToEnd: null,
    });
  });
});
