import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { tracingEnabled } from './tracing';

/**
 * Installs the HTTP, express and pg instrumentations when tracing is on. They patch modules as they are required,
 * so this runs when service-kit is first imported (index.ts imports it first, and every service's main.ts imports
 * service-kit first), before express and pg load. Their spans go to the provider initTracing registers later.
 * Health and metrics requests are not traced, and pg queries only inside a trace (the relay's polling and the
 * background metrics would otherwise start a trace each).
 */
if (tracingEnabled()) {
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
