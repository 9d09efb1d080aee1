/**
 * An append-only JSON-lines file with a size cap: when the next write would pass
 * `maxBytes`, `name.jsonl` becomes `name.1.jsonl` (older ones shift up) and only
 * `maxFiles` rotated files are kept, so the embedded default cannot fill a disk.
 *
 * Writes are synchronous on purpose: they are small, batched by the SDK's processors, and a
 * synchronous append is the only kind that still lands from a process `exit` handler.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export interface RotatingFileOptions {
  /** Rotate before a write would make the file larger than this. */
  readonly maxBytes: number;
  /** Rotated files kept besides the live one (0 = truncate by deleting). */
  readonly maxFiles: number;
}

export class RotatingJsonlFile {
  readonly path: string;
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private size: number | undefined;

  constructor(path: string, options: RotatingFileOptions) {
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 1) {
      throw new RangeError(`maxBytes must be a positive integer, got ${options.maxBytes}`);
    }
    if (!Number.isSafeInteger(options.maxFiles) || options.maxFiles < 0) {
      throw new RangeError(`maxFiles must be a non-negative integer, got ${options.maxFiles}`);
    }
    this.path = path;
    this.maxBytes = options.maxBytes;
    this.maxFiles = options.maxFiles;
  }

  /** The path of the n-th rotated file (`traces.2.jsonl` for n = 2). */
  rotatedPath(n: number): string {
    const ext = extname(this.path);
    return join(dirname(this.path), `${basename(this.path, ext)}.${n}${ext}`);
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

  private currentSize(): number {
    if (this.size === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.size = existsSync(this.path) ? statSync(this.path).size : 0;
    }
    return this.size;
  }

  private rotate(): void {
    if (this.maxFiles === 0) {
      rmSync(this.path, { force: true });
    } else {
      rmSync(this.rotatedPath(this.maxFiles), { force: true });
      for (let n = this.maxFiles - 1; n >= 1; n--) {
        const from = this.rotatedPath(n);
        if (existsSync(from)) renameSync(from, this.rotatedPath(n + 1));
      }
      renameSync(this.path, this.rotatedPath(1));
    }
    this.size = 0;
  }
}
