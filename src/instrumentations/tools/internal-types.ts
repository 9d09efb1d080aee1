/** The parts of `@langchain/core/tools` the tool instrumentation reads (public API). */
export type ToolCallFn = (arg: unknown, config?: unknown, tags?: unknown) => Promise<unknown>;

export interface ToolLike {
  name?: unknown;
  description?: unknown;
  call: ToolCallFn;
}
