/** The one place an Elasticsearch client is made. */
import { readFileSync } from 'node:fs';
import { Client, SniffingTransport, type ClientOptions } from '@elastic/elasticsearch';
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
  return new Client({
    Transport: RetryingTransport,
    nodes: [...config.esNodes],
    auth: config.esAuth,
    tls,
    requestTimeout: 60_000,
    maxRetries: retriesFor(config.esNodes.length),
    ...options,
  });
}
