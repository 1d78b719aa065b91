/**
 * The demo shop: products, stock, countries and payment tokens that the generator draws from. Services seed their
 * demo data from the same constants (inventory stock from DEMO_STOCK), so a generated order's outcome is known
 * before it is published.
 */

/** A product of the demo catalog; one price in minor units, whatever the order currency (a demo simplification). */
export interface DemoProduct {
  sku: string;
  name: string;
  unitPriceMinor: number;
}

/** Products with ample stock: happy orders only ever ask for these. */
export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  { sku: 'SKU-KEYBOARD', name: 'Mechanical keyboard', unitPriceMinor: 8999 },
  { sku: 'SKU-MOUSE', name: 'Wireless mouse', unitPriceMinor: 2999 },
  { sku: 'SKU-MONITOR', name: '27-inch monitor', unitPriceMinor: 27999 },
  { sku: 'SKU-HEADSET', name: 'Noise-cancelling headset', unitPriceMinor: 7999 },
  { sku: 'SKU-WEBCAM', name: 'HD webcam', unitPriceMinor: 5999 },
  { sku: 'SKU-USB-HUB', name: '7-port USB hub', unitPriceMinor: 2499 },
  { sku: 'SKU-LAPTOP-STAND', name: 'Aluminium laptop stand', unitPriceMinor: 3999 },
  { sku: 'SKU-DESK-MAT', name: 'Felt desk mat', unitPriceMinor: 1999 },
];

/**
 * A real product with almost no stock. Order lines carry at most 1000 units (the contract), so with 100000 units
 * of everything else the only way to be short of a known SKU is to ask for more of this one than there is.
 * Happy orders never ask for it, so its stock stays where it was seeded.
 */
export const SCARCE_PRODUCT: DemoProduct = {
  sku: 'SKU-SIGNED-VINYL',
  name: 'Signed vinyl record',
  unitPriceMinor: 4999,
};

/** Initial stock per SKU for demos and e2e tests. */
export const DEMO_STOCK: Record<string, number> = {
  ...Object.fromEntries(DEMO_PRODUCTS.map((p) => [p.sku, 100_000])),
  [SCARCE_PRODUCT.sku]: 5,
};

/** SKUs starting with this are not in the catalog: inventory cannot reserve them. */
export const UNKNOWN_SKU_PREFIX = 'SKU-DISCONTINUED-';

export const DEMO_CURRENCIES = ['EUR', 'USD', 'GBP'] as const;

/** Countries fulfillment delivers to. */
export const SUPPORTED_COUNTRIES = ['DE', 'FR', 'GB', 'US', 'NL', 'ES', 'IT', 'SE'] as const;
export type SupportedCountry = (typeof SUPPORTED_COUNTRIES)[number];

/**
 * Postal codes outside every carrier's service area (fulfillment's UNDELIVERABLE_POSTAL_CODES default). An address
 * in a supported country with one of these passes order-validator and fails at fulfillment, which is the journey an
 * undeliverable order is for. (A country like 'AQ' would not do: order-validator rejects unsupported countries.)
 */
export const UNDELIVERABLE_POSTAL_CODES = ['00000', '99999'] as const;

/** Payment tokens the demo payment provider understands. */
export const PAYMENT_TOKENS = {
  approve: 'tok_approve',
  decline: 'tok_decline',
  insufficientFunds: 'tok_insufficient_funds',
  transient: 'tok_transient',
} as const;

/** A plausible street, city and postal code per country. */
// prettier-ignore
export const DEMO_PLACES: Record<SupportedCountry, readonly [string, string, string][]> = {
  DE: [['Unter den Linden 5', 'Berlin', '10117'], ['Marienplatz 8', 'München', '80331']],
  FR: [['12 Rue de Rivoli', 'Paris', '75001'], ['3 Quai Saint-Antoine', 'Lyon', '69002']],
  GB: [['221B Baker Street', 'London', 'NW1 6XE'], ['1 Deansgate', 'Manchester', 'M3 1AZ']],
  US: [['350 Fifth Avenue', 'New York', '10118'], ['1 Market Street', 'San Francisco', '94105']],
  NL: [['Damrak 70', 'Amsterdam', '1012 LM'], ['Coolsingel 40', 'Rotterdam', '3011 AD']],
  ES: [['Calle Mayor 1', 'Madrid', '28013'], ['Passeig de Gràcia 43', 'Barcelona', '08007']],
  IT: [['Via del Corso 101', 'Roma', '00186'], ['Corso Buenos Aires 33', 'Milano', '20124']],
  SE: [['Drottninggatan 53', 'Stockholm', '111 21'], ['Avenyn 10', 'Göteborg', '411 36']],
};

export const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Edsger',
  'Barbara',
  'Donald',
  'Frances',
  'Ken',
];
export const LAST_NAMES = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Allen',
  'Thompson',
];
