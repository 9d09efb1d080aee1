#!/usr/bin/env node
import { runCli } from './run.js';

void runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  now: () => Date.now(),
}).then((code) => {
  process.exitCode = code;
});
