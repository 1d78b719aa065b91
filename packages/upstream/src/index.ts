/**
 * A stand-in for the upstream system that starts every order's journey: reusable pieces of the
 * `orderflow-upstream` CLI for the e2e harness, `npm start` and benchmarks.
 */
export {
  DEMO_STOCK,
  DEMO_PRODUCTS,
  SCARCE_PRODUCT,
  UNKNOWN_SKU_PREFIX,
  DEMO_CURRENCIES,
  SUPPORTED_COUNTRIES,
  UNDELIVERABLE_POSTAL_CODES,
  DEMO_PLACES,
  PAYMENT_TOKENS,
} from './demo-catalog';
export type { DemoProduct, SupportedCountry } from './demo-catalog';
export {
  generateOrder,
  createRng,
  parseMix,
  pickKind,
  totalOf,
  ORDER_KINDS,
  REJECT_RULES,
  DEFAULT_MIX,
} from './generate';
export type { OrderKind, OrderMix, RejectRule, Rng } from './generate';
export { parseOrdersFile, toOrderInput, toOrderCreated } from './order-input';
export type { OrderInput, InputError } from './order-input';
export { publishOrders, batchSizeFor } from './publish';
export type { PublishOptions, PublishResult } from './publish';
export { main } from './cli';
export type { CliIo } from './cli';
