/** Plain-text rendering of the CLI's results (the default output; `--json` skips it). */

export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  if (rows.length === 0) return '  (none)\n';
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    '  ' +
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return (
    [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n'
  );
}

export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  return Number(v.toFixed(digits)).toLocaleString('en-US');
}

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : `${(v * 100).toFixed(2)} %`;
}

export function bytes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)} GB`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} MB`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(2)} kB`;
  return `${v.toFixed(0)} B`;
}

/** A value in its unit, readable. */
export function withUnit(v: number | null | undefined, unit: string): string {
  if (unit === 'bytes') return bytes(v);
  if (unit === 'ratio') return pct(v);
  return `${num(v)} ${unit}`;
}

/** US dollars: cents from 1 USD up, four significant digits below (token costs are small). */
export function usd(v: number): string {
  return `${Math.abs(v) >= 1 ? v.toFixed(2) : String(Number(v.toPrecision(4)))} USD`;
}
