/**
 * What `npm pack` ships and what package.json promises: the library (root, ./register,
 * ./semconv, ESM and CJS with types), the CLI, the README and docs; no demo, benchmark or
 * source-map files. Dependencies as the ecosystem expects them. Needs `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  module: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, unknown>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

function packedFiles(): string[] {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}` },
  });
  const [{ files }] = JSON.parse(out) as [{ files: Array<{ path: string }> }];
  return files.map((f) => f.path).sort();
}

/** Every file path package.json points at (main, module, types, bin, exports). */
function promisedFiles(): string[] {
  const paths = new Set<string>([pkg.main, pkg.module, pkg.types, ...Object.values(pkg.bin)]);
  const walk = (v: unknown) => {
    if (typeof v === 'string') paths.add(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(pkg.exports);
  return [...paths].map((p) => p.replace(/^\.\//, '')).sort();
}

describe('the packed tarball', () => {
  const files = packedFiles();

  it('ships the library, the register entry, ./semconv, the CLI, types and docs', () => {
    const dist = files.filter((f) => f.startsWith('dist/'));
    for (const entry of ['index', 'register', 'semconv']) {
      for (const ext of ['.js', '.cjs', '.d.ts', '.d.cts']) {
        expect(dist, `dist/${entry}${ext}`).toContain(`dist/${entry}${ext}`);
      }
    }
    expect(dist).toContain('dist/cli.js');
    expect(files).toContain('README.md');
    expect(files).toContain('package.json');
    expect(files.filter((f) => f.startsWith('docs/')).length).toBeGreaterThan(0);
    // Only the entries above, their shared chunks and their declaration chunks.
    for (const f of dist) {
      expect(f).toMatch(
        /^dist\/(index|register|semconv|cli|chunk-[\w-]+|semconv-[\w-]+)\.(js|cjs|d\.ts|d\.cts)$/,
      );
    }
  });

  it('leaves out demo, benchmark, test and source files and source maps', () => {
    expect(
      files.filter((f) =>
        /^(dist\/demo|dist\/bench|demo|bench|test|src|scripts|grafana)\/|\.map$/.test(f),
      ),
    ).toEqual([]);
    expect(files.length).toBeLessThan(40);
  });

  it('ships no stale chunk of an earlier build (every chunk is imported by a shipped file)', () => {
    const code = files
      .filter((f) => /^dist\/.*\.(js|cjs)$/.test(f))
      .map((f) => readFileSync(join(ROOT, f), 'utf8'))
      .join('\n');
    for (const chunk of files.filter((f) => /^dist\/chunk-[\w-]+\.js$/.test(f))) {
      expect(code, `${chunk} is imported by nothing: run npm run build`).toContain(
        `./${chunk.slice('dist/'.length)}`,
      );
    }
  });

  it('contains every file package.json points at', () => {
    for (const f of promisedFiles()) expect(files, f).toContain(f);
  });

  it('the CLI is executable as a bin (shebang)', () => {
    expect(readFileSync(join(ROOT, pkg.bin['lorechat-otel']!), 'utf8')).toMatch(
      /^#!\/usr\/bin\/env node\n/,
    );
  });
});

describe('dependencies', () => {
  it('@opentelemetry/api is a peer dependency, never bundled with us', () => {
    expect(pkg.dependencies['@opentelemetry/api']).toBeUndefined();
    expect(pkg.peerDependencies['@opentelemetry/api']).toBeDefined();
    expect(pkg.peerDependenciesMeta['@opentelemetry/api']?.optional).not.toBe(true);
  });

  it('echarts (the report only) is an optional peer, not installed with us', () => {
    expect(pkg.dependencies.echarts).toBeUndefined();
    expect(pkg.peerDependencies.echarts).toBeDefined();
    expect(pkg.peerDependenciesMeta.echarts?.optional).toBe(true);
  });

  it('the SDK packages are pinned to the release the SDK itself pins (one installed copy)', () => {
    // NodeSDK is not used by the package (src/sdk.ts wires the providers) and not installed
    // with it; an app with its own NodeSDK at this release shares every SDK package with us.
    expect(pkg.dependencies['@opentelemetry/sdk-node']).toBeUndefined();
    const sdkNode = JSON.parse(
      readFileSync(join(ROOT, 'node_modules/@opentelemetry/sdk-node/package.json'), 'utf8'),
    ) as { version: string; dependencies: Record<string, string> };
    expect(pkg.devDependencies['@opentelemetry/sdk-node']).toBe(sdkNode.version);
    for (const [name, version] of Object.entries(pkg.dependencies)) {
      const pinned = sdkNode.dependencies[name];
      if (pinned !== undefined && /^\d/.test(pinned)) expect(version, name).toBe(pinned);
    }
  });

  it('the @opentelemetry/api peer range is the widest our OpenTelemetry dependencies accept', () => {
    // The intersection of their own peer ranges (">=A <B" or "^A"): not narrower, not wider.
    let lowest = '0.0.0';
    let upper = '999.0.0';
    for (const name of Object.keys(pkg.dependencies).filter((n) =>
      n.startsWith('@opentelemetry/'),
    )) {
      const dep = JSON.parse(
        readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { peerDependencies?: Record<string, string> };
      const range = dep.peerDependencies?.['@opentelemetry/api'];
      if (range === undefined) continue;
      const m = /^(?:\^|>=)\s*(\d+)\.(\d+)\.(\d+)(?:\s*<\s*(\d+\.\d+\.\d+))?$/.exec(range.trim());
      expect(m, `${name}: unexpected @opentelemetry/api range ${range}`).not.toBeNull();
      const low = `${m![1]}.${m![2]}.${m![3]}`;
      const high = m![4] ?? (range.startsWith('^') ? `${Number(m![1]) + 1}.0.0` : '999.0.0');
      if (cmp(low, lowest) > 0) lowest = low;
      if (cmp(high, upper) < 0) upper = high;
    }
    expect(pkg.peerDependencies['@opentelemetry/api']).toBe(`>=${lowest} <${upper}`);
  });
});

function cmp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}
