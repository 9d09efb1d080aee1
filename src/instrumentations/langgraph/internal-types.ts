/**
 * The slices of LangGraph's public classes this instrumentation touches, typed
 * structurally so the library stays a peer dependency (never imported at runtime).
 */

export interface RunnableConfigLike {
  readonly configurable?: Record<string, unknown>;
  readonly metadata?: Record<string, unknown>;
  readonly runId?: unknown;
  readonly streamMode?: unknown;
  readonly signal?: AbortSignal;
}

export interface RunnableLike {
  invoke: (input: unknown, config?: RunnableConfigLike) => Promise<unknown>;
}

export interface PregelNodeLike {
  bound?: RunnableLike;
}

export interface CheckpointTupleLike {
  readonly checkpoint: { readonly channel_values?: Record<string, unknown> };
}

export interface SerializerLike {
  dumpsTyped: (
    this: SerializerLike,
    obj: unknown,
  ) => Promise<[string, Uint8Array | string]> | [string, Uint8Array | string];
}

export interface CheckpointerLike {
  getTuple: (config: RunnableConfigLike) => Promise<CheckpointTupleLike | undefined>;
  put?: (config: RunnableConfigLike, checkpoint: unknown, ...rest: unknown[]) => unknown;
  serde?: SerializerLike;
}

export interface PregelLike {
  name?: string;
  streamMode?: unknown;
  checkpointer?: CheckpointerLike | boolean;
  nodes?: Record<string, PregelNodeLike>;
  getName?(): string;
  stream: (input: unknown, options?: RunnableConfigLike) => Promise<object>;
}

export interface PregelClass {
  prototype: PregelLike;
}

/**
 * `@langchain/langgraph/dist/pregel/call`: `getRunnableForFunc(name, func)` builds the
 * runnable that runs one functional-API `task` call.
 */
export interface CallModuleLike {
  getRunnableForFunc?: (name: string, func: unknown) => RunnableLike;
}

/** What `manuallyInstrument` accepts: `@langchain/langgraph` (or its pregel module). */
export interface LangGraphModuleLike {
  /** Exported by `@langchain/langgraph/pregel` (the root entry exports only its type). */
  readonly Pregel?: PregelClass;
  /** Exported by the root entry; `Pregel` is found on its prototype chain. */
  readonly CompiledStateGraph?: { prototype: object };
}

/** `@langchain/langgraph/dist/prebuilt/react_agent_executor`. */
export interface ReactAgentModuleLike {
  createReactAgent?: (params: { name?: unknown } | undefined, ...rest: unknown[]) => unknown;
}
