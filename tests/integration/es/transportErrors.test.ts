/**
 * A failed request must cost nothing like the body it carried. The client's error constructors
 * redact their diagnostic by copying it key by key (Object.entries), a bulk request's ~5 MB body
 * Buffer included: one failed bulk request ran a 256 MB heap out of memory (a heap abort, exit
 * 134) whatever the failure — an error answer, a timeout, a dropped connection. Each case runs in
 * a node of its own with the heap the CLI runs with (bin/earlypay), through the product's client.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { ES_URL } from '../../support';

const REPO = join(__dirname, '..', '..', '..');

/** Posts a 5 MB bulk body through createEsClient to `url` in a 256 MB node; what it printed, and its exit. */
function postBulkIn256Mb(url: string): Promise<{ code: number | null; out: string }> {
  const script = `
    const { createEsClient } = require('./src/core/es/client');
    const client = createEsClient(
      { esNodes: [${JSON.stringify(url)}], esAuth: { username: 'u', password: 'secret-pw' } },
      { requestTimeout: 2000, maxRetries: 0 },
    );
    const bulkBody = Buffer.alloc(5e6, 'x');
    client.transport.request({ method: 'POST', path: '/_bulk', bulkBody })
      .then(() => console.log('answered'), (err) => {
        console.log(err.name, err.meta?.statusCode || '', err.meta?.meta?.connection?.url?.href ?? '');
        console.log(JSON.stringify(err.meta ?? {}).length < 100000 ? 'small' : 'large');
        console.log(JSON.stringify(err.meta ?? {}).includes('secret-pw') ? 'secret' : 'no secret');
      })
      .finally(() => client.close());`;
  const child = spawn(
    process.execPath,
    ['--max-old-space-size=256', '-r', 'ts-node/register/transpile-only', '-e', script],
    { cwd: REPO, env: { ...process.env, TS_NODE_PROJECT: join(REPO, 'tsconfig.json') } },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

/** A peer that accepts connections and then says nothing (a frozen server), or drops each one at once. */
async function peer(behaviour: 'silent' | 'drop'): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    // Read the request so the client has sent it all, then answer nothing or hang up.
    socket.on('data', () => (behaviour === 'drop' ? socket.destroy() : undefined));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('a failed request with a 5 MB bulk body, in the heap the CLI runs with', () => {
  it('an error answer (400) is an error, not a heap abort; its diagnostic is small and holds no secret', async () => {
    const r = await postBulkIn256Mb(ES_URL);
    expect(r.out).toMatch(/^ResponseError 400 http:\/\/127\.0\.0\.1:\d+\/\nsmall\nno secret\n$/);
    expect(r.code).toBe(0);
  }, 60_000);

  it('a server that never answers times out as an error, not a heap abort', async () => {
    const frozen = await peer('silent');
    try {
      const r = await postBulkIn256Mb(frozen.url);
      expect(r.out).toMatch(/^TimeoutError {2}http:\/\/127\.0\.0\.1:\d+\/\nsmall\nno secret\n$/);
      expect(r.code).toBe(0);
    } finally {
      await frozen.close();
    }
  }, 60_000);

  it('a dropped connection is an error, not a heap abort', async () => {
    const dropping = await peer('drop');
    try {
      const r = await postBulkIn256Mb(dropping.url);
      expect(r.out).toMatch(/^ConnectionError {2}http:\/\/127\.0\.0\.1:\d+\/\nsmall\nno secret\n$/);
      expect(r.code).toBe(0);
    } finally {
      await dropping.close();
    }
  }, 60_000);
});
