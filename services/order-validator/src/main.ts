import { runService } from '@orderflow/service-kit';
import { readConfig } from './config';
import { orderValidator } from './service';

runService(orderValidator(readConfig())).catch((err: unknown) => {
  process.stderr.write(`order-validator failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
