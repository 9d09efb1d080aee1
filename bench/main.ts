/**
 * `npm run bench -- <command> [options]`: the benchmarks of lorechat-otel.
 *
 *   side-by-side   overhead against uninstrumented and the other LangChain instrumentations
 *   memory         RSS and heap over a long run (100,000 turns by default)
 *   load           throughput, drops and cardinality through the HTTP API and the real pipeline
 *   attribution    ours with one part switched off at a time: what each part costs
 *   profile        CPU profiles of the instant workload, uninstrumented vs ours, diffed by package
 *   render         BENCHMARKS.md tables from bench/results/*.json
 *   bulk-write     the vector-store instrumentation's cost on one 100,000-document write
 *   stream-chunks  the chat-model instrumentation's cost per chunk of a 2,000-chunk stream
 *   large-prompt   heap the chat-model instrumentation keeps for 1 MB prompts, capture off/on
 *   export-handoff main-thread cost of encoding a turn's telemetry vs handing it to a worker
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attributionCommand } from './attribution.js';
import { bulkWriteCommand } from './bulk-write.js';
import { exportHandoffCommand } from './export-handoff.js';
import { streamChunksCommand } from './stream-chunks.js';
import { largePromptCommand } from './large-prompt.js';
import { loadCommand } from './load.js';
import { memoryCommand } from './memory.js';
import { profileCommand } from './profile.js';
import { renderCommand } from './render.js';
import { sideBySideCommand } from './side-by-side.js';

const USAGE = `usage: npm run bench -- <side-by-side|attribution|memory|load|profile|render|bulk-write|stream-chunks|large-prompt|export-handoff> [options]`;

async function main(): Promise<number> {
  // The bundle runs from dist/bench/main.js: the package root is two levels up.
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'side-by-side':
      await sideBySideCommand(rest, root);
      return 0;
    case 'attribution':
      await attributionCommand(rest, root);
      return 0;
    case 'render':
      await renderCommand(root);
      return 0;
    case 'load':
      await loadCommand(rest, root);
      return 0;
    case 'profile':
      await profileCommand(rest, root);
      return 0;
    case 'bulk-write':
      await bulkWriteCommand(rest, root);
      return 0;
    case 'stream-chunks':
      await streamChunksCommand(rest, root);
      return 0;
    case 'large-prompt':
      await largePromptCommand(rest, root);
      return 0;
    case 'export-handoff':
      await exportHandoffCommand(rest, root);
      return 0;
    case 'memory':
      await memoryCommand(rest, root);
      return 0;
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
