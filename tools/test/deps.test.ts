import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkDependencies, checkWorkspace, packageOf } from '../check-deps';

it('every workspace declares what it imports and imports what it declares', () => {
  expect(checkDependencies()).toEqual([]);
});

it('names the package of an import specifier, not local files or Node builtins', () => {
  expect(packageOf('@opentelemetry/api')).toBe('@opentelemetry/api');
  expect(packageOf('@scope/pkg/deep/file')).toBe('@scope/pkg');
  expect(packageOf('pg')).toBe('pg');
  expect(packageOf('kafkajs/types')).toBe('kafkajs');
  expect(packageOf('./local')).toBeUndefined();
  expect(packageOf('node:fs')).toBeUndefined();
  expect(packageOf('fs')).toBeUndefined();
});

/** An import line built at run time, so that this file's own imports stay the ones the checker sees. */
const importLine = (what: string, from: string) => `import ${what} from '${from}';\n`;

it('reports an undeclared import and an unused declaration', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deps-'));
  try {
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({
        name: 'x',
        dependencies: { zod: '^3', pino: '^9' },
        devDependencies: { '@types/express': '^5' },
      }),
    );
    fs.writeFileSync(path.join(dir, 'src', 'a.ts'), importLine('type { Pool }', 'pg') + importLine('{ z }', 'zod'));
    fs.writeFileSync(path.join(dir, 'src', 'b.ts'), importLine('express', 'express'));
    const problems = checkWorkspace(dir);
    expect(problems.map((p) => p.replace(/^.*?: /, ''))).toEqual([
      'imports pg but does not declare it in dependencies',
      'imports express but does not declare it in dependencies',
      'declares pino but never imports it',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
