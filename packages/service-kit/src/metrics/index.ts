export {
  registry,
  labelProcess,
  metricCounter,
  metricGauge,
  metricHistogram,
  FAST_BUCKETS,
  SLOW_BUCKETS,
} from './registry';
export { platformInstruments, consumerObserver, relayMetrics } from './instruments';
export type { PlatformInstruments } from './instruments';
export { BackgroundMetrics } from './background';
