/**
 * Bad input is reported, never swallowed: garbage and truncated lines are counted and named by
 * file and line, the result says what it could not use, and no fallback changes a number
 * silently.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyzeResult } from '../../../src/analysis/analyze.js';
import { runCliAt, type Turn, writeTelemetry } from './telemetry-fixture.js';

const T0 = Date.parse('2025-03-10T10:00:00Z');
const turns: Turn[] = Array.from({ length: 5 }, (_, i) => ({
  seconds: 0.1 + i * 0.1,
  fingerprint: 'fp',
  inputTokens: 300,
  outputTokens: 40,
}));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lorechat-bad-input-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCliAt(args, T0 + 3_600_000);

describe('unusable lines', () => {
  it('a file of garbage: "no data" names every unusable line instead of staying silent', async () => {
    const d = join(dir, 'garbage');
    mkdirSync(d);
    writeFileSync(join(d, 'metrics.jsonl'), 'hello\n{"not":"otlp"}\n\n<html>\n');
    writeFileSync(join(d, 'logs.jsonl'), 'x,y,z\n');
    const r = await cli(['analyze', '--files', d]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('4 lines of the files could not be used');
    expect(r.stderr).toContain('metrics.jsonl:1 not JSON');
    expect(r.stderr).toContain('metrics.jsonl:2 JSON but not an OTLP export request');
    // Line numbers count the blank line: the HTML is line 4.
    expect(r.stderr).toMatch(/metrics\.jsonl:4 not JSON/);
    const j = await cli(['analyze', '--files', d, '--json']);
    expect(j.code).toBe(3);
    const body = JSON.parse(j.stdout) as { noData: boolean; message: string };
    expect(body.noData).toBe(true);
    expect(body.message).toMatch(/could not be used/);
  });

  it('a metrics file cut mid-line: figures from the events say so, tokens are counted, not 0', async () => {
    const d = join(dir, 'truncated');
    await writeTelemetry(d, { start: T0, interval: 60_000, turns: [turns] });
    const full = readFileSync(join(d, 'metrics.jsonl'), 'utf8');
    writeFileSync(join(d, 'metrics.jsonl'), full.slice(0, Math.floor(full.length / 2)));
    const r = await cli(['analyze', '--files', d, '--json']);
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout) as AnalyzeResult;
    expect(a.input?.unusableLines).toBe(1);
    expect(a.input?.problems[0]).toEqual({
      file: 'metrics.jsonl',
      line: 1,
      reason: 'truncated: the last line ends without a newline (a write cut short)',
    });
    expect(a.basis).toBe('events');
    expect(a.totalRequests).toBe(5);
    // The llm.response events carry the token counts: the fallback keeps the number.
    expect(a.totalTokens).toBe(5 * 340);
    expect(a.notes.join('\n')).toMatch(/1 line of the files could not be used.*metrics\.jsonl:1/);
    expect(a.notes.join('\n')).toMatch(
      /the metrics hold no chat turns in the range \(see the unusable lines\)/,
    );
    // Text output lists them too, and --json users get a warning on stderr.
    expect(r.stderr).toContain('1 unusable line in the files');
    const t = await cli(['analyze', '--files', d]);
    expect(t.stdout).toContain('unusable input (1 line, left out of every figure)');
    expect(t.stdout).toContain('metrics.jsonl:1: truncated');
  });

  it('without token counts anywhere, total tokens is withheld (null), never a made-up 0', async () => {
    const d = join(dir, 'no-tokens');
    await writeTelemetry(d, {
      start: T0,
      interval: 60_000,
      turns: [turns.map((x) => ({ ...x, status: 'error' as const, llmError: 'Boom' }))],
    });
    const r = await cli(['analyze', '--files', d, '--json']);
    const a = JSON.parse(r.stdout) as AnalyzeResult;
    expect(a.totalTokens).toBeNull();
    expect(a.evidence.tokens?.withheld).toMatch(/no token counts in range/);
  });
});
