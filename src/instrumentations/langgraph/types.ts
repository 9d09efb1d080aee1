import type { LoreChatSharedConfig } from '../types.js';

/** Configuration of {@link LangGraphInstrumentation}: graph runs (chat turns) and nodes. */
export interface LangGraphInstrumentationConfig extends LoreChatSharedConfig {
  /**
   * Window (ms) in which a thread with a turn counts as an active session for
   * `chat.sessions.active` and `chat.memory.max`.
   * @default 900000 (15 minutes)
   */
  sessionWindowMs?: number;
  /**
   * Upper bound of sessions tracked at once (least recently used are evicted first).
   * @default 10000
   */
  maxTrackedSessions?: number;
  /**
   * Measure session memory after each turn: the serialized size of the checkpoint the
   * graph's checkpointer holds for the thread (or of the final state when there is no
   * checkpointer). Runs after the turn has returned to the caller, off the hot path.
   * @default true
   */
  measureSessionMemory?: boolean;
}
