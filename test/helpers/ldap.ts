/**
 * A real OpenLDAP server for tests: Debian's `slapd` (installed by .ci/run) with a temporary
 * slapd.conf, an mdb database in a temporary directory, and the memberof overlay, listening on
 * 127.0.0.1 and a free port.
 *
 * `startLdapServer()` writes the configuration, starts `/usr/sbin/slapd -d 0` as a child process
 * (in the foreground, so the child is the server; it runs as whoever runs the tests, root in CI),
 * waits until it accepts a bind, and loads the directory below with ldapts as the root DN (so the
 * memberof overlay fills `memberOf`). `server.stop()` kills it and removes the directory; always
 * `await server.stop()` in `afterAll`. `server.restart()` starts it again on the same port with the
 * same data (after `stop({ keepData: true })`).
 *
 * Access: `userPassword` is only usable for binds; everything else is readable by bound users
 * only, so an anonymous search finds nothing. The service account `LDAP_SERVICE` may search. A
 * bind with a user's DN and an empty password succeeds as an unauthenticated bind (`allow
 * bind_anon_dn`), as on many directories.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';

export const SLAPD = ['/usr/sbin/slapd', '/usr/local/libexec/slapd'].find((p) => fs.existsSync(p)) ?? '/usr/sbin/slapd';
export const BASE_DN = 'dc=roster,dc=test';
export const USERS_DN = `ou=people,${BASE_DN}`;
export const GROUPS_DN = `ou=groups,${BASE_DN}`;
export const ROOT_DN = `cn=admin,${BASE_DN}`;
export const ROOT_PASSWORD = 'root-Pa55-7e5t';
export const LDAP_SERVICE = { dn: `cn=roster,ou=services,${BASE_DN}`, password: 'service-Pa55-7e5t' } as const;

export interface DirectoryUser {
  uid: string;
  cn: string;
  mail?: string;
  password: string;
  /** Parent entry (default ou=people). */
  ou?: string;
}

/** The people of the test directory. */
export const PEOPLE: Record<string, DirectoryUser> = {
  alice: { uid: 'alice', cn: 'Alice Liddell', mail: 'alice@example.org', password: 'alice-Pa55' },
  bob: { uid: 'bob', cn: 'Bob Builder', mail: 'bob@example.org', password: 'bob-Pa55-w0rd' },
  carol: { uid: 'carol', cn: 'Carol Invalid', mail: 'not an address', password: 'carol-Pa55' },
  dave: { uid: 'dave', cn: 'Dave Nomail', password: 'dave-Pa55' },
  'o\'brien*(x)': { uid: 'o\'brien*(x)', cn: 'Special Characters', mail: 'ob@example.org', password: 'special-Pa55' },
  'jürgen': { uid: 'jürgen', cn: 'Jürgen Müller', mail: 'jm@example.org', password: 'jürgen-Pa55' },
  erin: { uid: 'erin', cn: 'Erin Admin', mail: 'erin@example.org', password: 'erin-Pa55' },
  /** Two entries share this uid (in two organisational units). */
  twin: { uid: 'twin', cn: 'Twin One', password: 'twin-Pa55' },
};
const TWIN_TWO: DirectoryUser = { uid: 'twin', cn: 'Twin Two', password: 'twin-Pa55', ou: 'ou=contractors' };

/** Groups (groupOfNames) and their members' uids. */
export const GROUPS: Record<string, string[]> = {
  developers: ['alice', 'bob'],
  admin: ['erin'],
  operators: ['alice'],
};

export const userDn = (uid: string, ou = 'ou=people') => `uid=${escapeDnValue(uid)},${ou},${BASE_DN}`;
export const groupDn = (cn: string) => `cn=${escapeDnValue(cn)},${GROUPS_DN}`;

/** RFC 4514 escaping of an attribute value in a DN. */
function escapeDnValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]/, (c) => `\\${c}`).replace(/ $/, '\\ ');
}

/** {SSHA} of a password, as slappasswd would write it. */
export function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(Buffer.from(password, 'utf8')).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

export interface LdapServer {
  url: string;
  port: number;
  /** With `tls`: the `ldaps://` listener, and the self-signed certificate (PEM file) to trust. */
  ldapsUrl?: string;
  certificateFile?: string;
  /** Environment for startTestApp: URL, service bind, base DN (default filter and attributes). */
  env: Record<string, string>;
  /** Stops slapd; with keepData the directory stays for restart(). */
  stop(options?: { keepData?: boolean }): Promise<void>;
  restart(): Promise<void>;
  /** Adds or changes entries as the root DN. */
  admin<T>(task: (client: Client) => Promise<T>): Promise<T>;
  /** What slapd wrote on stderr. */
  stderr(): string;
}

export function slapdInstalled(): boolean {
  return fs.existsSync(SLAPD);
}

/** A port on 127.0.0.1 that nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function slapdConf(dir: string, tls: boolean): string {
  return [
    ...(tls ? [`TLSCertificateFile ${dir}/cert.pem`, `TLSCertificateKeyFile ${dir}/key.pem`] : []),
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    'include /etc/ldap/schema/nis.schema',
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload memberof',
    `pidfile ${dir}/slapd.pid`,
    `argsfile ${dir}/slapd.args`,
    'loglevel none',
    // like many directories, accept an unauthenticated bind (a DN with an empty password, RFC 4513
    // §5.1.2) as a successful bind: Roster must never send one for a login
    'allow bind_anon_dn',
    'database mdb',
    'maxsize 16777216',
    `suffix "${BASE_DN}"`,
    `rootdn "${ROOT_DN}"`,
    `rootpw ${ROOT_PASSWORD}`,
    `directory ${dir}/db`,
    'overlay memberof',
    'access to attrs=userPassword by self write by anonymous auth by * none',
    'access to * by users read by * none',
    '',
  ].join('\n');
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error(`slapd exited before ${what}`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`slapd: no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function rootBindWorks(url: string): Promise<boolean> {
  const client = new Client({ url, connectTimeout: 500, timeout: 1000 });
  try {
    await client.bind(ROOT_DN, ROOT_PASSWORD);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => {});
  }
}

async function load(client: Client): Promise<void> {
  const ou = (name: string) => client.add(`ou=${name},${BASE_DN}`, { objectClass: 'organizationalUnit', ou: name });
  await client.add(BASE_DN, { objectClass: ['dcObject', 'organization'], dc: 'roster', o: 'Roster tests' });
  for (const name of ['people', 'contractors', 'groups', 'services']) await ou(name);
  await client.add(LDAP_SERVICE.dn, {
    objectClass: ['organizationalRole', 'simpleSecurityObject'],
    cn: 'roster',
    userPassword: ssha(LDAP_SERVICE.password),
  });
  for (const user of [...Object.values(PEOPLE), TWIN_TWO]) {
    await client.add(userDn(user.uid, user.ou), {
      objectClass: ['inetOrgPerson'],
      uid: user.uid,
      cn: user.cn,
      sn: user.cn.split(' ').pop() ?? user.cn,
      ...(user.mail ? { mail: user.mail } : {}),
      userPassword: ssha(user.password),
    });
  }
  for (const [cn, members] of Object.entries(GROUPS)) {
    await client.add(groupDn(cn), { objectClass: 'groupOfNames', cn, member: members.map((uid) => userDn(uid)) });
  }
}

/** A self-signed certificate for 127.0.0.1 (and localhost), valid for a day, made by openssl. */
function selfSignedCertificate(dir: string): void {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
}

/**
 * Starts slapd. With `tls`, it also has a self-signed certificate (StartTLS on the `ldap://`
 * listener) and an `ldaps://` listener; a verifying client must be told to trust `certificateFile`.
 */
export async function startLdapServer(options: { tls?: boolean } = {}): Promise<LdapServer> {
  if (!slapdInstalled()) throw new Error(`${SLAPD} is missing: install slapd (apt-get install slapd; .ci/run does)`);
  const tls = options.tls ?? false;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-slapd-'));
  fs.mkdirSync(path.join(dir, 'db'));
  if (tls) selfSignedCertificate(dir);
  const conf = path.join(dir, 'slapd.conf');
  fs.writeFileSync(conf, slapdConf(dir, tls));
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = tls ? `ldaps://127.0.0.1:${await freePort()}` : undefined;
  let child: ChildProcess | null = null;
  let exited = true;
  let err = '';

  async function start(): Promise<void> {
    const listeners = [url, ...(ldapsUrl ? [ldapsUrl] : [])].map((u) => `${u}/`).join(' ');
    const proc = spawn(SLAPD, ['-f', conf, '-h', listeners, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    exited = false;
    // a test process that dies without afterAll must not leave slapd running
    const killOnExit = () => proc.kill('SIGKILL');
    process.once('exit', killOnExit);
    proc.once('exit', () => {
      exited = true;
      process.removeListener('exit', killOnExit);
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    try {
      await until(() => rootBindWorks(url), 15000, 'answer', () => exited);
    } catch (error) {
      proc.kill('SIGKILL');
      throw new Error(`${(error as Error).message}:\n${err}`);
    }
  }

  async function stopChild(): Promise<void> {
    const proc = child;
    if (!proc || exited) return;
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }

  async function admin<T>(task: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ url, connectTimeout: 2000, timeout: 5000 });
    try {
      await client.bind(ROOT_DN, ROOT_PASSWORD);
      return await task(client);
    } finally {
      await client.unbind().catch(() => {});
    }
  }

  try {
    await start();
    await admin(load);
  } catch (error) {
    await stopChild();
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    port,
    ...(tls ? { ldapsUrl, certificateFile: path.join(dir, 'cert.pem') } : {}),
    env: {
      LDAP_URL: url,
      LDAP_BIND_DN: LDAP_SERVICE.dn,
      LDAP_BIND_PASSWORD: LDAP_SERVICE.password,
      LDAP_USER_BASE_DN: BASE_DN,
      LDAP_TIMEOUT_MS: '3000',
    },
    async stop({ keepData = false } = {}) {
      await stopChild();
      if (!keepData) fs.rmSync(dir, { recursive: true, force: true });
    },
    restart: start,
    admin,
    stderr: () => err,
  };
}

export interface SilentServer {
  url: string;
  /** Connections accepted so far, and open now. */
  connections: { total: number; open: number };
  close(): Promise<void>;
}

/**
 * A TCP server that reads whatever it is sent and never answers (an LDAP server that hangs): a
 * client can only time out. Reading keeps the sockets flowing, so a client's close is noticed.
 */
export async function startSilentLdapServer(): Promise<SilentServer> {
  const connections = { total: 0, open: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.total += 1;
    connections.open += 1;
    sockets.add(socket);
    socket.resume();
    socket.on('error', () => {});
    socket.once('close', () => {
      connections.open -= 1;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `ldap://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        sockets.forEach((socket) => socket.destroy());
      }),
  };
}
