/** The two node-postgres modules a statement chain uses (pg exports ./lib/*; @types/pg does not declare them). */
declare module 'pg/lib/result' {
  export default class Result {
    constructor(rowMode?: string, types?: unknown);
    addFields(fields: unknown[]): void;
    parseRow(fields: unknown[]): unknown;
    addRow(row: unknown): void;
    addCommandComplete(msg: { text: string }): void;
  }
}

declare module 'pg/lib/utils' {
  export function prepareValue(value: unknown): unknown;
}
