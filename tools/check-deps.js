#!/usr/bin/env node
'use strict';
/**
 * Every workspace declares what it imports, and imports what it declares (CONVENTIONS: "every package declares
 * what it imports"). Scans each workspace's TypeScript/JavaScript for import specifiers and compares them with its
 * package.json:
 *   - undeclared: imported from src/ (or bin scripts) but not in dependencies; imported only from test/ and in
 *     neither dependencies nor devDependencies. Tests may import any workspace package undeclared: Jest maps
 *     `@orderflow/*` to its source, and declaring `@orderflow/testing` in a package it depends on would be a cycle
 *     in the build graph;
 *   - unused: declared but imported nowhere in the workspace (type packages `@types/x` count as used when `x` is).
 * The root package (tools/, config files) is checked for undeclared imports only: its devDependencies are the
 * monorepo's toolchain (turbo, jest, eslint), used from scripts rather than imported.
 *
 *   node tools/check-deps.js        prints the problems, exits 1 if there are any
 */
const fs = require('node:fs');
const path = require('node:path');
const { builtinModules } = require('node:module');

const root = path.resolve(__dirname, '..');
const builtins = new Set(builtinModules);
/** Names of the monorepo's own packages (filled by checkDependencies). */
const workspaceNames = new Set();
const SOURCE = /\.(ts|js|mjs)$/;
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire(?:\.resolve)?\s*\(\s*)['"]([^'"\s`$]+)['"]/g;

/** The package an import specifier names (`@scope/name/deep` → `@scope/name`), or undefined for local/builtin. */
function packageOf(spec) {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return undefined;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return name && !builtins.has(name) ? name : undefined;
}

/** Files under `dir`, recursively, without node_modules, dist and generated output. */
function sourceFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.cache'].includes(entry.name)) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p));
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function importsOf(files) {
  const found = new Set();
  for (const f of files) {
    for (const m of fs.readFileSync(f, 'utf8').matchAll(SPECIFIER)) {
      const name = packageOf(m[1] ?? '');
      if (name) found.add(name);
    }
  }
  return found;
}

/** Test files: under test/ or named *.test.ts. Everything else a workspace holds ships (src, bin scripts). */
const isTest = (f) => /[/\\]test[/\\]/.test(f) || /\.test\.ts$/.test(f);

/** @returns {string[]} problems of one workspace directory */
function checkWorkspace(dir, { unused = true, own = /** @type {string[]} */ ([]), devIsEnough = false } = {}) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const deps = new Set(Object.keys(pkg.dependencies ?? {}));
  const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
  const files = own.length ? own : sourceFiles(dir).filter((f) => !f.startsWith(path.join(dir, 'node_modules')));
  const shipped = importsOf(files.filter((f) => !isTest(f)));
  const tested = importsOf(files.filter(isTest));
  const rel = path.relative(root, dir) || '.';
  const problems = [];
  for (const name of shipped) {
    if (name === pkg.name) continue;
    if (!deps.has(name) && !(devIsEnough && dev.has(name)))
      problems.push(`${rel}: imports ${name} but does not declare it in dependencies`);
  }
  for (const name of tested) {
    if (name !== pkg.name && !workspaceNames.has(name) && !deps.has(name) && !dev.has(name))
      problems.push(`${rel}: its tests import ${name} but it is not declared`);
  }
  if (unused) {
    const used = new Set([...shipped, ...tested]);
    for (const name of [...deps, ...dev]) {
      const typed = name.startsWith('@types/') ? name.slice(7).replace(/^(.+)__(.+)$/, '@$1/$2') : undefined;
      if (!used.has(name) && !(typed && used.has(typed)))
        problems.push(`${rel}: declares ${name} but never imports it`);
    }
  }
  return problems;
}

/** Problems over the root package and every workspace. */
function checkDependencies() {
  const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const workspaces = [];
  for (const pattern of rootPkg.workspaces) {
    if (!pattern.endsWith('/*')) workspaces.push(path.join(root, pattern));
    else {
      const base = path.join(root, pattern.slice(0, -2));
      for (const d of fs.readdirSync(base)) workspaces.push(path.join(base, d));
    }
  }
  const rootFiles = [
    ...sourceFiles(path.join(root, 'tools')),
    ...fs
      .readdirSync(root)
      .filter((f) => f.endsWith('.config.js'))
      .map((f) => path.join(root, f)),
  ];
  for (const d of workspaces) {
    const f = path.join(d, 'package.json');
    if (fs.existsSync(f)) workspaceNames.add(JSON.parse(fs.readFileSync(f, 'utf8')).name);
  }
  return [
    ...checkWorkspace(root, { unused: false, own: rootFiles, devIsEnough: true }),
    ...workspaces.filter((d) => fs.existsSync(path.join(d, 'package.json'))).flatMap((d) => checkWorkspace(d)),
  ];
}

module.exports = { checkDependencies, checkWorkspace, packageOf };

if (require.main === module) {
  const problems = checkDependencies();
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (problems.length) process.exit(1);
  process.stdout.write('dependencies: every workspace declares what it imports and imports what it declares\n');
}
