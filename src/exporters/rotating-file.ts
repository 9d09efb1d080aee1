/**
 * An append-only JSON-lines file with the plan's raw-event retention ("Data Management":
 * raw events kept 30 days, at most 10 GB, compressed), scaled for a developer machine:
 *
 * - when the next write would pass `maxBytes`, `name.jsonl` is renamed to
 *   `name.<UTC time>.jsonl` and then gzip-compressed to `name.<UTC time>.jsonl.gz` in the
 *   background (libuv's thread pool: the app's event loop is never blocked by compression);
 * - rotated files are deleted, oldest first, while there are more than `maxFiles` of them,
 *   while the live file plus the rotated ones take more than `maxTotalBytes`, and when they
 *   were rotated more than `maxAgeMs` ago.
 *
 * Writes are synchronous on purpose: they are small, batched by the SDK's processors, and a
 * synchronous append is the only kind that still lands from a process `exit` handler. A
 * compression cut short by the process exiting leaves the plain rotated file (readers accept
 * both); the next rotation compresses it.
 *
 * Readers (the analysis CLI and report) find the rotated files with `rotatedFiles()`.
 */
import {
  appendFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** The plan's raw-event retention: 30 days. */
export const DEFAULT_MAX_AGE_MS = 30 * 86_400_000;
/**
 * Per signal (traces, logs, metrics): 512 MiB of live plus compressed rotated files, 1.5 GiB
 * for the three, about a seventh of the plan's 10 GB server budget: a developer machine's
 * share. OTLP/JSON compresses about tenfold, so this holds several GB of raw events.
 */
export const DEFAULT_MAX_TOTAL_BYTES = 512 * 1024 * 1024;

export interface RotatingFileOptions {
  /** Rotate before a write would make the live file larger than this. */
  readonly maxBytes: number;
  /** Rotated files kept besides the live one (0 = truncate by deleting). */
  readonly maxFiles: number;
  /** Gzip rotated files. @default true */
  readonly compress?: boolean;
  /** Cap on the live file plus the rotated files, in bytes. @default DEFAULT_MAX_TOTAL_BYTES */
  readonly maxTotalBytes?: number;
  /** Rotated files older than this (since their rotation) are deleted. @default 30 days */
  readonly maxAgeMs?: number;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/** A rotated file of a live `name.jsonl`, as the readers and the retention sweep see it. */
export interface RotatedFile {
  readonly path: string;
  /** When it was rotated (epoch ms); legacy numbered files (`name.2.jsonl`) have none. */
  readonly rotatedAt: number | undefined;
  /** Legacy numbered files: the number (larger is older). */
  readonly legacyIndex: number | undefined;
  readonly compressed: boolean;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `20261130T104810123Z`: sorts as text in time order and is safe in file names. */
export function rotationStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}

function parseStamp(stamp: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(stamp);
  if (!m) return Number.NaN;
  const [, y = 0, mo = 1, d, h, mi, s, ms] = m.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/**
 * The rotated files of `livePath` (`metrics.jsonl`), oldest first: legacy numbered ones
 * (`metrics.3.jsonl`, `metrics.2.jsonl`, ...) before time-stamped ones, each plain or `.gz`.
 * When both a plain file and its `.gz` exist (a compression in progress), the plain one wins.
 */
export function rotatedFiles(livePath: string): RotatedFile[] {
  const dir = dirname(livePath);
  const ext = extname(livePath);
  const base = escapeRe(basename(livePath, ext));
  const e = escapeRe(ext);
  const stamped = new RegExp(`^${base}\\.(\\d{8}T\\d{9}Z)(?:-(\\d+))?${e}(\\.gz)?$`);
  const legacy = new RegExp(`^${base}\\.(\\d+)${e}(\\.gz)?$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const present = new Set(names);
  const out: Array<RotatedFile & { order: [number, number, number] }> = [];
  for (const name of names) {
    const gz = name.endsWith('.gz');
    if (gz && present.has(name.slice(0, -3))) continue;
    const s = stamped.exec(name);
    if (s) {
      const rotatedAt = parseStamp(s[1] ?? '');
      out.push({
        path: join(dir, name),
        rotatedAt,
        legacyIndex: undefined,
        compressed: gz,
        order: [1, rotatedAt, Number(s[2] ?? 0)],
      });
      continue;
    }
    const l = legacy.exec(name);
    if (l) {
      const n = Number(l[1]);
      out.push({
        path: join(dir, name),
        rotatedAt: undefined,
        legacyIndex: n,
        compressed: gz,
        order: [0, -n, 0],
      });
    }
  }
  return out
    .sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.order[2] - b.order[2])
    .map(({ order: _order, ...f }) => f);
}

export class RotatingJsonlFile {
  readonly path: string;
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private readonly compress: boolean;
  private readonly maxTotalBytes: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private size: number | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(path: string, options: RotatingFileOptions) {
    const positive = (name: string, v: number, min: number) => {
      if (!Number.isSafeInteger(v) || v < min) {
        throw new RangeError(
          `${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got ${v}`,
        );
      }
    };
    positive('maxBytes', options.maxBytes, 1);
    positive('maxFiles', options.maxFiles, 0);
    this.maxTotalBytes = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    positive('maxTotalBytes', this.maxTotalBytes, 1);
    positive('maxAgeMs', this.maxAgeMs, 1);
    this.path = path;
    this.maxBytes = options.maxBytes;
    this.maxFiles = options.maxFiles;
    this.compress = options.compress ?? true;
    this.now = options.now ?? Date.now;
  }

  /** Appends lines (each must be a single line of JSON without a newline). */
  appendLines(lines: readonly string[]): void {
    if (lines.length === 0) return;
    const text = lines.join('\n') + '\n';
    const bytes = Buffer.byteLength(text);
    const current = this.currentSize();
    if (current > 0 && current + bytes > this.maxBytes) this.rotate();
    appendFileSync(this.path, text);
    this.size = (this.size ?? 0) + bytes;
  }

  /** Resolves when background compression and the retention sweep after it are done. */
  idle(): Promise<void> {
    return this.pending;
  }

  private currentSize(): number {
    if (this.size === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.size = existsSync(this.path) ? statSync(this.path).size : 0;
      this.sweep();
    }
    return this.size;
  }

  private rotate(): void {
    if (this.maxFiles === 0) {
      rmSync(this.path, { force: true });
      this.size = 0;
      return;
    }
    const ext = extname(this.path);
    const stem = join(
      dirname(this.path),
      `${basename(this.path, ext)}.${rotationStamp(this.now())}`,
    );
    let target = `${stem}${ext}`;
    for (let n = 1; existsSync(target) || existsSync(`${target}.gz`); n++)
      target = `${stem}-${n}${ext}`;
    renameSync(this.path, target);
    this.size = 0;
    this.sweep();
    if (this.compress) {
      // Plain rotated files left by an earlier process (exit during compression) too.
      const plain = rotatedFiles(this.path).filter((f) => !f.compressed);
      this.pending = this.pending
        .then(async () => {
          for (const f of plain) await gzipFile(f.path);
        })
        .catch(() => {
          // A failed compression leaves the plain file, which readers accept; never throw into
          // the exporter (the next rotation tries again).
        })
        .then(() => this.sweep());
    }
  }

  /** Deletes rotated files beyond the count, total-size and age caps, oldest first. */
  private sweep(): void {
    const files = rotatedFiles(this.path).map((f) => {
      let size = 0;
      let mtime = this.now();
      try {
        const st = statSync(f.path);
        size = st.size;
        mtime = st.mtimeMs;
      } catch {
        // Deleted meanwhile.
      }
      return { ...f, size, at: f.rotatedAt ?? mtime };
    });
    // Room is kept for the live file to grow to maxBytes, so the cap holds between sweeps.
    let total = Math.max(this.size ?? 0, this.maxBytes) + files.reduce((a, f) => a + f.size, 0);
    let count = files.length;
    const oldest = this.now() - this.maxAgeMs;
    for (const f of files) {
      if (count > this.maxFiles || total > this.maxTotalBytes || f.at < oldest) {
        rmSync(f.path, { force: true });
        count--;
        total -= f.size;
      }
    }
  }
}

/** `file` -> `file.gz` (via a temporary name, so that a partial archive is never read). */
async function gzipFile(file: string): Promise<void> {
  if (!existsSync(file)) return;
  const tmp = `${file}.gz.tmp`;
  await pipeline(createReadStream(file), createGzip(), createWriteStream(tmp));
  renameSync(tmp, `${file}.gz`);
  rmSync(file, { force: true });
}
