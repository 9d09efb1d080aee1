/** Pure helpers of the tool instrumentation. */

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const MAX_TOOL_CALL_ID = 128;
const MAX_DESCRIPTION = 1024;

/**
 * The tool call id the model gave: `ToolNode` and agents pass the model's `ToolCall`
 * (`{ type: 'tool_call', id, name, args }`) as the argument, `invoke` moves it to
 * `config.toolCall`.
 */
export function toolCallId(arg: unknown, config: unknown): string | undefined {
  const fromArg = isRecord(arg) && arg.type === 'tool_call' ? arg.id : undefined;
  const fromConfig = isRecord(config) && isRecord(config.toolCall) ? config.toolCall.id : undefined;
  const id = typeof fromArg === 'string' ? fromArg : fromConfig;
  return typeof id === 'string' && id.length > 0 ? id.slice(0, MAX_TOOL_CALL_ID) : undefined;
}

/** The tool's arguments (a tool call's `args`, or the argument itself). */
export function toolArguments(arg: unknown): unknown {
  return isRecord(arg) && arg.type === 'tool_call' ? arg.args : arg;
}

export function toolDescription(description: unknown): string | undefined {
  return typeof description === 'string' && description.length > 0
    ? description.slice(0, MAX_DESCRIPTION)
    : undefined;
}

/**
 * A tool result that reports a failure without throwing: a `ToolMessage` with
 * `status: 'error'` (what `ToolNode` builds from an exception, and what a tool may return).
 */
export function isErrorToolMessage(result: unknown): boolean {
  if (!isRecord(result)) return false;
  try {
    return result.status === 'error' && typeof result.tool_call_id === 'string';
  } catch {
    return false;
  }
}

/** The content of a tool result (`ToolMessage.content` or the value itself). */
export function toolResultContent(result: unknown): unknown {
  return isRecord(result) && 'tool_call_id' in result ? result.content : result;
}
