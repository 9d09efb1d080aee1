/**
 * Integration tests run the real Collector, Prometheus and Alertmanager. Before any test file
 * runs, make sure they are built: when a binary is missing, run scripts/backends/provision.sh
 * (minutes on a fresh machine; it needs Go). If that is impossible the whole run fails here
 * with the reason -- these tests never skip.
 *
 * LORECHAT_NO_PROVISION=1 only checks and fails naming what is missing (for CI steps that
 * provision separately).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { backendPaths, missingBackends, requireBackends } from '../../scripts/backends/paths.mjs';

export default function setup(): void {
  const paths = backendPaths();
  const missing = missingBackends(paths);
  if (missing.length === 0) return;
  if (process.env.LORECHAT_NO_PROVISION === '1') {
    requireBackends(paths);
    return;
  }
  process.stderr.write(
    `integration setup: building ${missing.map((m) => m.name).join(', ')} (scripts/backends/provision.sh)\n`,
  );
  const result = spawnSync('bash', [join(paths.repoRoot, 'scripts', 'backends', 'provision.sh')], {
    cwd: paths.repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.error) throw new Error(`could not run provision.sh: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `scripts/backends/provision.sh failed (exit ${result.status}); its output above says why. ` +
        'The integration tests need the real Collector, Prometheus and Alertmanager.',
    );
  }
  requireBackends(backendPaths());
}
