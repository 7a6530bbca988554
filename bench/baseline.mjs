#!/usr/bin/env node
// ---- vendored -------------------------------------------------------------------------------------
// A vendored copy of ../shared/bench/baseline.mjs (the shared benchmark baseline; see its README.md),
// kept here so that `npm run bench` works on a clean clone. Keep it identical to that file: apart from
// this block, not one byte may differ. `npm run bench` warns when ../shared/bench/baseline.mjs exists
// and differs (bench/baselineCheck.ts); copy it over again, then put this block back.
// ---- end vendored ---------------------------------------------------------------------------------
// Bare baseline for Roster's benchmarks: node:http + node-postgres, no framework, no validation,
// no auth. It answers the JSON-RPC call getUser({user_id}) with one indexed primary-key query on
// the `users` table of the database in DATABASE_URL. Roster's own numbers are quoted as a ratio to
// this server, measured in the same run with the same load generator and the same pool size.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/roster_bench PORT=8181 POOL=10 \
//     node ../shared/bench/baseline.mjs
//
// Run it from the project root: `pg` is resolved from the project's own node_modules.
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const pg = require('pg');

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL ?? 10) });
const port = Number(process.env.PORT ?? 8181);

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let id = null;
    try {
      const msg = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      id = msg.id ?? null;
      const userId = Array.isArray(msg.params) ? msg.params[0] : msg.params?.user_id;
      const r = await pool.query('SELECT id, username, name, email, role, is_active FROM users WHERE id = $1', [userId]);
      send(res, { jsonrpc: '2.0', result: r.rows[0] ?? null, id });
    } catch (err) {
      send(res, { jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id });
    }
  });
}).listen(port, '127.0.0.1', () => console.log(`baseline listening on 127.0.0.1:${port}`));

function send(res, body) {
  const out = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
  res.end(out);
}

const stop = () => pool.end().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
