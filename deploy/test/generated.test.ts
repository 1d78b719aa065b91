/** k8s/ and docker-compose.yml are what deploy/gen.js makes of the current services and catalog. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { root } from './code-model';

it('the generated manifests are up to date (npm run gen:deploy)', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'deploy', 'gen.js'), '--check'], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});
