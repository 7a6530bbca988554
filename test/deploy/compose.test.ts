/**
 * Deployment files without a Docker engine: docker-compose.yml is parsed and validated against the
 * official Compose specification schema (test/fixtures/compose-spec.json), its services are checked
 * against Roster's configuration, and the Dockerfile is parsed for its stages, user, health check
 * and command. The health check command itself runs against the compiled service.
 * (Database-independent: each project runs it once on an in-memory embedded database.)
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Ajv, { type AnySchemaObject } from 'ajv';
import { parseDocument } from 'yaml';
import { configAliases, configSchema } from '../../schemas/config';
import { loadConfig } from '../../src/config';
import { MAIN, startRoster } from '../helpers/process';

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

const CONFIG_NAMES = new Set<string>([...Object.keys(configSchema.properties), ...Object.keys(configAliases)]);
const COMMAND = ['node', 'dist/src/main.js'];

// ---------------------------------------------------------------------------------------------
// Compose

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: unknown;
  ports?: Array<string | number | { target: number | string; published?: number | string }>;
  volumes?: Array<string | { type: string; source?: string; target: string }>;
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test: string | string[]; interval?: string; timeout?: string; retries?: number; start_period?: string; disable?: boolean };
  restart?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

function loadCompose(text: string): ComposeFile {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('\n'));
  if (doc.warnings.length) throw new Error(doc.warnings.map((w) => w.message).join('\n'));
  return doc.toJS() as ComposeFile;
}

function composeValidator() {
  const schema = JSON.parse(read('test/fixtures/compose-spec.json')) as AnySchemaObject;
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The spec names draft-07 by its https URL; Ajv knows the meta-schema by its http id. Register the
  // same meta-schema under that URL, so the vendored schema is itself validated as draft-07.
  const draft07 = JSON.parse(fs.readFileSync(require.resolve('ajv/dist/refs/json-schema-draft-07.json'), 'utf8')) as AnySchemaObject;
  if (schema.$schema !== draft07.$id) ajv.addMetaSchema({ ...draft07, $id: schema.$schema as string });
  return ajv.compile(schema);
}

/** The environment of a service as name → raw value (before interpolation). */
function environmentOf(service: Service): Record<string, string> {
  const env: Record<string, string> = {};
  const { environment } = service;
  if (Array.isArray(environment)) {
    for (const entry of environment) {
      const eq = entry.indexOf('=');
      env[eq < 0 ? entry : entry.slice(0, eq)] = eq < 0 ? '' : entry.slice(eq + 1);
    }
  } else {
    for (const [name, value] of Object.entries(environment ?? {})) env[name] = value === null ? '' : String(value);
  }
  return env;
}

const INTERPOLATION = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Names a value interpolates (`${VAR…}` and `$VAR`; `$$` is a literal dollar). */
function interpolatedNames(value: string): string[] {
  return [...value.matchAll(INTERPOLATION)].filter((m) => m[0] !== '$$').map((m) => m[1] ?? m[4]);
}

/** Compose's interpolation (not nested) against `vars`, as `docker compose config` would resolve it. */
function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(INTERPOLATION, (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    const v = vars[name];
    const unset = op?.startsWith(':') ? v === undefined || v === '' : v === undefined;
    switch (op?.replace(':', '')) {
      case '-':
        return unset ? arg! : v!;
      case '?':
        if (unset) throw new Error(`${name}: ${arg || 'required'}`);
        return v!;
      case '+':
        return unset ? '' : arg!;
      default:
        return v ?? '';
    }
  });
}

function resolvedEnvironment(service: Service, vars: Record<string, string | undefined> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(environmentOf(service)).map(([name, value]) => [name, interpolate(value, vars)]));
}

/** Short port syntax `[HOST_IP:]PUBLISHED:TARGET[/PROTOCOL]` or the long form, as {published, target}. */
function portMappings(service: Service): Array<{ published?: string; target: string }> {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return { published: port.published === undefined ? undefined : String(port.published), target: String(port.target) };
    const parts = String(port).replace(/\/(tcp|udp)$/, '').split(':');
    return { published: parts.length > 1 ? parts[parts.length - 2] : undefined, target: parts[parts.length - 1] };
  });
}

/** Named volumes a service mounts (short `name:/path[:mode]` or long `type: volume`). */
function namedVolumes(service: Service): string[] {
  return (service.volumes ?? []).flatMap((volume) => {
    if (typeof volume === 'object') return volume.type === 'volume' && volume.source ? [volume.source] : [];
    const source = volume.split(':')[0];
    return volume.includes(':') && !/^[./~]/.test(source) ? [source] : [];
  });
}

function healthcheckCommand(service: Service): string[] {
  const test = service.healthcheck?.test;
  if (typeof test === 'string') return ['CMD-SHELL', test];
  return test ?? [];
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Instructions of a Dockerfile: comments dropped, line continuations joined, numbered by stage. */
function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*#/.test(line)) continue; // comments (and parser directives), also inside continuations
    if (current === '' && line.trim() === '') continue;
    if (/\\\s*$/.test(line)) {
      current += `${line.replace(/\\\s*$/, '')} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  if (current.trim()) logical.push(current);
  let stage = -1;
  return logical.map((line) => {
    const match = /^\s*(\S+)\s*(.*)$/.exec(line)!;
    const keyword = match[1].toUpperCase();
    if (keyword === 'FROM') stage += 1;
    return { keyword, args: match[2].trim(), stage };
  });
}

/** `["a", "b"]` (exec form) as an array; the shell form as undefined. */
function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed = JSON.parse(args) as unknown;
  return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
}

/** `ENV A=1 B=2` (or the legacy `ENV A 1`) as name → value. */
function envInstruction(args: string): Record<string, string> {
  const pairs = [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)];
  if (pairs.length === 0) {
    const [name, ...rest] = args.split(/\s+/);
    return { [name]: rest.join(' ') };
  }
  return Object.fromEntries(pairs.map(([, name, value]) => [name, value.startsWith('"') ? (JSON.parse(value) as string) : value]));
}

/** HEALTHCHECK [options] CMD … → the command in the exec form Compose's `test` uses (`CMD`, …). */
function dockerHealthcheck(args: string): { options: string; test: string[] } {
  const at = args.search(/(^|\s)CMD(\s|\[)/);
  expect(at).toBeGreaterThanOrEqual(0);
  const options = args.slice(0, at).trim();
  const command = args.slice(at).trim().replace(/^CMD\s*/, '');
  const exec = execForm(command);
  return { options, test: exec ? ['CMD', ...exec] : ['CMD-SHELL', command] };
}

// ---------------------------------------------------------------------------------------------

const compose = loadCompose(read('docker-compose.yml'));
const instructions = parseDockerfile(read('Dockerfile'));
const stages = instructions.filter((i) => i.keyword === 'FROM');
const finalStage = stages.length - 1;
const final = instructions.filter((i) => i.stage === finalStage);
const lastOf = (keyword: string, list = final) => [...list].reverse().find((i) => i.keyword === keyword);

describe('docker-compose.yml', () => {
  test('is valid against the official Compose specification schema', () => {
    const validate = composeValidator();
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The schema is not vacuous: a wrong condition and an unknown service key are refused.
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.roster.depends_on = { postgres: { condition: 'service_ready' } };
    broken.services.roster.healthcheck_url = '/healthz';
    expect(validate(broken)).toBe(false);
    expect(validate.errors!.map((e) => e.instancePath)).toEqual(expect.arrayContaining(['/services/roster', '/services/roster/depends_on/postgres/condition']));
  });

  test('services: postgres 16, roster built from this repository, mailpit', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['mailpit', 'postgres', 'roster']);
    expect(compose.services.postgres.image).toMatch(/^postgres:16(\.|-|$)/);
    expect(compose.services.roster.build).toBe('.');
    expect(compose.services.roster.image).toBeUndefined();
    expect(compose.services.mailpit.image).toMatch(/^axllent\/mailpit(:|$)/);
    for (const name of ['postgres', 'roster', 'mailpit']) expect(compose.services[name].restart).toMatch(/^(always|unless-stopped|on-failure(:\d+)?)$/);
  });

  test('postgres: credentials from POSTGRES_USER/PASSWORD/DB, data on a declared named volume, pg_isready health check', () => {
    const postgres = compose.services.postgres;
    expect(Object.keys(environmentOf(postgres)).sort()).toEqual(['POSTGRES_DB', 'POSTGRES_PASSWORD', 'POSTGRES_USER']);
    const [volume] = namedVolumes(postgres);
    expect(postgres.volumes).toContain(`${volume}:/var/lib/postgresql/data`);
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
    const check = healthcheckCommand(postgres);
    expect(check[0]).toBe('CMD-SHELL');
    expect(check.join(' ')).toMatch(/\bpg_isready\b/);
    expect(postgres.ports).toBeUndefined(); // reachable on the compose network only
  });

  test('roster: starts when postgres is healthy, publishes 8080, health check on /healthz like the Dockerfile', () => {
    const roster = compose.services.roster;
    expect(roster.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });
    expect(portMappings(roster)).toContainEqual({ published: '8080', target: '8080' });
    const check = healthcheckCommand(roster);
    expect(check.join(' ')).toContain('/healthz');
    expect(check).toEqual(dockerHealthcheck(lastOf('HEALTHCHECK')!.args).test);
    expect(roster.healthcheck!.disable).toBeUndefined();
  });

  test('roster: stop_grace_period leaves room for a graceful shutdown (SHUTDOWN_TIMEOUT_MS, then closing the database)', () => {
    const grace = /^(\d+)s$/.exec(String((compose.services.roster as { stop_grace_period?: string }).stop_grace_period))?.[1];
    expect(grace).toBeDefined();
    const shutdownMs = loadConfig(resolvedEnvironment(compose.services.roster)).shutdownTimeoutMs;
    expect(Number(grace) * 1000).toBeGreaterThanOrEqual(shutdownMs + 5000);
    // Docker's default stop timeout (10 s, plain `docker run`) leaves room for the default too
    expect(configSchema.properties.SHUTDOWN_TIMEOUT_MS.default).toBeLessThanOrEqual(8000);
  });

  test('every environment variable of the roster service is a name of Roster\'s configuration', () => {
    const roster = compose.services.roster;
    expect(roster.env_file).toBeUndefined(); // all of it is visible here
    const names = Object.keys(environmentOf(roster));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !CONFIG_NAMES.has(name))).toEqual([]);
    for (const name of ['DATABASE_URL', 'API_TOKEN', 'ADMIN_PASSWORD', 'SMTP_URL', 'MAIL_FROM', 'PUBLIC_URL']) expect(names).toContain(name);
    // HOST and PORT come from the image: a different PORT would break the port mapping and health check.
    expect(names).not.toContain('PORT');
  });

  test('the roster service interpolates only its own names, or the postgres credentials', () => {
    const postgresVars = new Set(Object.values(environmentOf(compose.services.postgres)).flatMap(interpolatedNames));
    expect([...postgresVars].sort()).toEqual(['POSTGRES_DB', 'POSTGRES_PASSWORD', 'POSTGRES_USER']);
    for (const [name, value] of Object.entries(environmentOf(compose.services.roster))) {
      const used = interpolatedNames(value);
      if (name === 'DATABASE_URL') expect(used.every((v) => postgresVars.has(v))).toBe(true);
      else expect(used.filter((v) => v !== name)).toEqual([]); // a literal, or ${NAME:-default}
    }
  });

  test('with nothing set, the resolved environment is a valid Roster configuration on that Postgres and that mail catcher', () => {
    const postgres = resolvedEnvironment(compose.services.postgres);
    const env = resolvedEnvironment(compose.services.roster);
    expect(env.DATABASE_URL).toBe(`postgres://${postgres.POSTGRES_USER}:${postgres.POSTGRES_PASSWORD}@postgres:5432/${postgres.POSTGRES_DB}`);
    // empty = unset: generated on the first start and printed once
    expect(env.API_TOKEN).toBe('');
    expect(env.ADMIN_PASSWORD).toBe('');
    const config = loadConfig({ ...env, HOST: '0.0.0.0', PORT: '8080' });
    expect(config.databaseUrl).toBe(env.DATABASE_URL);
    expect(config.apiToken).toBeUndefined();
    expect(config.adminPassword).toBeUndefined();
    const smtp = new URL(config.smtpUrl!);
    expect(smtp.protocol).toBe('smtp:');
    expect(smtp.hostname).toBe('mailpit');
    expect(smtp.port).toBe('1025');
    expect(config.mailFrom).toBeTruthy();
    expect(config.publicUrl).toBe('http://localhost:8080');
  });

  test('values set in the environment (or .env) reach Roster and stay valid', () => {
    const vars = { POSTGRES_PASSWORD: 's3cret', API_TOKEN: 'a-long-api-token-0123456789', ADMIN_PASSWORD: 'admin-pw-123', SMTP_URL: 'smtp://u:p@mail.example.com:587', PUBLIC_URL: 'https://roster.example.com' };
    const env = resolvedEnvironment(compose.services.roster, vars);
    const config = loadConfig(env);
    expect(config.databaseUrl).toBe('postgres://roster:s3cret@postgres:5432/roster');
    expect(resolvedEnvironment(compose.services.postgres, vars).POSTGRES_PASSWORD).toBe('s3cret');
    expect(config.apiToken).toBe(vars.API_TOKEN);
    expect(config.adminPassword).toBe(vars.ADMIN_PASSWORD);
    expect(config.smtpUrl).toBe(vars.SMTP_URL);
    expect(config.publicUrl).toBe(vars.PUBLIC_URL);
  });

  test('mailpit: SMTP on 1025 inside the network, its web UI on 8025', () => {
    const mailpit = compose.services.mailpit;
    expect(portMappings(mailpit)).toContainEqual({ published: '8025', target: '8025' });
    expect(portMappings(mailpit).map((p) => p.target)).not.toContain('1025');
    expect(compose.services.roster.depends_on).toHaveProperty('mailpit');
  });
});

describe('Dockerfile', () => {
  test('is multi-stage on Debian node 20 (bcrypt\'s prebuilt binaries are for glibc)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const from of stages) {
      expect(from.args).toMatch(/^node:20-bookworm-slim(\s|$)/);
      expect(from.args).not.toMatch(/alpine/);
    }
  });

  test('build stage: npm ci and npm run build; runtime stage: production dependencies and the build output', () => {
    const buildName = /\sAS\s+(\S+)/i.exec(stages[0].args)?.[1];
    expect(buildName).toBeDefined();
    const build = instructions.filter((i) => i.stage === 0);
    const runs = (list: Instruction[]) => list.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs(build).some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r))).toBe(true);
    expect(runs(build).some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    expect(runs(final).some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    const copies = final.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toContainEqual(expect.stringMatching(new RegExp(`^--from=${buildName}\\s+/app/dist\\s+\\./dist$`)));
    expect(copies).toContainEqual(expect.stringMatching(/^package\.json package-lock\.json \.\/$/));
    expect(lastOf('WORKDIR')!.args).toBe('/app');
  });

  test('runtime stage: non-root user, HOST/PORT, EXPOSE 8080, STOPSIGNAL SIGTERM', () => {
    const user = lastOf('USER');
    expect(user).toBeDefined();
    expect(user!.args.split(':')[0]).not.toMatch(/^(root|0)$/);
    const cmdAt = final.indexOf(lastOf('CMD')!);
    expect(final.indexOf(user!)).toBeLessThan(cmdAt);
    const env = Object.assign({}, ...final.filter((i) => i.keyword === 'ENV').map((i) => envInstruction(i.args))) as Record<string, string>;
    expect(env).toMatchObject({ HOST: '0.0.0.0', PORT: '8080' });
    expect(Object.keys(env).filter((name) => !CONFIG_NAMES.has(name) && name !== 'NODE_ENV')).toEqual([]);
    expect(lastOf('EXPOSE')!.args.split(/\s+/)).toContain(env.PORT);
    expect(lastOf('STOPSIGNAL')!.args).toBe('SIGTERM');
    expect(final.some((i) => i.keyword === 'ENTRYPOINT')).toBe(false);
  });

  test('CMD is node dist/src/main.js, the file the process tests start and npm start runs', () => {
    expect(execForm(lastOf('CMD')!.args)).toEqual(COMMAND);
    expect(path.relative(ROOT, MAIN).split(path.sep).join('/')).toBe(COMMAND[1]);
    expect((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start).toBe(COMMAND.join(' '));
    // src/main.ts compiles to dist/src/main.js (outDir dist, rootDir .)
    const tsconfig = JSON.parse(read('tsconfig.json')) as { compilerOptions: { outDir: string; rootDir: string } };
    expect(tsconfig.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: '.' });
    expect(fs.existsSync(path.join(ROOT, 'src/main.ts'))).toBe(true);
  });

  test('HEALTHCHECK runs node against /healthz (no curl in the image)', () => {
    const { options, test: command } = dockerHealthcheck(lastOf('HEALTHCHECK')!.args);
    expect(command.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(command[3]).toContain('/healthz');
    expect(options).toMatch(/--interval=\d+s/);
    expect(options).toMatch(/--start-period=\d+s/);
  });
});

describe('the health check command', () => {
  const script = () => dockerHealthcheck(lastOf('HEALTHCHECK')!.args).test[3];
  const runCheck = (port: number) =>
    new Promise<number>((resolve) => {
      const child = execFile(process.execPath, ['-e', script()], { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, timeout: 10000 });
      child.once('exit', (code) => resolve(code ?? -1));
    });

  test('exits 0 while Roster runs and 1 once it is gone', async () => {
    // The first start of the embedded database takes seconds, longer on a loaded machine.
    const running = await startRoster({ DATA_DIR: 'memory://', API_TOKEN: 'deploy-test-token-0123456789', ADMIN_PASSWORD: 'deploy-test-pw' }, 45000);
    try {
      expect(await runCheck(running.port)).toBe(0);
    } finally {
      expect(await running.stop('SIGTERM')).toBe(0);
    }
    expect(await runCheck(running.port)).toBe(1);
  }, 60000);

  test('exits 1 when /healthz does not answer 2xx', async () => {
    const paths: string[] = [];
    const server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"unavailable"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      expect(await runCheck((server.address() as AddressInfo).port)).toBe(1);
      expect(paths).toEqual(['/healthz']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
