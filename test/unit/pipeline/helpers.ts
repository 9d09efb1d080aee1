/** Shared readers for the pipeline-as-code unit tests. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function readText(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

export function readYaml<T>(path: string): T {
  return parse(readText(path)) as T;
}

export interface RuleFile {
  groups: {
    name: string;
    interval?: string;
    rules: {
      alert?: string;
      record?: string;
      expr: string;
      for?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    }[];
  }[];
}

export const RULE_FILES = [
  'prometheus/rules/lorechat-recording.yml',
  'prometheus/rules/lorechat-alerts.yml',
  'prometheus/rules/lorechat-cost.yml',
] as const;

export function allRules(): RuleFile['groups'][number]['rules'] {
  return RULE_FILES.flatMap((f) => readYaml<RuleFile>(f).groups.flatMap((g) => g.rules));
}

const PROMQL_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'atan2',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects. A small lexer, enough for our rules and
 * dashboards: string literals, label matchers `{...}`, ranges `[...]` and the label lists of
 * by/without/on/ignoring/group_* are skipped; identifiers followed by `(` are functions.
 */
export function promqlMetricNames(expr: string): string[] {
  const names = new Set<string>();
  let s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  // Numbers and durations first, so `1h` or `1e3` never yield an identifier.
  s = s.replace(/\b\d+(\.\d+)?([eE][+-]?\d+)?[smhdwy]*\b/g, ' ');
  for (const m of s.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, ident, call] = m;
    if (ident === undefined || call !== undefined) continue;
    if (PROMQL_KEYWORDS.has(ident.toLowerCase())) continue;
    names.add(ident);
  }
  return [...names];
}

/** GitHub's heading anchor: lower-case, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    if (m[1] !== undefined) anchors.add(githubSlug(m[1]));
  }
  return anchors;
}
