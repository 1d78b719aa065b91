import { createHash } from 'node:crypto';
import type { IoOrderflowCommon } from '@orderflow/contracts';

type Address = IoOrderflowCommon.Address;

export type Carrier = 'DHL' | 'Royal Mail' | 'UPS' | 'Colissimo';

/** Why a destination cannot be shipped to, as it travels in fulfillment.failed. */
export interface Undeliverable {
  code: 'UNDELIVERABLE_DESTINATION';
  message: string;
}

export interface DeliverabilityPolicy {
  /** Postal codes in the carriers' no-service areas (upper case). */
  undeliverablePostalCodes: readonly string[];
  /** ISO 3166-1 alpha-2 codes no carrier serves (upper case). */
  undeliverableCountries: readonly string[];
}

const CARRIER_BY_COUNTRY: Readonly<Record<string, Carrier>> = {
  DE: 'DHL',
  AT: 'DHL',
  GB: 'Royal Mail',
  US: 'UPS',
  FR: 'Colissimo',
};

/** Prefix of each carrier's tracking numbers. */
export const TRACKING_PREFIX: Readonly<Record<Carrier, string>> = {
  DHL: 'DHL',
  'Royal Mail': 'RM',
  UPS: '1Z',
  Colissimo: 'COL',
};

export const TRACKING_DIGITS = 12;

/** The carrier that delivers to a country; DHL for every country without a dedicated carrier. */
export function chooseCarrier(country: string): Carrier {
  return CARRIER_BY_COUNTRY[country.trim().toUpperCase()] ?? 'DHL';
}

// Postal codes are compared as the carrier lists them: case and spacing do not matter ('n1 9gu' = 'N1 9GU').
const normalise = (postalCode: string) => postalCode.replace(/\s+/g, '').toUpperCase();

/** Why the address cannot be delivered to, or undefined when a carrier serves it. */
export function checkDeliverability(address: Address, policy: DeliverabilityPolicy): Undeliverable | undefined {
  const country = address.country.trim().toUpperCase();
  if (policy.undeliverableCountries.includes(country)) {
    return { code: 'UNDELIVERABLE_DESTINATION', message: `no carrier delivers to country ${country}` };
  }
  const postalCode = normalise(address.postalCode);
  if (policy.undeliverablePostalCodes.some((p) => normalise(p) === postalCode)) {
    return {
      code: 'UNDELIVERABLE_DESTINATION',
      message: `postal code ${address.postalCode} in ${country} is outside every carrier's service area`,
    };
  }
  return undefined;
}

/**
 * The carrier's prefix and 12 digits derived from the shipment id: a fresh shipment id gives a fresh number, and the
 * same shipment always shows the same one. (The table's UNIQUE constraint catches the one-in-10^12 collision; the
 * retry then draws a new shipment id.)
 */
export function trackingNumber(carrier: Carrier, shipmentId: string): string {
  const n =
    BigInt('0x' + createHash('sha256').update(shipmentId).digest('hex').slice(0, 16)) % 10n ** BigInt(TRACKING_DIGITS);
  return TRACKING_PREFIX[carrier] + n.toString().padStart(TRACKING_DIGITS, '0');
}

/**
 * For a run of events (offset order) of the given orders, whether each one is a repeat: an order seen earlier in the
 * run. Handled one after another, the first decides and the later ones find it decided.
 */
export function repeatsWithin(orderIds: readonly string[]): boolean[] {
  const seen = new Set<string>();
  return orderIds.map((id) => seen.has(id) || (seen.add(id), false));
}
