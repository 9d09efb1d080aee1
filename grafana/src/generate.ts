/**
 * `npm run dashboards`: writes grafana/dashboards/<uid>.json from the TypeScript definitions.
 * `npm run dashboards -- --check` exits 1 when a committed file differs (CI-friendly).
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboards, dashboardFileName, dashboardJson } from './index.js';

/** npm runs scripts from the package root; refuse to write anywhere else. */
function repoRoot(): string {
  const root = process.cwd();
  if (!existsSync(join(root, 'grafana', 'src', 'generate.ts'))) {
    throw new Error(`run from the repository root (npm run dashboards), not ${root}`);
  }
  return root;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const outDir = join(repoRoot(), 'grafana', 'dashboards');
  await mkdir(outDir, { recursive: true });
  const stale: string[] = [];
  for (const d of buildDashboards()) {
    const file = join(outDir, dashboardFileName(d));
    const json = dashboardJson(d);
    const current = await readFile(file, 'utf8').catch(() => undefined);
    if (current === json) continue;
    if (check) stale.push(file);
    else {
      await writeFile(file, json);
      process.stdout.write(`wrote ${file}\n`);
    }
  }
  if (stale.length > 0) {
    process.stderr.write(`out of date (run npm run dashboards): ${stale.join(', ')}\n`);
    process.exitCode = 1;
  }
}

await main();
