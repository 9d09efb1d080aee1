/**
 * LoreChat HTTP API. `PORT` (default 8080) and `HOST` (default 127.0.0.1); the LLM and
 * store are configured by LORECHAT_* variables (see config.ts). Stops gracefully on
 * SIGTERM/SIGINT: no new connections, in-flight requests finish, then exit.
 */
import { createLoreChatApp } from './app.js';
import { ConfigError } from './config.js';
import { startServer } from './http/server.js';

async function main(): Promise<void> {
  const port = parsePort(process.env.PORT);
  const host = process.env.HOST?.trim() || '127.0.0.1';
  const app = await createLoreChatApp();
  const handle = await startServer({ app, port, host });
  process.stderr.write(
    `LoreChat listening on ${handle.url} (provider ${app.config.provider}, ${app.store.size} documents)\n`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`LoreChat: second ${signal}, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(
      `LoreChat: ${signal} received, finishing ${handle.inFlight()} request(s)\n`,
    );
    handle.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`LoreChat: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 8080;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT=${raw} is not a port number (0-65535)`);
  }
  return port;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `LoreChat failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
