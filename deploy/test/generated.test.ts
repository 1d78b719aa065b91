/** k8s/ and docker-compose.yml are what deploy/gen.js makes of the current services and catalog. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SERVICE_NODE_OPTIONS } from '@orderflow/ops';
import { root } from './code-model';

it('the generated manifests are up to date (npm run gen:deploy)', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'deploy', 'gen.js'), '--check'], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});

it("the image runs services with the platform's V8 settings (SERVICE_NODE_OPTIONS)", () => {
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const set = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(dockerfile);
  expect(set?.[1]).toBe(SERVICE_NODE_OPTIONS);
});
