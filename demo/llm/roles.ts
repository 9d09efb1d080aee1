/**
 * The LLM calls of a LoreChat turn. Each role can use its own model, as in the original
 * Python LoreChat (a small model to plan, a stronger one to write the final answer).
 */
export const LLM_ROLES = ['decompose', 'evaluate', 'answer', 'combine', 'respond'] as const;

export type LlmRole = (typeof LLM_ROLES)[number];

export function isLlmRole(value: unknown): value is LlmRole {
  return typeof value === 'string' && (LLM_ROLES as readonly string[]).includes(value);
}

/**
 * The first line of every system prompt: `Task: <role>`. Real models read it as part of the
 * instructions; the offline model uses it to know which kind of reply to write.
 */
export function taskLine(role: LlmRole): string {
  return `Task: ${role}`;
}

const TASK_LINE = /^Task: ([a-z_]+)\s*$/m;

export function roleFromPrompt(text: string): LlmRole | undefined {
  const match = TASK_LINE.exec(text);
  return match && isLlmRole(match[1]) ? match[1] : undefined;
}
