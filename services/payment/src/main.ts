import { runService } from '@orderflow/service-kit';
import { readConfig } from './config';
import { createProvider } from './provider';
import { payment } from './service';

const config = readConfig();
runService(payment(config, createProvider(config))).catch((err: unknown) => {
  process.stderr.write(`payment failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
