/**
 * The product's one bulk writer (es/bulkWrite.ts) on a real Elasticsearch: segments sealed while
 * the next is appended, each answered with its own outcomes; a ready body sent the moment a
 * request ends; never more than `concurrency` requests in flight; a failed request fails its
 * segment and what comes after it. Refusals are sorted by cause: only a document's own (400)
 * is returned as refused; a write block, a missing index and the like fail the request.
 */
import { Client } from '@elastic/elasticsearch';
import { BulkWriter, type BulkOp } from '../../../src/core/es/bulkWrite';
import { ES_URL, uniqueName } from '../../support';

const es = new Client({ node: ES_URL });
const index = uniqueName('bulkwriter');

/** Bulk requests of a client: how many were sent, answered, and the most in flight at once. */
function watchBulks(client: Client): { sent: number; answered: number; maxInFlight: number } {
  const seen = { sent: 0, answered: 0, maxInFlight: 0 };
  client.diagnostic.on('request', (_err, ev) => {
    if (!ev?.meta.request.params.path.startsWith('/_bulk')) return;
    seen.sent++;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.sent - seen.answered);
  });
  client.diagnostic.on('response', (_err, ev) => {
    if (ev?.meta.request.params.path.startsWith('/_bulk')) seen.answered++;
  });
  return seen;
}

/** Index ops of documents of about `bytes` bytes each, ids `<from>`..`<from + n - 1>`, at an external version. */
function docs(from: number, n: number, version = 1, bytes = 2_000): BulkOp[] {
  return Array.from(
    { length: n },
    (_, i) =>
      ({
        kind: 'index',
        index,
        id: String(from + i),
        doc: { n: from + i, pad: 'x'.repeat(bytes) },
        version,
        versionType: 'external_gte',
      }) as const,
  );
}

beforeAll(async () => {
  await es.indices.create({
    index,
    mappings: {
      dynamic: 'strict',
      properties: { n: { type: 'integer' }, pad: { type: 'keyword', index: false, doc_values: false } },
    },
  });
});

afterAll(async () => {
  await es.indices.delete({ index }, { ignore: [404] });
  await es.close();
});

describe('BulkWriter', () => {
  it(
    'seals segments while the next is appended: each answers ' + 'with its own outcomes, once all its requests have',
    async () => {
      // Two documents a body (flushBytes below two of them): segment A is 10 bodies.
      const client = new Client({ node: ES_URL });
      const bulks = watchBulks(client);
      const writer = new BulkWriter(client, { concurrency: 2, flushBytes: 3_000, requireAlias: false });
      writer.append(docs(0, 19));
      // A mapping refusal (a field the strict mapping has not) and a stale version (superseded).
      writer.append([
        { kind: 'index', index, id: 'refused', doc: { unknown: 1 }, version: 1, versionType: 'external_gte' },
      ]);
      const a = writer.seal();
      // B is appended before A is answered: its own documents, one older than A's, a delete of one that is not there.
      writer.append(docs(100, 6));
      writer.append([
        { kind: 'index', index, id: '0', doc: { n: -1, pad: '' }, version: 0, versionType: 'external' },
        { kind: 'delete', index, id: 'never-written' },
      ]);
      const b = writer.seal();
      const [ra, rb] = await Promise.all([a, b]);
      expect(ra).toMatchObject({ written: 19, superseded: 0, alreadyGone: 0, retried: 0 });
      expect(ra.refused).toEqual([
        expect.objectContaining({ index: expect.stringContaining(index), id: 'refused', status: 400 }),
      ]);
      expect(rb).toMatchObject({ written: 6, superseded: 1, alreadyGone: 1, refused: [] });
      // 20 ops in A (10 bodies) and 8 in B (a body of two for each two docs), two requests at most in flight.
      expect(bulks.answered).toBe(bulks.sent);
      expect(bulks.sent).toBeGreaterThanOrEqual(14);
      expect(bulks.maxInFlight).toBe(2);
      await es.indices.refresh({ index });
      expect((await es.count({ index })).count).toBe(25);
      expect((await es.get<{ n: number }>({ index, id: '0' }))._source!.n).toBe(0);
      await client.close();
    },
  );

  it(
    'drain waits only while more than one full body waits for a request; a ready body is sent when a request ends, ' +
      'without the caller',
    async () => {
      const client = new Client({ node: ES_URL });
      const bulks = watchBulks(client);
      const writer = new BulkWriter(client, { concurrency: 1, flushBytes: 3_000, requireAlias: false });
      // Four full bodies: one sent at once, three ready.
      writer.append(docs(200, 8));
      await writer.drain();
      // drain came back once one body was left waiting: when the second request was answered
      // (which sent the third); the fourth goes when the third is answered, with nobody calling.
      expect(bulks.answered).toBe(2);
      const deadline = Date.now() + 30_000;
      while (bulks.answered < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(bulks).toMatchObject({ sent: 4, answered: 4, maxInFlight: 1 });
      expect(await writer.seal()).toMatchObject({ written: 8, refused: [] });
      await client.close();
    },
  );

  it('a request that fails fails its segment, every one after it, and drain', async () => {
    // Nothing listens on port 1: the request fails at once (a refused connection is not retried).
    const client = new Client({ node: 'http://127.0.0.1:1', maxRetries: 0 });
    const writer = new BulkWriter(client, { concurrency: 2, flushBytes: 3_000 });
    writer.append(docs(300, 4));
    const a = writer.seal();
    writer.append(docs(400, 2));
    const b = writer.seal();
    await Promise.all([expect(a).rejects.toThrow(/ECONNREFUSED/), expect(b).rejects.toThrow(/ECONNREFUSED/)]);
    writer.append(docs(500, 4));
    await expect(writer.drain()).rejects.toThrow(/ECONNREFUSED/);
    await client.close();
  });

  it('a write block fails the request (never a refusal of the documents), and the segments after it', async () => {
    const client = new Client({ node: ES_URL });
    await es.indices.putSettings({ index, settings: { 'index.blocks.write': true } });
    try {
      const writer = new BulkWriter(client, { concurrency: 2, flushBytes: 3_000, requireAlias: false });
      writer.append(docs(600, 4));
      const a = writer.seal();
      writer.append(docs(700, 2));
      const b = writer.seal();
      const failed = await a.then(
        () => undefined,
        (err: unknown) => err as { message: string; hint?: string },
      );
      expect(failed?.message).toMatch(/^Elasticsearch refused a write \(403\) to .*: cluster_block_exception/);
      expect(failed?.hint).toMatch(/a block stops writes to .*: lift it and re-run/);
      await expect(b).rejects.toThrow(/cluster_block_exception/);
    } finally {
      await es.indices.putSettings({ index, settings: { 'index.blocks.write': false } });
      await client.close();
    }
  });

  it(
    'a write to a name that is not an alias fails: ' + 'Elasticsearch never makes up an index with dynamic mappings',
    async () => {
      const client = new Client({ node: ES_URL });
      const missing = uniqueName('bulkwriter-missing');
      const writer = new BulkWriter(client, { concurrency: 1, flushBytes: 3_000 });
      writer.append([{ kind: 'index', index: missing, id: '1', doc: { n: 1 } }]);
      await expect(writer.seal()).rejects.toThrow(/\(404\) to .*index_not_found_exception/);
      expect(await es.indices.exists({ index: missing })).toBe(false);
      await client.close();
    },
  );

  it(
    'abort fails the segments not answered and aborts ' + 'the requests in flight instead of waiting for them',
    async () => {
      const client = new Client({ node: ES_URL });
      const bulks = watchBulks(client);
      const writer = new BulkWriter(client, { concurrency: 2, flushBytes: 3_000, requireAlias: false });
      writer.append(docs(800, 40));
      const a = writer.seal();
      writer.abort(new Error('a failure elsewhere'));
      await expect(a).rejects.toThrow('a failure elsewhere');
      await expect(writer.drain()).rejects.toThrow('a failure elsewhere');
      // Two requests at most were sent; nothing after the abort.
      expect(bulks.sent).toBeLessThanOrEqual(2);
      writer.append(docs(900, 4));
      await expect(writer.seal()).rejects.toThrow('a failure elsewhere');
      expect(bulks.sent).toBeLessThanOrEqual(2);
      await client.close();
    },
  );
});
