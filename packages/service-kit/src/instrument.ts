import { tracingEnabled } from './tracing';

/**
 * Installs the HTTP, express and pg instrumentations when tracing is on. They patch modules as they are required,
 * so this runs when service-kit is first imported (index.ts imports it first, and every service's main.ts imports
 * service-kit first), before express and pg load. Their spans go to the provider initTracing registers later.
 * Health and metrics requests are not traced, and pg queries only inside a trace (the relay's polling and the
 * background metrics would otherwise start a trace each). Off, the instrumentation modules are not even loaded
 * (~15 MB and a second of start-up on the development machine).
 */
if (tracingEnabled()) {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const { registerInstrumentations } =
    require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } =
    require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  /* eslint-enable @typescript-eslint/no-require-imports */
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => /^\/(health|metrics)/.test(req.url ?? ''),
        ignoreOutgoingRequestHook: () => true, // the registry client and the OTLP exporter: not the order's story
      }),
      new ExpressInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
}
