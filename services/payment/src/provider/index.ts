import { createPool } from '@orderflow/service-kit';
import type { Config } from '../config';
import { PgProviderLedger } from '../db/provider-ledger';
import type { PaymentProvider } from '../domain/provider';
import { SimulatedProvider } from './simulated';

/** A provider adapter with the resources it holds. */
export interface ProviderAdapter extends PaymentProvider {
  close(): Promise<void>;
}

/**
 * The provider chosen by PAYMENT_PROVIDER. The simulation keeps its ledger through a pool of its own: it stands for
 * an external system, so it never shares (or waits for) the connections that handler transactions hold.
 */
export function createProvider(config: Config): ProviderAdapter {
  switch (config.PAYMENT_PROVIDER) {
    case 'simulated': {
      const pool = createPool(config.DATABASE_URL, 2, 'payment-simulated-provider', config.DB_SCHEMA ?? 'payment');
      const sim = new SimulatedProvider(new PgProviderLedger(pool), {
        transientFailures: config.SIM_TRANSIENT_FAILURES,
        latencyMs: config.SIM_LATENCY_MS,
      });
      return {
        charge: (r) => sim.charge(r),
        refund: (r) => sim.refund(r),
        chargeMany: (rs) => sim.chargeMany(rs),
        refundMany: (rs) => sim.refundMany(rs),
        close: () => pool.end(),
      };
    }
  }
}
