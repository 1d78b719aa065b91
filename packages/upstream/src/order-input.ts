import { newMetadata, type IoOrderflowCommon, type OrderCreated } from '@orderflow/contracts';

/**
 * An order as an upstream system hands it over: the order.created shape without metadata. `createdAt` defaults to
 * the time of publishing; `line2` to null.
 */
export interface OrderInput {
  orderId: string;
  customer: IoOrderflowCommon.Customer;
  currency: string;
  lines: IoOrderflowCommon.OrderLine[];
  totalMinor: number;
  shippingAddress: IoOrderflowCommon.Address;
  paymentMethodToken: string;
  /** UTC epoch milliseconds. @default the time of publishing */
  createdAt?: number;
}

/** One input that could not be read, with its 1-based line in the file. */
export interface InputError {
  line: number;
  message: string;
}

/** The order.created event for an input: a journey starts here, so its correlation id is the order id. */
export function toOrderCreated(input: OrderInput, source: string, now = Date.now()): OrderCreated {
  return {
    metadata: newMetadata('order.created', source, undefined, { correlationId: input.orderId, now }),
    orderId: input.orderId,
    customer: input.customer,
    currency: input.currency,
    lines: input.lines,
    totalMinor: input.totalMinor,
    shippingAddress: input.shippingAddress,
    paymentMethodToken: input.paymentMethodToken,
    createdAt: input.createdAt ?? now,
  };
}

class ShapeError extends Error {}

type Obj = Record<string, unknown>;

function object(v: unknown, path: string, fields: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ShapeError(`${path} must be an object`);
  const unknown = Object.keys(v).filter((k) => !fields.includes(k));
  if (unknown.length) throw new ShapeError(`${path} has unknown field(s) ${unknown.join(', ')}`);
  return v as Obj;
}

function str(o: Obj, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') throw new ShapeError(`${path}${key} must be a non-empty string`);
  return v;
}

function integer(o: Obj, key: string, path: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > max) {
    throw new ShapeError(`${path}${key} must be an integer (minor units for money)`);
  }
  return v;
}

/**
 * Checks the shape the contract needs (types, required fields, integer money) and copies the known fields.
 * Business rules (totals, email, stock…) are deliberately not checked: upstream systems do send such orders, and
 * order-validator is the one that rejects them.
 */
export function toOrderInput(raw: unknown): OrderInput {
  const o = object(raw, 'order', [
    'orderId',
    'customer',
    'currency',
    'lines',
    'totalMinor',
    'shippingAddress',
    'paymentMethodToken',
    'createdAt',
  ]);
  const c = object(o.customer, 'customer', ['customerId', 'name', 'email']);
  const a = object(o.shippingAddress, 'shippingAddress', ['line1', 'line2', 'city', 'postalCode', 'country']);
  if (!Array.isArray(o.lines)) throw new ShapeError('lines must be an array');
  if (a.line2 !== undefined && a.line2 !== null && typeof a.line2 !== 'string') {
    throw new ShapeError('shippingAddress.line2 must be a string or null');
  }
  const input: OrderInput = {
    orderId: str(o, 'orderId', ''),
    customer: {
      customerId: str(c, 'customerId', 'customer.'),
      name: str(c, 'name', 'customer.'),
      email: str(c, 'email', 'customer.'),
    },
    currency: str(o, 'currency', ''),
    lines: o.lines.map((l: unknown, i) => {
      const line = object(l, `lines[${i}]`, ['sku', 'quantity', 'unitPriceMinor']);
      const p = `lines[${i}].`;
      return {
        sku: str(line, 'sku', p),
        quantity: integer(line, 'quantity', p, 2 ** 31 - 1),
        unitPriceMinor: integer(line, 'unitPriceMinor', p),
      };
    }),
    totalMinor: integer(o, 'totalMinor', ''),
    shippingAddress: {
      line1: str(a, 'line1', 'shippingAddress.'),
      line2: (a.line2 as string | null | undefined) ?? null,
      city: str(a, 'city', 'shippingAddress.'),
      postalCode: str(a, 'postalCode', 'shippingAddress.'),
      country: str(a, 'country', 'shippingAddress.'),
    },
    paymentMethodToken: str(o, 'paymentMethodToken', ''),
  };
  if (o.createdAt !== undefined && o.createdAt !== null) input.createdAt = timestamp(o.createdAt);
  return input;
}

/** Epoch milliseconds or an ISO-8601 string. */
function timestamp(v: unknown): number {
  const ms = typeof v === 'string' ? Date.parse(v) : v;
  if (typeof ms !== 'number' || !Number.isInteger(ms)) {
    throw new ShapeError('createdAt must be epoch milliseconds or an ISO-8601 timestamp');
  }
  return ms;
}

/**
 * Reads orders from a JSON array or from NDJSON (one object per line; blank lines skipped). Inputs that are not
 * JSON or do not have the order shape are returned as errors with their line number; the rest as orders.
 */
export function parseOrdersFile(text: string): { orders: OrderInput[]; errors: InputError[] } {
  const body = text.replace(/^\uFEFF/, '');
  const orders: OrderInput[] = [];
  const errors: InputError[] = [];
  const take = (raw: unknown, line: number, label: string) => {
    try {
      orders.push(toOrderInput(raw));
    } catch (err) {
      if (!(err instanceof ShapeError)) throw err;
      errors.push({ line, message: `${label}${err.message}` });
    }
  };
  if (body.trimStart().startsWith('[')) {
    const elements = splitArray(body);
    if (!Array.isArray(elements)) return { orders, errors: [elements] };
    elements.forEach((el, i) => {
      let value: unknown;
      try {
        value = JSON.parse(el.text);
      } catch (err) {
        errors.push({ line: el.line, message: `element ${i + 1}: not valid JSON: ${(err as Error).message}` });
        return;
      }
      take(value, el.line, `element ${i + 1}: `);
    });
    return { orders, errors };
  }
  body.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      errors.push({ line: i + 1, message: `not valid JSON: ${(err as Error).message}` });
      return;
    }
    take(value, i + 1, '');
  });
  return { orders, errors };
}

/**
 * Cuts a top-level JSON array into its elements' texts, each with the line it starts on, so that one broken
 * element is reported on its own line (JSON.parse would reject the whole file, and Node 20 does not say where).
 */
function splitArray(text: string): { text: string; line: number }[] | InputError {
  const elements: { text: string; line: number }[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  let startLine = 0;
  let closed = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (/\s/.test(ch)) continue;
    if (closed) return { line, message: 'not valid JSON: unexpected text after the array' };
    if (depth === 1 && start < 0 && ch !== ',' && ch !== ']') [start, startLine] = [i, line];
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
    if ((depth === 1 && ch === ',') || (depth === 0 && ch === ']')) {
      if (start >= 0) elements.push({ text: text.slice(start, i), line: startLine });
      start = -1;
      closed = depth === 0;
    }
  }
  return closed ? elements : { line, message: 'not valid JSON: the array is not closed' };
}
