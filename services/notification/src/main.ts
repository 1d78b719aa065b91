import { runService } from '@orderflow/service-kit';
import { readConfig } from './config';
import { notification } from './service';

runService(notification(readConfig())).catch((err: unknown) => {
  process.stderr.write(`notification failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
