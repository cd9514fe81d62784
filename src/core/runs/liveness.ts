/**
 * Is the process behind a lock or a `running` run document still there? It refreshes a
 * heartbeat; when it is gone (killed with -9, the host rebooted, the OOM killer), the
 * heartbeat goes stale — and on the same host its pid is simply no longer alive.
 */
/**
 * How often a holder refreshes its heartbeat: an eighth of the staleness limit (config
 * `lockStaleAfterMs`, default 2 min: every 15 s), so a live holder is never near stale.
 */
export function heartbeatEvery(staleAfterMs: number): number {
  return Math.max(250, Math.min(15_000, Math.floor(staleAfterMs / 8)));
}

/** How long a write made on the way out (a run's record, a lock's release) may take: the run is over. */
export const CLOSING_WRITE_MS = 5_000;

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the pid exists, it belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Liveness {
  host: string;
  pid: number;
  /** The last heartbeat (ISO); a document written before heartbeats existed has none. */
  heartbeatAt?: string;
  startedAt: string;
}

export interface Here {
  host: string;
  now: number;
  alive: (pid: number) => boolean;
  /** A heartbeat older than this means the holder died or stalled (config `lockStaleAfterMs`). */
  staleAfterMs: number;
}

/** Why the process is gone (a phrase for an operator), or undefined while it may be alive. */
export function goneReason(subject: Liveness, here: Here): string | undefined {
  if (subject.host === here.host && subject.pid !== undefined && !here.alive(subject.pid)) {
    return `its process (pid ${subject.pid} on ${subject.host}) is gone`;
  }
  const last = Date.parse(subject.heartbeatAt ?? subject.startedAt);
  const age = here.now - last;
  if (Number.isFinite(age) && age > here.staleAfterMs) {
    return `no heartbeat from pid ${subject.pid} on ${subject.host} for ${Math.round(age / 60_000)} min`;
  }
  return undefined;
}
