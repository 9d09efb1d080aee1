/** Load generator for the LoreChat HTTP API (see load/args.ts for the options). */
import { LOAD_USAGE, parseLoadArgs } from './load/args.js';
import { formatProgress, formatSummary, loadVerdict } from './load/report.js';
import { LoadOptionsError, runLoad } from './load/run-load.js';

async function main(): Promise<number> {
  let cli;
  try {
    cli = parseLoadArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof LoadOptionsError) {
      process.stderr.write(`load: ${error.message}\n\n${LOAD_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (cli.help) {
    process.stdout.write(`${LOAD_USAGE}\n`);
    return 0;
  }
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const summary = await runLoad({
    ...cli.options,
    signal: abort.signal,
    onProgress: (p) => {
      const line = formatProgress(p);
      if (tty) process.stderr.write(`\r\x1b[2K${line}`);
      else if (p.elapsedMs - lastLine >= 5000) {
        lastLine = p.elapsedMs;
        process.stderr.write(`${line}\n`);
      }
    },
  });
  if (tty) process.stderr.write('\r\x1b[2K');
  if (cli.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(`${formatSummary(summary)}\n`);
  const verdict = loadVerdict(summary, cli.maxErrorShare);
  if (!verdict.ok) {
    process.stderr.write(`load: FAILED: ${verdict.message}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message =
      error instanceof LoadOptionsError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`load: ${message}\n`);
    process.exitCode = error instanceof LoadOptionsError ? 2 : 1;
  },
);
