/**
 * The OTLP mode's spool: what the export queues still hold when the process ends without a
 * shutdown (`process.exit()`, an uncaught exception, a shutdown that ran out of time) is
 * written synchronously from the `exit` handler as OTLP-JSON lines, one file per signal and
 * process, and sent by the next process that starts with the same spool directory.
 *
 * Prior art: opentelemetry-java-contrib's `disk-buffering` (write to disk, read and export
 * later, bounded by size; https://github.com/open-telemetry/opentelemetry-java-contrib/tree/main/disk-buffering).
 * The files are the Collector `file` exporter's format, so a Collector with the
 * `otlpjsonfile` receiver could read them too.
 *
 * - Bounded: a write never makes the directory larger than `maxBytes`; what does not fit is
 *   dropped with a diagnostic.
 * - Several processes may share a directory (workers): a file is claimed by renaming it
 *   before it is sent; a claim whose process is gone is taken over.
 * - Lines the endpoint accepted or refused for good (4xx) are removed; when it is
 *   unreachable the rest of the file is kept for the next start.
 */
import { diag } from '@opentelemetry/api';
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { OtlpSignal, SendOutcome, Spillable } from './otlp-http.js';

const FILE = /^(traces|logs|metrics)-(\d+)-(\d+)\.jsonl$/;
const CLAIMED = /^((?:traces|logs|metrics)-\d+-\d+\.jsonl)\.sending-(\d+)$/;

export interface SpoolOptions {
  readonly dir: string;
  readonly maxBytes: number;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export class Spool {
  readonly dir: string;
  readonly maxBytes: number;
  /** Files this process claimed and has not finished sending: claimed path -> original. */
  private readonly active = new Map<string, string>();

  constructor(options: SpoolOptions) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes;
  }

  private size(): number {
    let total = 0;
    for (const name of listDir(this.dir)) {
      try {
        total += statSync(join(this.dir, name)).size;
      } catch {
        // removed meanwhile by another process
      }
    }
    return total;
  }

  /**
   * Synchronously writes what the queues hold (for `exit` handlers). Returns the number of
   * lines written. Never throws.
   */
  writeSync(queues: readonly Spillable[]): number {
    let written = 0;
    try {
      let budget = this.maxBytes - this.size();
      const stamp = Date.now();
      for (const queue of queues) {
        const lines = queue.drainAsJsonLines();
        if (lines.length === 0) continue;
        const kept: string[] = [];
        let skipped = 0;
        for (const line of lines) {
          const bytes = Buffer.byteLength(line) + 1;
          if (bytes <= budget) {
            kept.push(line);
            budget -= bytes;
          } else skipped++;
        }
        if (skipped > 0) {
          diag.warn(
            `lorechat-otel: spool ${this.dir} full (${this.maxBytes} bytes); ${skipped} ${queue.signal} batches dropped`,
          );
        }
        if (kept.length === 0) continue;
        mkdirSync(this.dir, { recursive: true });
        appendFileSync(
          join(this.dir, `${queue.signal}-${stamp}-${process.pid}.jsonl`),
          kept.join('\n') + '\n',
        );
        written += kept.length;
      }
    } catch (err) {
      diag.error(`lorechat-otel: writing the spool ${this.dir} failed`, err);
    }
    return written;
  }

  /**
   * Gives back, synchronously, the files this process claimed but did not finish sending
   * (the process ends while replaying): the next start sends them (lines already sent may be
   * sent again: at least once, never lost).
   */
  releaseSync(): void {
    for (const [claimed, original] of this.active) {
      try {
        renameSync(claimed, original);
      } catch (err) {
        diag.error(`lorechat-otel: releasing the spool file ${claimed} failed`, err);
      }
    }
    this.active.clear();
  }

  /** Claims the files to send: ours now, oldest first. */
  private claim(): Array<{ claimed: string; original: string; signal: OtlpSignal }> {
    const claims: Array<{ claimed: string; original: string; signal: OtlpSignal; at: number }> = [];
    for (const name of listDir(this.dir)) {
      let original: string | undefined;
      const stale = CLAIMED.exec(name);
      if (stale) {
        if (alive(Number(stale[2]))) continue;
        original = stale[1];
      } else if (FILE.test(name)) {
        original = name;
      }
      if (original === undefined) continue;
      const m = FILE.exec(original);
      if (!m) continue;
      const claimed = join(this.dir, `${original}.sending-${process.pid}`);
      try {
        renameSync(join(this.dir, name), claimed);
      } catch {
        continue; // another process claimed it first
      }
      this.active.set(claimed, join(this.dir, original));
      claims.push({
        claimed,
        original: join(this.dir, original),
        signal: m[1] as OtlpSignal,
        at: Number(m[2]),
      });
    }
    return claims.sort((a, b) => a.at - b.at);
  }

  /**
   * Sends what earlier processes spilled. Resolves with the number of lines sent; never
   * rejects. `send` answers for one OTLP-JSON line of a signal.
   */
  async replay(
    send: (signal: OtlpSignal, line: Uint8Array) => Promise<SendOutcome>,
  ): Promise<number> {
    let sent = 0;
    for (const file of this.claim()) {
      let lines: string[];
      try {
        lines = readFileSync(file.claimed, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '');
      } catch (err) {
        diag.error(`lorechat-otel: reading the spool file ${file.claimed} failed`, err);
        continue;
      }
      let i = 0;
      for (; i < lines.length; i++) {
        const outcome = await send(file.signal, Buffer.from(lines[i] ?? '', 'utf8'));
        if (outcome === 'retryable') break;
        if (outcome === 'sent') sent++;
      }
      try {
        if (i < lines.length) {
          writeFileSync(file.original, lines.slice(i).join('\n') + '\n');
          diag.warn(
            `lorechat-otel: ${lines.length - i} spooled ${file.signal} batches kept for the next start (endpoint unreachable)`,
          );
        }
        unlinkSync(file.claimed);
      } catch (err) {
        diag.error(`lorechat-otel: updating the spool file ${file.claimed} failed`, err);
      }
      this.active.delete(file.claimed);
    }
    if (sent > 0) diag.info(`lorechat-otel: sent ${sent} spooled batches from ${this.dir}`);
    return sent;
  }
}
