/** The one place an Elasticsearch client is made. */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Client, SniffingTransport, UndiciConnection, errors, type ClientOptions } from '@elastic/elasticsearch';
import { TIME_LIMITS, type Config } from '../config/config';
import { UsageError } from '../errors';

/**
 * The one 429 policy of the product: Elasticsearch answers 429 when a node's queue is full, and
 * the client retries only 502-504. Retries with backoff doubling from FIRST_WAIT_MS, at most
 * 30 s a wait. Used by the transport below for every request, and by the bulk writer
 * (bulkWrite.ts) for whole bulk requests and for the documents a bulk response refuses with 429.
 */
export const RETRIES_ON_429 = 8;
const FIRST_WAIT_MS = 500;

export function backoffMs(attempt: number): number {
  return Math.min(30_000, FIRST_WAIT_MS * 2 ** attempt);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `work` has settled (however), or after `ms` at the latest: for what a run does on its way out. */
export async function settledWithin(work: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!work) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

function is429(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 429;
}

/** `send` again after a backoff while it fails with 429; `onRetry` is told of each retry. */
export async function retryOn429<T>(send: () => Promise<T>, onRetry?: () => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (!is429(err) || attempt >= RETRIES_ON_429) throw err;
      onRetry?.();
      await sleep(backoffMs(attempt));
    }
  }
}

/** What an error keeps of the request that failed (see `leanError`). */
interface Diagnostic {
  body?: unknown;
  statusCode?: number | null;
  meta?: { attempts?: number; aborted?: boolean; connection?: { url?: URL | string } | null };
}

/**
 * The client's errors redact their diagnostic by copying it key by key, the request's body with
 * it: a bulk request's 5 MB Buffer became millions of entries, and one failed bulk request ran
 * the CLI's heap out (a heap abort instead of one line). The client is made with redaction
 * off (nothing is copied), and every error leaves the transport holding only what the product
 * reads: the answer's body and status, and the node's URL without credentials — no request, no
 * headers, no body.
 */
function leanError(err: unknown): unknown {
  const e = err as { meta?: Diagnostic } | null;
  if (!e || typeof e !== 'object' || !e.meta || typeof e.meta !== 'object') return err;
  const { body, statusCode, meta } = e.meta;
  const url = meta?.connection?.url;
  const node = url instanceof URL ? `${url.origin}${url.pathname}` : typeof url === 'string' ? url : undefined;
  e.meta = {
    body,
    statusCode,
    meta: {
      attempts: meta?.attempts,
      aborted: meta?.aborted,
      connection: node && URL.canParse(node) ? { url: new URL(node) } : null,
    },
  };
  return err;
}

/** Resolves while this process may write, and throws once it may not (a job lock it lost: runs/lock.ts). */
export type WriteFence = () => Promise<void>;
const fences = new WeakMap<object, WriteFence>();

/**
 * From now on every write through this client first waits for `fence` (undefined: no fence):
 * a job frame fences its client with its locks, so a run that lost one writes nothing more,
 * whichever module the write comes from.
 */
export function fenceWrites(client: Client, fence: WriteFence | undefined): void {
  if (fence) fences.set(client.transport, fence);
  else fences.delete(client.transport);
}

/**
 * The request options of a write that is conditional on its own document's version (a lock's
 * heartbeat, a run document): that condition fences it, so it does not wait for the lease
 * (which such a write is how the lease is proved).
 */
export const SELF_FENCED = { context: { selfFenced: true } };

/** Requests that read, whatever their method (searches, counts, multi-gets, points in time, refreshes). */
const READS = /(^|\/)(_search|_count|_mget|_msearch|_pit|_refresh|_field_caps|_search\/scroll)(\/|$)/;

function isWrite(params: { method: string; path: string }): boolean {
  return params.method !== 'GET' && params.method !== 'HEAD' && !READS.test(params.path);
}

/** A fenced bulk body goes out in pieces of this size, each only once the fence has let it. */
const FENCED_CHUNK = 256 * 1024;

/**
 * A bulk body sent piece by piece, each piece only while `fence` holds. A process stopped in the
 * middle of sending a 5 MB body (SIGSTOP, a frozen VM) would otherwise, once resumed, send the
 * rest before any of its own code ran again — the socket's queue is the runtime's — and
 * Elasticsearch would apply writes made under a lock another run holds by then. Cut short, the
 * request is never complete, and Elasticsearch applies none of it.
 */
function fencedBody(body: Buffer, fence: WriteFence): Readable {
  let offset = 0;
  return new Readable({
    highWaterMark: FENCED_CHUNK,
    read() {
      if (offset >= body.length) {
        this.push(null);
        return;
      }
      fence().then(
        () => {
          const end = Math.min(body.length, offset + FENCED_CHUNK);
          const piece = body.subarray(offset, end);
          offset = end;
          this.push(piece);
        },
        (err: unknown) => this.destroy(err as Error),
      );
    },
  });
}

type Request = Parameters<typeof SniffingTransport.prototype.request>;

/**
 * A fenced bulk request: its body streamed under the fence. The transport does not send a
 * streamed body twice, so a dropped connection is retried here, with a fresh stream over the
 * same bytes (on the next node, the transport having marked the last one dead).
 */
async function sendFencedBulk(transport: SniffingTransport, fence: WriteFence, [params, options]: Request) {
  const retries = retriesFor(transport.connectionPool.size);
  for (let attempt = 0; ; attempt++) {
    try {
      const bulkBody = fencedBody(params.bulkBody as Buffer, fence);
      return await send.call(transport, { ...params, bulkBody }, options);
    } catch (err) {
      const dropped = err instanceof errors.ConnectionError && !(err instanceof ConnectionRefusedError);
      if (!dropped || attempt >= retries) throw err;
    }
  }
}

/**
 * A checkpoint, lock or run document written while a queue is full failed the whole run: every
 * request is retried here — except bulk requests, which the bulk writer retries with the same
 * policy itself so that it can count the retried documents in the run's summary. A write waits
 * for the client's fence first (fenceWrites).
 */
class RetryingTransport extends SniffingTransport {}
const send = SniffingTransport.prototype.request;
RetryingTransport.prototype.request = async function retrying(this: SniffingTransport, ...args: Request) {
  try {
    const fence = fences.get(this);
    const fenced = fence && isWrite(args[0]) && !args[1]?.context?.selfFenced ? fence : undefined;
    if (fenced) await fenced();
    if (/(^|\/)_bulk$/.test(args[0].path)) {
      return await (fenced && Buffer.isBuffer(args[0].bulkBody)
        ? sendFencedBulk(this, fenced, args)
        : send.apply(this, args));
    }
    return await retryOn429(() => send.apply(this, args));
  } catch (err) {
    throw leanError(err);
  }
} as typeof send;

/**
 * A refused connection means nothing listens on that node: the transport would retry it with
 * backoff (7–9 s per command before the error showed). Raised under its own name, the
 * transport rethrows it at once; it is still a ConnectionError for everything that reports it.
 */
export class ConnectionRefusedError extends errors.ConnectionError {
  constructor(message: string, meta?: ConstructorParameters<typeof errors.ConnectionError>[1]) {
    super(message, meta, { redaction: { type: 'off', additionalKeys: [] } });
    this.name = 'ConnectionRefusedError';
  }
}

/** The connection of a single-node client: a refusal ends the request instead of being retried. */
class RefusalIsFinalConnection extends UndiciConnection {}
const connect = UndiciConnection.prototype.request;
RefusalIsFinalConnection.prototype.request = async function refusalIsFinal(
  this: UndiciConnection,
  ...args: Parameters<typeof connect>
) {
  try {
    return await connect.apply(this, args);
  } catch (err) {
    if (err instanceof errors.ConnectionError && /\bECONNREFUSED\b/.test(err.message)) {
      // Shaped like the transport's own errors, so reports name the node's URL.
      throw new ConnectionRefusedError(err.message, {
        meta: { connection: { url: this.url } },
      } as ConstructorParameters<typeof errors.ConnectionError>[1]);
    }
    throw err;
  }
} as typeof connect;

/**
 * Several nodes (`ES_URL=http://es1:9200,http://es2:9200`): the client spreads requests over
 * all of them; a node that refuses, resets or drops a connection (or answers 502-504) is marked
 * dead and the request is sent again to the next one, so every node is tried once before the
 * request fails (maxRetries is at least the number of other nodes). A dead node is pinged back
 * to life later by the connection pool.
 */
export function retriesFor(nodes: number): number {
  return Math.max(3, nodes);
}

export function createEsClient(
  config: Pick<Config, 'esNodes' | 'esAuth' | 'esCaCert'> & Partial<Pick<Config, 'esTimeoutMs'>>,
  options: Partial<ClientOptions> = {},
): Client {
  let tls: ClientOptions['tls'];
  if (config.esCaCert) {
    try {
      tls = { ca: readFileSync(config.esCaCert, 'utf8') };
    } catch (err) {
      throw new UsageError(`cannot read ES_CA_CERT ${config.esCaCert}: ${(err as Error).message}`);
    }
  }
  // With several nodes a refused one is marked dead and the request goes to the next.
  const singleNode = config.esNodes.length === 1;
  return new Client({
    Transport: RetryingTransport,
    ...(singleNode ? { Connection: RefusalIsFinalConnection } : {}),
    nodes: [...config.esNodes],
    auth: config.esAuth,
    tls,
    requestTimeout: config.esTimeoutMs ?? TIME_LIMITS.esTimeout.default,
    maxRetries: retriesFor(config.esNodes.length),
    // Nothing copied into errors: leanError keeps what is read of them (above).
    redaction: { type: 'off' },
    ...options,
  });
}
