/** The one place an Elasticsearch client is made. */
import { readFileSync } from 'node:fs';
import { Client, SniffingTransport, UndiciConnection, errors, type ClientOptions } from '@elastic/elasticsearch';
import type { Config } from '../config/config';
import { UsageError } from '../errors';

/** Retries of a request refused with 429, and the first wait (doubling, at most 30 s). */
const RETRIES_ON_429 = 6;
const FIRST_WAIT_MS = 500;

/**
 * Elasticsearch answers 429 when a node's queue is full, and the client retries only 502-504:
 * a checkpoint, lock or run document written at that moment failed the whole run. Every request
 * is retried here with backoff — except bulk requests, which writeBulk retries itself so that it
 * can count the retried documents in the run's summary.
 */
class RetryingTransport extends SniffingTransport {}
const send = SniffingTransport.prototype.request;
RetryingTransport.prototype.request = async function retryOn429(this: SniffingTransport, ...args: Parameters<typeof send>) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send.apply(this, args);
    } catch (err) {
      const bulk = /(^|\/)_bulk$/.test(args[0].path);
      if ((err as { statusCode?: number }).statusCode !== 429 || bulk || attempt >= RETRIES_ON_429) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, FIRST_WAIT_MS * 2 ** attempt)));
    }
  }
} as typeof send;

/**
 * A refused connection means nothing listens on that node: the transport would retry it with
 * backoff (7–9 s per command before the error showed). Raised under its own name, the
 * transport rethrows it at once; it is still a ConnectionError for everything that reports it.
 */
export class ConnectionRefusedError extends errors.ConnectionError {
  constructor(message: string, meta?: ConstructorParameters<typeof errors.ConnectionError>[1]) {
    super(message, meta);
    this.name = 'ConnectionRefusedError';
  }
}

/** The connection of a single-node client: a refusal ends the request instead of being retried. */
class RefusalIsFinalConnection extends UndiciConnection {}
const connect = UndiciConnection.prototype.request;
RefusalIsFinalConnection.prototype.request = async function refusalIsFinal(this: UndiciConnection, ...args: Parameters<typeof connect>) {
  try {
    return await connect.apply(this, args);
  } catch (err) {
    if (err instanceof errors.ConnectionError && /\bECONNREFUSED\b/.test(err.message)) {
      // Shaped like the transport's own errors, so reports name the node's URL.
      throw new ConnectionRefusedError(err.message, { meta: { connection: this } } as ConstructorParameters<typeof errors.ConnectionError>[1]);
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

export function createEsClient(config: Pick<Config, 'esNodes' | 'esAuth' | 'esCaCert'>, options: Partial<ClientOptions> = {}): Client {
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
    requestTimeout: 60_000,
    maxRetries: retriesFor(config.esNodes.length),
    ...options,
  });
}
