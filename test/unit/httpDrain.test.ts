/** makeDrainable: idle keep-alive connections close at once, requests in flight finish with Connection: close, the rest is cut at the timeout. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeDrainable } from '../../src/httpDrain';

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

function get(port: number, agent: http.Agent, urlPath: string): { answer: Promise<Answer>; closed: Promise<void> } {
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const answer = new Promise<Answer>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
    req.on('socket', (socket) => socket.once('close', markClosed));
    req.on('error', reject);
  });
  return { answer, closed };
}

async function serverWith(handler: http.RequestListener) {
  const server = http.createServer(handler);
  const drainable = makeDrainable(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, drainable, port: (server.address() as AddressInfo).port };
}

test('drain: idle connections close at once, the request in flight is answered with Connection: close, then it resolves', async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const slowStarted = new Promise<void>((resolve) => (started = resolve));
  const { server, drainable, port } = await serverWith((req, res) => {
    if (req.url === '/slow') {
      started();
      void released.then(() => res.end('slow done'));
    } else res.end('ok');
  });
  const idle = get(port, new http.Agent({ keepAlive: true }), '/fast');
  expect(await idle.answer).toEqual({ status: 200, connection: 'keep-alive', body: 'ok' });
  const slow = get(port, new http.Agent({ keepAlive: true }), '/slow');
  await slowStarted;

  const drained = drainable.drain(10000);
  expect(drainable.drain(10000)).toBe(drained); // one drain, whoever asks
  await idle.closed;
  expect(server.listening).toBe(false);
  release();
  expect(await slow.answer).toEqual({ status: 200, connection: 'close', body: 'slow done' });
  await slow.closed;
  expect(await drained).toEqual({ cut: 0 });
});

test('drain: a request still running at the timeout is cut off', async () => {
  let started!: () => void;
  const hangStarted = new Promise<void>((resolve) => (started = resolve));
  const { drainable, port } = await serverWith(() => started()); // never answers
  const hanging = get(port, new http.Agent({ keepAlive: true }), '/hang');
  const outcome = hanging.answer.then(
    () => 'answered',
    (error: NodeJS.ErrnoException) => error.code,
  );
  await hangStarted;
  expect(await drainable.drain(50)).toEqual({ cut: 1 });
  expect(await outcome).toBe('ECONNRESET');
});
