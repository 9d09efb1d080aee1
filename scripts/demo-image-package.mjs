#!/usr/bin/env node
// Writes the package.json of the demo container image's runtime: the app depends on the
// packed lorechat-otel tarball, as a user's app would, and on the LangChain packages the
// demo loads at run time (core and LangGraph, plus the OpenAI and Bedrock providers it
// imports when LORECHAT_LLM_PROVIDER asks for them), at the versions of package-lock.json.
// Usage: node scripts/demo-image-package.mjs <lorechat-otel-x.y.z.tgz> <output dir>
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const [tarball, outDir] = process.argv.slice(2);
if (!tarball || !outDir) {
  process.stderr.write('usage: demo-image-package.mjs <tarball> <output dir>\n');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const locked = (name) => {
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in package-lock.json`);
  return version;
};
const runtime = ['@langchain/core', '@langchain/langgraph', '@langchain/openai', '@langchain/aws'];
const pkg = {
  name: 'lorechat-demo-image',
  version: '1.0.0',
  private: true,
  // dist/demo holds ES modules (.js).
  type: 'module',
  dependencies: {
    'lorechat-otel': `file:${relative(outDir, tarball) || tarball}`,
    ...Object.fromEntries(runtime.map((name) => [name, locked(name)])),
  },
};
writeFileSync(join(outDir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
