import { describe, expect, it } from 'vitest';
import { sharePackageVersionLookups } from '../../../src/instrumentations/base.js';
import { LangChainToolInstrumentation } from '../../../src/instrumentations/tools/instrumentation.js';

/** Stands for InstrumentationBase's lookup: counts how often a package.json is read. */
function reader(reads: string[]) {
  return {
    _extractPackageVersion(this: unknown, baseDir: string): string | undefined {
      reads.push(baseDir);
      return baseDir.endsWith('missing') ? undefined : `1.0.${reads.length}`;
    },
  };
}

describe('package versions: one package.json read per module directory', () => {
  it('answers repeated lookups, of every instrumentation, from the first read', () => {
    const reads: string[] = [];
    const a = reader(reads);
    const b = reader(reads);
    sharePackageVersionLookups(a);
    sharePackageVersionLookups(b);
    const dir = `/app/node_modules/@langchain/core-${Math.random()}`;
    const first = a._extractPackageVersion(dir);
    for (let i = 0; i < 100; i++) {
      expect(a._extractPackageVersion(dir)).toBe(first);
      expect(b._extractPackageVersion(dir)).toBe(first);
    }
    expect(reads).toEqual([dir]);
    // A directory without a version is remembered too; another directory is read once.
    const none = `/x-${Math.random()}/missing`;
    expect(a._extractPackageVersion(none)).toBeUndefined();
    expect(b._extractPackageVersion(none)).toBeUndefined();
    const other = `/app/node_modules/@langchain/langgraph-${Math.random()}`;
    b._extractPackageVersion(other);
    a._extractPackageVersion(other);
    expect(reads).toEqual([dir, none, other]);
  });

  it('is installed on our instrumentations and still reads a real package.json', () => {
    const tools = new LangChainToolInstrumentation({ enabled: false });
    const self = tools as unknown as { _extractPackageVersion(d: string): string | undefined };
    expect(Object.hasOwn(tools, '_extractPackageVersion')).toBe(true);
    const dir = new URL('../../../node_modules/@langchain/core', import.meta.url).pathname;
    expect(self._extractPackageVersion(dir)).toMatch(/^1\.\d+\.\d+/);
  });

  it('leaves an object without the method alone', () => {
    const plain = {};
    sharePackageVersionLookups(plain);
    expect(plain).toEqual({});
  });
});
