/**
 * Raw-event retention as the plan says: rotated embedded files are gzip-compressed, capped by
 * count, total size and age (defaults tied to the plan's 30 days / 10 GB), and the readers
 * (CLI, report) read compressed files transparently.
 */
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analysis/analyze.js';
import {
  FILE_RETENTION_DEFAULTS,
  FILE_RETENTION_ENV_VARS,
  loadFileRetention,
} from '../../../src/config.js';
import { OtlpJsonFileLogRecordExporter } from '../../../src/exporters/otlp-json-file.js';
import { FilesSource } from '../../../src/analysis/sources/files.js';
import {
  DEFAULT_MAX_AGE_MS,
  DEFAULT_MAX_TOTAL_BYTES,
  RotatingJsonlFile,
  rotatedFiles,
  rotationStamp,
} from '../../../src/exporters/rotating-file.js';
import { type Turn, writeTelemetry } from './telemetry-fixture.js';

const T0 = Date.parse('2025-03-10T10:00:00Z');
const DAY = 86_400_000;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lorechat-retention-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A line of about 1 kB that compresses well, like OTLP/JSON does. */
const line = (n: number) => JSON.stringify({ n, pad: 'resourceMetrics '.repeat(64) });

describe('rotated files', () => {
  it('are gzip-compressed in the background and read back by time order', async () => {
    let now = T0;
    const file = new RotatingJsonlFile(join(dir, 'logs.jsonl'), {
      maxBytes: 4_000,
      maxFiles: 10,
      now: () => (now += 1000),
    });
    for (let n = 0; n < 12; n++) file.appendLines([line(n)]);
    await file.idle();
    const rotated = rotatedFiles(join(dir, 'logs.jsonl'));
    expect(rotated.length).toBeGreaterThanOrEqual(3);
    expect(rotated.every((f) => f.compressed && f.path.endsWith('.jsonl.gz'))).toBe(true);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp') || /\d{9}Z\.jsonl$/.test(n))).toEqual(
      [],
    );
    // Compression pays: each archive is a fraction of the bytes it holds.
    for (const f of rotated) expect(statSync(f.path).size).toBeLessThan(1_000);
    const times = rotated.map((f) => f.rotatedAt as number);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('are deleted oldest first beyond the total-size cap', async () => {
    const file = new RotatingJsonlFile(join(dir, 'traces.jsonl'), {
      maxBytes: 2_500,
      maxFiles: 100,
      compress: false,
      maxTotalBytes: 10_000,
    });
    for (let n = 0; n < 40; n++) file.appendLines([line(n)]);
    await file.idle();
    const total = readdirSync(dir).reduce((a, n) => a + statSync(join(dir, n)).size, 0);
    expect(total).toBeLessThanOrEqual(10_000);
    // What is left is the newest: the live file ends with the last line.
    expect(readFileSync(join(dir, 'traces.jsonl'), 'utf8').trim().split('\n').at(-1)).toBe(
      line(39),
    );
  });

  it('are deleted once older than the age cap', async () => {
    let now = T0;
    const file = new RotatingJsonlFile(join(dir, 'metrics.jsonl'), {
      maxBytes: 1_500,
      maxFiles: 100,
      maxAgeMs: 30 * DAY,
      now: () => now,
    });
    file.appendLines([line(0)]);
    file.appendLines([line(1)]); // rotates: the first file is stamped T0
    await file.idle();
    expect(rotatedFiles(join(dir, 'metrics.jsonl'))).toHaveLength(1);
    now = T0 + 31 * DAY;
    file.appendLines([line(2)]); // rotates again; the 31-day-old file goes
    await file.idle();
    const left = rotatedFiles(join(dir, 'metrics.jsonl'));
    expect(left.map((f) => f.rotatedAt)).toEqual([T0 + 31 * DAY]);
  });

  it('left plain by a process that exited mid-compression are compressed at the next rotation', async () => {
    const live = join(dir, 'logs.jsonl');
    const orphan = join(dir, `logs.${rotationStamp(T0)}.jsonl`);
    writeFileSync(orphan, `${line(0)}\n`);
    writeFileSync(`${orphan}.gz.tmp`, 'partial');
    const file = new RotatingJsonlFile(live, {
      maxBytes: 1_500,
      maxFiles: 5,
      now: () => T0 + 5000,
    });
    file.appendLines([line(1)]);
    file.appendLines([line(2)]);
    await file.idle();
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(`${orphan}.gz`)).toBe(true);
    expect(rotatedFiles(live).every((f) => f.compressed)).toBe(true);
  });

  it('documents defaults tied to the plan: 30 days, a developer share of 10 GB', () => {
    expect(DEFAULT_MAX_AGE_MS).toBe(30 * DAY);
    expect(3 * DEFAULT_MAX_TOTAL_BYTES).toBeLessThan(10e9);
    const docs = readFileSync('docs/retention.md', 'utf8');
    for (const name of Object.keys(FILE_RETENTION_ENV_VARS)) expect(docs).toContain(name);
    expect(docs).toContain('| 512 MiB |');
    expect(docs).toContain('| 30 days |');
    // The config's defaults are the writer's.
    expect(FILE_RETENTION_DEFAULTS.maxTotalBytes).toBe(DEFAULT_MAX_TOTAL_BYTES);
    expect(FILE_RETENTION_DEFAULTS.maxAgeDays * DAY).toBe(DEFAULT_MAX_AGE_MS);
    expect(FILE_RETENTION_DEFAULTS.compress).toBe(true);
  });
});

describe('configuration', () => {
  it('the retention variables reach the file exporters; bad values fall back to the defaults', () => {
    expect(
      loadFileRetention({
        LORECHAT_OTEL_FILE_COMPRESS: 'false',
        LORECHAT_OTEL_FILE_MAX_TOTAL_BYTES: '2048',
        LORECHAT_OTEL_FILE_MAX_AGE_DAYS: '7',
      }),
    ).toEqual({ compress: false, maxTotalBytes: 2048, maxAgeDays: 7 });
    expect(loadFileRetention({ LORECHAT_OTEL_FILE_MAX_AGE_DAYS: 'soon' })).toEqual(
      FILE_RETENTION_DEFAULTS,
    );
    const saved = process.env.LORECHAT_OTEL_FILE_MAX_TOTAL_BYTES;
    process.env.LORECHAT_OTEL_FILE_MAX_TOTAL_BYTES = '4096';
    try {
      const exporter = new OtlpJsonFileLogRecordExporter(join(dir, 'logs.jsonl'), {
        maxBytes: 1_500,
        maxFiles: 50,
      });
      for (let n = 0; n < 20; n++) exporter.file.appendLines([line(n)]);
      const total = readdirSync(dir).reduce((a, n) => a + statSync(join(dir, n)).size, 0);
      expect(total).toBeLessThanOrEqual(4096 + 1_500);
    } finally {
      if (saved === undefined) delete process.env.LORECHAT_OTEL_FILE_MAX_TOTAL_BYTES;
      else process.env.LORECHAT_OTEL_FILE_MAX_TOTAL_BYTES = saved;
    }
  });
});

describe('readers', () => {
  it('analyze reads .gz rotations (time-stamped and legacy numbered) with the live file', async () => {
    const turns = (n: number): Turn[] =>
      Array.from({ length: n }, () => ({ seconds: 0.3, fingerprint: 'fp', inputTokens: 10 }));
    await writeTelemetry(dir, {
      start: T0,
      interval: 60_000,
      turns: [turns(2), turns(3), turns(4)],
    });
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    const logs = readFileSync(join(dir, 'logs.jsonl'), 'utf8').trim().split('\n');
    expect(metrics).toHaveLength(3);
    // Oldest in a legacy numbered archive, the middle in a stamped one, the newest live.
    writeFileSync(join(dir, 'metrics.2.jsonl.gz'), gzipSync(`${metrics[0]}\n`));
    writeFileSync(
      join(dir, `metrics.${rotationStamp(T0 + 120_000)}.jsonl.gz`),
      gzipSync(`${metrics[1]}\n`),
    );
    writeFileSync(join(dir, 'metrics.jsonl'), `${metrics[2]}\n`);
    writeFileSync(
      join(dir, `logs.${rotationStamp(T0 + 180_000)}.jsonl.gz`),
      gzipSync(`${logs.join('\n')}\n`),
    );
    rmSync(join(dir, 'logs.jsonl'));
    const source = await FilesSource.open(dir);
    const a = await analyze(source, { start: T0 - 1, end: T0 + 180_000 });
    expect(a.totalRequests).toBe(9);
    expect(a.totalTokens).toBe(90);
    expect(a.popularQueries?.[0]?.count).toBe(9);
    expect(a.input?.files.map((f) => f.file)).toEqual([
      'metrics.2.jsonl.gz',
      `metrics.${rotationStamp(T0 + 120_000)}.jsonl.gz`,
      'metrics.jsonl',
      `logs.${rotationStamp(T0 + 180_000)}.jsonl.gz`,
    ]);
  });
});
