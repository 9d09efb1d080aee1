/**
 * Writes a result or document the way Prettier would (the repository's lint checks every
 * JSON and Markdown file), so a benchmark run never leaves the tree failing `npm run lint`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { format, resolveConfig } from 'prettier';

export async function writeFormatted(file: string, text: string): Promise<void> {
  const options = (await resolveConfig(file)) ?? {};
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, await format(text, { ...options, filepath: file }));
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFormatted(file, `${JSON.stringify(value, null, 2)}\n`);
}
