/**
 * The secret canary (issue #8 item 7): known secrets, every form in which one could leak, and a
 * recorder of everything the app said — response status lines, headers and bodies, and log lines —
 * that is scanned for those forms once all secrets exist (hashes are read from the database last).
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/** One form of one secret that must never be seen; `label` names it in failure messages. */
export interface Needle {
  label: string;
  value: string;
}

interface Observation {
  where: string;
  text: string;
  /** Plaintexts this observation is meant to carry (the one answer that mints a token). */
  allow: ReadonlySet<string>;
}

/** What supertest answers (and what a recorded response needs). */
export interface RecordedResponse {
  status: number;
  headers: Record<string, unknown>;
  text?: string;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
export const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Shorter needles could match by chance (the fixture admin password, admin-secret, is 12). */
const MIN_NEEDLE = 12;

/**
 * The forms of a plaintext secret: itself, URL-encoded, base64 (alone and as a Basic header's
 * `user:secret` for each username that may send it) and its SHA-256 hex digest (how tokens are stored).
 */
export function secretForms(label: string, secret: string, usernames: readonly string[] = []): Needle[] {
  const forms: Needle[] = [
    { label: `${label} (plaintext)`, value: secret },
    { label: `${label} (URL-encoded)`, value: encodeURIComponent(secret) },
    { label: `${label} (form-encoded)`, value: new URLSearchParams({ x: secret }).toString().slice(2) },
    { label: `${label} (base64)`, value: base64(secret) },
    { label: `${label} (SHA-256 hex)`, value: sha256Hex(secret) },
    { label: `${label} (SHA-256 HEX)`, value: sha256Hex(secret).toUpperCase() },
    ...usernames.map((username) => ({ label: `${label} (Basic ${username}:…)`, value: base64(`${username}:${secret}`) })),
  ];
  return dedupe(forms);
}

function dedupe(needles: Needle[]): Needle[] {
  const seen = new Set<string>();
  return needles.filter((n) => {
    if (n.value.length < MIN_NEEDLE) throw new Error(`canary needle too short to be meaningful: ${n.label}`);
    if (seen.has(n.value)) return false;
    seen.add(n.value);
    return true;
  });
}

/**
 * Everything secret that the database stores, in the forms that must never come back: each bcrypt
 * hash whole, its first 20 characters (algorithm, cost and most of the salt) and its 31-character
 * checksum; each personal-token and app-password digest; the stored API token digest.
 */
export async function storedSecretForms(knex: Knex): Promise<Needle[]> {
  const users = (await knex('users').select('username', 'password', 'api_access_token')) as { username: string; password: string | null; api_access_token: string | null }[];
  const appPasswords = (await knex('app_passwords').select('id', 'token_hash')) as { id: number; token_hash: string }[];
  const settings = (await knex('settings').select('key', 'value')) as { key: string; value: string }[];
  const needles: Needle[] = [];
  for (const u of users) {
    if (u.password) {
      needles.push({ label: `bcrypt hash of ${u.username}`, value: u.password });
      needles.push({ label: `bcrypt hash of ${u.username} (first 20 characters)`, value: u.password.slice(0, 20) });
      needles.push({ label: `bcrypt hash of ${u.username} (checksum)`, value: u.password.slice(-31) });
    }
    if (u.api_access_token) needles.push({ label: `stored personal token digest of ${u.username}`, value: u.api_access_token });
  }
  for (const a of appPasswords) needles.push({ label: `stored app password digest #${a.id}`, value: a.token_hash.trim() });
  for (const s of settings.filter((row) => /token|secret|password|hash|sha256/i.test(row.key) && row.value.length >= MIN_NEEDLE)) {
    needles.push({ label: `setting ${s.key}`, value: s.value });
  }
  return dedupe(needles);
}

/** Collects what the app said, then reports every needle found in it. */
export class CanaryRecorder {
  private readonly observations: Observation[] = [];

  /** How many responses were recorded (a canary that saw nothing proves nothing). */
  responses = 0;

  /**
   * Records a response: its status, every header and the body. `allow` lists plaintexts this answer
   * is meant to show (a freshly minted app password in its own mint answer) — only their plaintext form.
   */
  response(where: string, res: RecordedResponse, allow: readonly string[] = []): void {
    this.responses += 1;
    const allowed = new Set(allow);
    const headers = Object.entries(res.headers).map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`);
    this.observations.push({ where: `${where} → HTTP ${res.status} headers`, text: headers.join('\n'), allow: new Set() });
    this.observations.push({ where: `${where} → HTTP ${res.status} body`, text: res.text ?? '', allow: allowed });
  }

  /** Records log lines, each on its own so a failure names the line. */
  logs(lines: readonly string[]): void {
    lines.forEach((line, index) => this.observations.push({ where: `log line ${index + 1}: ${line.slice(0, 200)}`, text: line, allow: new Set() }));
  }

  /** Every needle seen where it must not be, as readable messages (empty when nothing leaked). */
  leaks(needles: readonly Needle[]): string[] {
    const found: string[] = [];
    for (const observation of this.observations) {
      for (const needle of needles) {
        if (observation.allow.has(needle.value)) continue;
        // nmcuser_oidc writes `/` as `\/` (bcrypt hashes and base64 hold slashes)
        for (const form of new Set([needle.value, needle.value.replaceAll('/', '\\/')])) {
          const at = observation.text.indexOf(form);
          if (at < 0) continue;
          const context = observation.text.slice(Math.max(0, at - 40), at + form.length + 40).replace(/\s+/g, ' ');
          found.push(`${needle.label} leaked in ${observation.where}\n    …${context}…`);
        }
      }
    }
    return found;
  }
}

/**
 * Plaintext secrets stored anywhere in the database (every column of every table, as text): tokens
 * and passwords are stored only as digests and hashes, and the audit log records no secret.
 */
export async function plaintextsInDatabase(knex: Knex, secrets: readonly Needle[]): Promise<string[]> {
  const tables = (await knex('information_schema.tables').where({ table_schema: 'public', table_type: 'BASE TABLE' }).pluck('table_name')) as string[];
  const found: string[] = [];
  for (const table of tables) {
    const rows = (await knex.select(knex.raw('row_to_json(t)::text AS row')).from({ t: table })) as { row: string }[];
    for (const { row } of rows) {
      for (const secret of secrets) if (row.includes(secret.value)) found.push(`${secret.label} stored in table ${table}: ${row.slice(0, 200)}`);
    }
  }
  return found;
}
