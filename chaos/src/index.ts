/** The chaos suite: `npm run chaos` (full form) and the short form that e2e/test/chaos-short.test.ts runs. */
export { runChaos, formatReport } from './run';
export type { ChaosOptions, ChaosReport } from './run';
export type { CheckResult, Verdict } from './check';
export type { Duplicate } from './duplicates';
export type { Fault, FaultKind } from './faults';
