/**
 * HTTP at the byte level, for answers written piece by piece: one POST on its own socket, and the
 * answer as it came (status, headers, the chunks of a chunked body, whether the body was complete).
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';

export interface RawAnswer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Chunked bodies: the payload of every chunk, in order; otherwise the whole body as one. */
  chunks: Buffer[];
  /** The body joined. */
  body: Buffer;
  /** A chunked body ended with its last (empty) chunk; a Content-Length body has all its bytes. */
  complete: boolean;
}

export interface Listening {
  port: number;
  close(): Promise<void>;
}

export async function listen(app: RequestListener): Promise<Listening> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The request bytes of a POST with a JSON body (Connection: close, so the answer ends the socket). */
export function postRequest(path: string, body: string, headers: Record<string, string> = {}): string {
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Parses what a socket received (possibly cut off). */
export function parseAnswer(raw: Buffer): RawAnswer {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd < 0) return { status: 0, headers: {}, chunks: [], body: Buffer.alloc(0), complete: false };
  const [statusLine, ...headerLines] = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(statusLine.split(' ')[1]);
  let rest = raw.subarray(headEnd + 4);
  if (headers['transfer-encoding'] !== 'chunked') {
    const length = Number(headers['content-length'] ?? rest.length);
    return { status, headers, chunks: [rest], body: rest, complete: rest.length === length };
  }
  const chunks: Buffer[] = [];
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd < 0) break;
    const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
    if (size === 0) return { status, headers, chunks, body: Buffer.concat(chunks), complete: true };
    if (rest.length < lineEnd + 2 + size + 2) break;
    chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
  return { status, headers, chunks, body: Buffer.concat(chunks), complete: false };
}

/** Sends `request` on a new socket and collects everything until the server closes it. */
export function rawExchange(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (data) => received.push(data));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // a server that cuts the connection may reset it: what came until then is the answer
      if (error.code === 'ECONNRESET') return;
      reject(error);
    });
    socket.on('close', () => resolve(parseAnswer(Buffer.concat(received))));
    socket.write(request);
  });
}

/** Sends `request` on a new socket and hands the socket over (to read slowly, or not at all, or to cut). */
export function openExchange(port: number, request: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(request);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
