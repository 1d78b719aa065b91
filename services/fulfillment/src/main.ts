import { runService } from '@orderflow/service-kit';
import { readConfig } from './config';
import { fulfillment } from './service';

runService(fulfillment(readConfig())).catch((err: unknown) => {
  process.stderr.write(`fulfillment failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
