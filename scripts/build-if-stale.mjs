#!/usr/bin/env node
// Builds what `npm run demo` (and the other demo scripts) run -- the library's JavaScript,
// the CLI and the demo -- only when a source is newer than the output, and quietly: a rerun
// with nothing changed prints nothing and costs a few milliseconds. Type declarations are
// left to `npm run build` (the demo does not need them).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const inputs = ['src', 'demo', 'tsup.config.ts', 'tsconfig.json', 'package.json'];
const outputs = [
  'dist/index.js',
  'dist/register.js',
  'dist/register.cjs',
  'dist/cli.js',
  ...['scripted-demo', 'server', 'chat', 'load'].flatMap((n) => [
    `dist/demo/${n}.js`,
    `dist/demo/${n}.cjs`,
  ]),
];

/** Newest modification time under `path` (a file or a directory tree). */
function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

const missing = outputs.filter((f) => !existsSync(join(root, f)));
const sourceTime = Math.max(...inputs.map((p) => newest(join(root, p))));
const outputTime =
  missing.length > 0 ? 0 : Math.min(...outputs.map((f) => statSync(join(root, f)).mtimeMs));
if (sourceTime < outputTime) process.exit(0);

const started = Date.now();
process.stderr.write('building lorechat-otel and the demo (sources changed) ... ');
const tsup = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tsup.cmd' : 'tsup');
const result = spawnSync(tsup, ['--silent'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, LORECHAT_BUILD_JS_ONLY: '1' },
});
if (result.status !== 0) {
  process.stderr.write('failed\n');
  process.exit(result.status ?? 1);
}
process.stderr.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
