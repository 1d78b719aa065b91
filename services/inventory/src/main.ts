import { createLogger, runService } from '@orderflow/service-kit';
import { readConfig } from './config';
import { inventory, SERVICE_NAME, seedConfiguredStock } from './service';

async function main(): Promise<void> {
  const config = readConfig();
  await runService(inventory(config));
  const seeded = await seedConfiguredStock(config);
  if (seeded.length) createLogger(SERVICE_NAME, config.LOG_LEVEL).info({ seeded }, 'stock seeded');
}

main().catch((err: unknown) => {
  process.stderr.write(`inventory failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
