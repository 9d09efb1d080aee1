/**
 * Session memory tracking behind `chat.sessions.active` and `chat.memory.max`: a bounded,
 * time-windowed map thread id -> last measured size. Thread ids never leave this map (no
 * metric carries them); the map is capped (least recently used evicted first) and pruned
 * of sessions older than the window on every read.
 */
export interface SessionTrackerOptions {
  readonly windowMs: number;
  readonly maxSessions: number;
  readonly now?: () => number;
}

interface SessionEntry {
  bytes: number | undefined;
  lastSeen: number;
}

export class SessionTracker {
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly windowMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;

  constructor(options: SessionTrackerOptions) {
    if (!(options.windowMs > 0))
      throw new Error(`sessionWindowMs must be > 0, got ${options.windowMs}`);
    if (!Number.isInteger(options.maxSessions) || options.maxSessions < 1) {
      throw new Error(`maxTrackedSessions must be a positive integer, got ${options.maxSessions}`);
    }
    this.windowMs = options.windowMs;
    this.maxSessions = options.maxSessions;
    this.now = options.now ?? Date.now;
  }

  /** Marks a turn of `threadId`; `bytes` (when measured) replaces the last size. */
  touch(threadId: string, bytes?: number): void {
    const previous = this.sessions.get(threadId);
    this.sessions.delete(threadId);
    this.sessions.set(threadId, { bytes: bytes ?? previous?.bytes, lastSeen: this.now() });
    while (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    // Insertion order is last-touch order: stop at the first session inside the window.
    for (const [id, entry] of this.sessions) {
      if (entry.lastSeen >= cutoff) break;
      this.sessions.delete(id);
    }
  }

  /** Sessions with a turn inside the window. */
  activeCount(): number {
    this.prune();
    return this.sessions.size;
  }

  /** Largest last-measured size among active sessions, or `undefined` if none measured. */
  maxBytes(): number | undefined {
    this.prune();
    let max: number | undefined;
    for (const entry of this.sessions.values()) {
      if (entry.bytes !== undefined && (max === undefined || entry.bytes > max)) max = entry.bytes;
    }
    return max;
  }

  get size(): number {
    return this.sessions.size;
  }
}
