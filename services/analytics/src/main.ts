import { runService } from '@orderflow/service-kit';
import { readConfig } from './config';
import { analytics } from './service';

runService(analytics(readConfig())).catch((err: unknown) => {
  process.stderr.write(`analytics failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
