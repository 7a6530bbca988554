/**
 * OCS transport, the response envelope (ocs-provisioning §4): meta block bytes, content types,
 * format selection from `format` (query, form body, JSON body) and `Accept`, JSON escaping, and
 * the HTTP status of each kind of statuscode, on v1 and v2.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { as, ocsJson, ocsRequest, seedOcsFixtures, type OcsRequestOptions, type OcsVersion } from '../helpers/ocs';

const VERSIONS: OcsVersion[] = [1, 2];
const XML = 'application/xml; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

/** The §4.5 document; `statuscode` null means success (100 on v1, 200 on v2). */
function xmlDoc(v: OcsVersion, statuscode: number | null, message: string, dataLines?: string[]): string {
  const lines = ['<?xml version="1.0"?>', '<ocs>', ' <meta>'];
  lines.push(`  <status>${statuscode === null ? 'ok' : 'failure'}</status>`);
  lines.push(`  <statuscode>${statuscode ?? (v === 1 ? 100 : 200)}</statuscode>`);
  lines.push(`  <message>${message}</message>`);
  if (v === 1) lines.push('  <totalitems></totalitems>', '  <itemsperpage></itemsperpage>');
  lines.push(' </meta>');
  if (dataLines) lines.push(' <data>', ...dataLines, ' </data>');
  else lines.push(' <data/>');
  lines.push('</ocs>');
  return `${lines.join('\n')}\n`;
}

/** The §4.4 document; `message` must need no §4.4 escapes beyond JSON.stringify. */
function jsonDoc(v: OcsVersion, statuscode: number | null, message: string, data = '[]'): string {
  const paging = v === 1 ? ',"totalitems":"","itemsperpage":""' : '';
  const status = statuscode === null ? 'ok' : 'failure';
  const code = statuscode ?? (v === 1 ? 100 : 200);
  return `{"ocs":{"meta":{"status":"${status}","statuscode":${code},"message":${JSON.stringify(message)}${paging}},"data":${data}}}`;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedOcsFixtures(t);
}, 120_000);
afterAll(() => t.close());

describe.each(VERSIONS)('v%i', (v) => {
  describe('§4.2 meta block and §4.4/§4.5 documents, byte for byte', () => {
    test('success with data, XML (the default) and JSON', async () => {
      const xml = await ocsRequest(t, 'GET', v, 'users', { caller: as('sub') });
      expect([xml.status, xml.headers['content-type']]).toEqual([200, XML]);
      expect(xml.text).toBe(xmlDoc(v, null, 'OK', ['  <users>', '   <element>carol</element>', '   <element>sub</element>', '  </users>']));
      const json = await ocsRequest(t, 'GET', v, 'users', { caller: as('sub'), format: 'json' });
      expect([json.status, json.headers['content-type']]).toEqual([200, JSON_TYPE]);
      expect(json.text).toBe(jsonDoc(v, null, 'OK', '{"users":["carol","sub"]}'));
    });

    test('success with empty data (a mutation): data [] and <data/>', async () => {
      const xml = await ocsRequest(t, 'PUT', v, 'users/bob', { form: { key: 'phone', value: `12${v}` } });
      expect([xml.status, xml.headers['content-type'], xml.text]).toEqual([200, XML, xmlDoc(v, null, 'OK')]);
      const json = await ocsRequest(t, 'PUT', v, 'users/bob', { form: { key: 'phone', value: `34${v}` }, format: 'json' });
      expect([json.status, json.headers['content-type'], json.text]).toEqual([200, JSON_TYPE, jsonDoc(v, null, 'OK')]);
      if (v === 1) expect(json.text).toBe('{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},"data":[]}}');
      expect((await t.knex('users').where({ username: 'bob' }).first('phone')).phone).toBe(`34${v}`);
    });

    test('failure: status failure, the error code unchanged, data empty', async () => {
      const xml = await ocsRequest(t, 'GET', v, 'users/nobody');
      expect([xml.status, xml.headers['content-type'], xml.text]).toEqual([v === 1 ? 200 : 404, XML, xmlDoc(v, 404, 'User does not exist')]);
      const json = await ocsRequest(t, 'GET', v, 'users/nobody', { format: 'json' });
      expect([json.status, json.headers['content-type'], json.text]).toEqual([v === 1 ? 200 : 404, JSON_TYPE, jsonDoc(v, 404, 'User does not exist')]);
    });

    test('failure with an empty message: <message></message> and ""', async () => {
      const xml = await ocsRequest(t, 'PUT', v, 'users/alice', { form: { key: 'foo', value: 'x' } });
      expect([xml.status, xml.text]).toEqual([v === 1 ? 200 : 400, xmlDoc(v, 113, '')]);
      const json = await ocsRequest(t, 'PUT', v, 'users/alice', { form: { key: 'foo', value: 'x' }, format: 'json' });
      expect([json.status, json.text]).toEqual([v === 1 ? 200 : 400, jsonDoc(v, 113, '')]);
    });
  });

  describe('§4.1 format selection', () => {
    const FORMAT_CASES: Array<[string, OcsRequestOptions, 'xml' | 'json']> = [
      ['no format, no Accept → XML', {}, 'xml'],
      ['Accept: application/json → JSON', { headers: { Accept: 'application/json' } }, 'json'],
      ['Accept: application/json;q=0.9 → XML (case 2)', { headers: { Accept: 'application/json;q=0.9' } }, 'xml'],
      ['Accept: application/json; charset=utf-8 → XML (parameters do not count)', { headers: { Accept: 'application/json; charset=utf-8' } }, 'xml'],
      ['Accept: text/xml, application/json → JSON (first exact item)', { headers: { Accept: 'text/xml, application/json' } }, 'json'],
      ['Accept: application/xml, application/json → XML', { headers: { Accept: 'application/xml, application/json' } }, 'xml'],
      ['Accept: */* → XML', { headers: { Accept: '*/*' } }, 'xml'],
      ['Accept: "  APPLICATION/JSON " → JSON (trimmed, lowercased)', { headers: { Accept: 'text/html,  APPLICATION/JSON ' } }, 'json'],
      ['format=json in the query → JSON', { format: 'json' }, 'json'],
      ['format=xml in the query beats Accept json (case 2)', { format: 'xml', headers: { Accept: 'application/json' } }, 'xml'],
      ['format=json in a form body → JSON', { form: { format: 'json' } }, 'json'],
      ['format=xml in a form body beats Accept json', { form: { format: 'xml' }, headers: { Accept: 'application/json' } }, 'xml'],
      ['format=json in a JSON body → JSON', { json: { format: 'json' } }, 'json'],
      ['format=xml in a JSON body beats Accept json', { json: { format: 'xml' }, headers: { Accept: 'application/json' } }, 'xml'],
      ['the body overrides the query (xml in query, json in body) → JSON', { format: 'xml', form: { format: 'json' } }, 'json'],
      ['unknown format=yaml falls back to XML (§12 row 13)', { form: { format: 'yaml' } }, 'xml'],
      ['unknown format=yaml falls back to Accept json', { form: { format: 'yaml' }, headers: { Accept: 'application/json' } }, 'json'],
      ['format=JSON (not exactly json) is ignored → XML', { form: { format: 'JSON' } }, 'xml'],
      ['format given as a list counts as missing → Accept json', { form: 'format[]=xml', headers: { Accept: 'application/json' } }, 'json'],
    ];

    test.each(FORMAT_CASES)('GET /users/alice: %s', async (_name, options, format) => {
      const res = await ocsRequest(t, 'GET', v, 'users/alice', options);
      expect(res.status).toBe(200);
      if (format === 'json') {
        expect(res.headers['content-type']).toBe(JSON_TYPE);
        expect(res.text.startsWith(`{"ocs":{"meta":{"status":"ok","statuscode":${v === 1 ? 100 : 200},"message":"OK"`)).toBe(true);
        expect(JSON.parse(res.text).ocs.data.id).toBe('alice');
      } else {
        expect(res.headers['content-type']).toBe(XML);
        expect(res.text.startsWith(xmlDoc(v, null, 'OK', []).split(' <data>')[0])).toBe(true);
        expect(res.text).toContain('\n  <id>alice</id>\n');
      }
    });

    test('errors use the same selection: 997 without credentials, by Accept and by format', async () => {
      const accept = await ocsRequest(t, 'GET', v, 'users', { caller: 'none', headers: { Accept: 'application/json' } });
      expect([accept.status, accept.headers['content-type'], accept.text]).toEqual([401, JSON_TYPE, jsonDoc(v, 997, 'Current user is not logged in')]);
      const form = await ocsRequest(t, 'POST', v, 'users', { caller: 'none', form: { format: 'json' } });
      expect([form.status, form.headers['content-type'], form.text]).toEqual([401, JSON_TYPE, jsonDoc(v, 997, 'Current user is not logged in')]);
      const xml = await ocsRequest(t, 'GET', v, 'users', { caller: 'none', format: 'xml', headers: { Accept: 'application/json' } });
      expect([xml.status, xml.headers['content-type'], xml.text]).toEqual([401, XML, xmlDoc(v, 997, 'Current user is not logged in')]);
    });

    test('errors use the same selection: 997 Unauthorised, 998, 403 and 400 (malformed JSON)', async () => {
      const wrong = await ocsRequest(t, 'GET', v, 'users', { caller: ['alice', 'wrong-password'], json: { format: 'json' } });
      expect([wrong.status, wrong.headers['content-type'], wrong.text]).toEqual([401, JSON_TYPE, jsonDoc(v, 997, 'Unauthorised')]);
      const unknown = await ocsRequest(t, 'GET', v, 'nonexistent', { headers: { Accept: 'application/json' } });
      expect([unknown.status, unknown.headers['content-type']]).toEqual([v === 1 ? 200 : 404, JSON_TYPE]);
      expect(JSON.parse(unknown.text).ocs.meta.statuscode).toBe(998);
      const denied = await ocsRequest(t, 'GET', v, 'apps', { caller: as('plain'), headers: { Accept: 'text/xml, application/json' } });
      expect([denied.status, denied.headers['content-type'], denied.text]).toEqual([
        v === 1 ? 200 : 403,
        JSON_TYPE,
        jsonDoc(v, 403, 'Logged in account must be an admin'),
      ]);
      const malformed = await ocsRequest(t, 'POST', v, 'users?format=json', { json: '{"userid":' });
      expect([malformed.status, malformed.headers['content-type'], malformed.text]).toEqual([
        v === 1 ? 200 : 400,
        JSON_TYPE,
        `{"ocs":{"meta":{"status":"failure","statuscode":400,"message":"Invalid JSON body"${v === 1 ? ',"totalitems":"","itemsperpage":""' : ''}},"data":[]}}`,
      ]);
    });
  });

  describe('§4.3 HTTP status', () => {
    const CASES: Array<[string, 'GET' | 'PUT' | 'POST', string, OcsRequestOptions, number, number, number]> = [
      ['success', 'GET', 'users', {}, v === 1 ? 100 : 200, 200, 200],
      ['997 (no credentials)', 'GET', 'users', { caller: 'none' }, 997, 401, 401],
      ['997 (wrong password)', 'GET', 'users', { caller: ['admin', 'nope'] }, 997, 401, 401],
      ['998 (unknown path)', 'GET', 'nonexistent', {}, 998, 200, 404],
      ['403 (level B denied)', 'GET', 'users', { caller: as('plain') }, 403, 200, 403],
      ['404 (a code from 200 to 600)', 'GET', 'users/nobody', {}, 404, 200, 404],
      ['101 (case 15)', 'PUT', 'users/nobody', { form: { key: 'email', value: 'a@b.c' } }, 101, 200, 400],
      ['113 (case 17)', 'PUT', 'users/alice', { form: { key: 'foo', value: 'x' } }, 113, 200, 400],
      ['102 (User already exists)', 'POST', 'users', { form: { userid: 'ALICE', password: 'S3cure-pw!' } }, 102, 200, 400],
      ['400 (malformed JSON body; issue 8)', 'POST', 'groups', { json: '{not json' }, 400, 200, 400],
      ['999 (PUT /groups/team key=foo, case 32; HTTP 400 on v2, issue 8)', 'PUT', 'groups/team', { form: { key: 'foo', value: 'x' } }, 999, 200, 400],
    ];

    test.each(CASES)('%s', async (_name, method, path, options, statuscode, v1Http, v2Http) => {
      const answer = await ocsJson(t, method, v, path, options);
      expect([answer.statuscode, answer.status]).toEqual([statuscode, v === 1 ? v1Http : v2Http]);
    });

    test('999 body byte for byte, XML and JSON, and the group is unchanged', async () => {
      const xml = await ocsRequest(t, 'PUT', v, 'groups/team', { form: { key: 'foo', value: 'x' } });
      expect([xml.status, xml.text]).toEqual([v === 1 ? 200 : 400, xmlDoc(v, 999, '')]);
      const json = await ocsRequest(t, 'PUT', v, 'groups/team', { json: { key: 'foo', value: 'x' }, format: 'json' });
      expect([json.status, json.text]).toEqual([v === 1 ? 200 : 400, jsonDoc(v, 999, '')]);
      expect(await t.knex('groups').where({ name: 'team' }).first('display_name')).toEqual({ display_name: null });
    });
  });
});

describe('§4.4 JSON escaping (case 37)', () => {
  const RAW = '<b>/España';
  const ESCAPED = '"\\u003Cb\\u003E\\/Espa\\u00f1a"';

  test.each(VERSIONS)('v%i: a group display name is written "\\u003Cb\\u003E\\/Espa\\u00f1a" and parses back', async (v) => {
    const groupid = `esc-group-${v}`;
    expect((await ocsJson(t, 'POST', v, 'groups', { form: { groupid, displayname: RAW } })).meta.status).toBe('ok');
    const res = await ocsRequest(t, 'GET', v, `groups/details?search=${groupid}`, { format: 'json' });
    expect(res.text).toContain(`{"id":"${groupid}","displayname":${ESCAPED},"usercount":0,"disabled":0,"canAdd":true,"canRemove":true}`);
    expect(JSON.parse(res.text).ocs.data.groups[0].displayname).toBe(RAW);
    const xml = await ocsRequest(t, 'GET', v, `groups/details?search=${groupid}`);
    expect(xml.text).toContain('\n    <displayname>&lt;b&gt;/España</displayname>\n');
  });

  test.each(VERSIONS)('v%i: a user display name is written escaped in both displayname members', async (v) => {
    const userid = `esc-user-${v}`;
    const created = await ocsJson(t, 'POST', v, 'users', { json: { userid, password: 'S3cure-pw!', displayName: RAW } });
    expect(created.text).toBe(jsonDoc(v, null, 'OK', `{"id":"${userid}"}`));
    const res = await ocsRequest(t, 'GET', v, `users/${userid}`, { format: 'json' });
    expect(res.text).toContain(`"displayname":${ESCAPED},"display-name":${ESCAPED},`);
    expect(res.text).not.toMatch(/[^\x20-\x7e]/);
    expect(JSON.parse(res.text).ocs.data['display-name']).toBe(RAW);
  });
});
