/** The machine a result was measured on, recorded next to every result. */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  readonly cpuModel: string;
  readonly logicalCpus: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  /** `git describe --always --dirty` of the checkout that was built and measured. */
  readonly revision: string;
  /** 1-minute load average when the run started and ended: how busy the machine was. */
  readonly loadAverage: { start: number; end?: number };
}

export function machine(): Machine {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    logicalCpus: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    revision: revision(),
    loadAverage: { start: Math.round(loadavg()[0]! * 100) / 100 },
  };
}

export function finishLoad(m: Machine): Machine {
  return { ...m, loadAverage: { ...m.loadAverage, end: Math.round(loadavg()[0]! * 100) / 100 } };
}

function revision(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
