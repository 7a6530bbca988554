/**
 * The request examples of the nmcuser_oidc README (the seed document), sent as written there:
 * JSON bodies with `//` comments, provider `testprovider` matched ignoring case, the user read,
 * updated, tokened and deleted by the IdP username. Only the example emails, which the seed shows
 * obfuscated ("[email protected]"), are replaced by real addresses.
 */
import request from 'supertest';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { OIDC_PROVIDERS: 'TestProvider' } });
}, 120000);
afterAll(() => t.close());

const API = '/apps/nmcuser_oidc/api/1.1';
const json = (req: request.Test, body: string) => req.auth(ADMIN.username, ADMIN.password).set('Content-Type', 'application/json').send(body);

test('create, get, update, token and delete exactly as the README shows them', async () => {
  const created = await json(
    request(t.app).post(`${API}/nmcusers/testprovider`),
    `{
    "username" : "opattern",
    "displayname" : "Oliver Pattern",
    "email" : "oliver.pattern@example.org", 
    "quota" : "25GB", // 3GB if not given, we don´t want to have unlimited quota
    "altemail" : "oliver@example.net", // optional 
    "enabled" : false // optional parameter, default = true
}`,
  );
  expect({ status: created.status, text: created.text }).toEqual({ status: 200, text: '{"id":"opattern"}' });

  const again = await json(request(t.app).post(`${API}/nmcusers/testprovider`), '{"username":"opattern","displayname":"Oliver Pattern"}');
  expect({ status: again.status, text: again.text }).toEqual({ status: 409, text: '{"message":"OpenID user testprovider:opattern already exists!"}' });

  const read = await request(t.app).get(`${API}/nmcusers/testprovider/opattern`).auth(ADMIN.username, ADMIN.password);
  expect({ status: read.status, text: read.text }).toEqual({
    status: 200,
    text: '{"id":"opattern","displayname":"Oliver Pattern","email":"oliver.pattern@example.org","quota":"25GB","altemail":"oliver@example.net","migrated":true,"enabled":false}',
  });

  const updated = await json(
    request(t.app).put(`${API}/nmcusers/testprovider/opattern`),
    `{
    "displayname" : "Oliver Puttern", // all optional
    "email" : "oliver.puttern@example.org", 
    "quota" : "1TB",
    "altemail" : "puttern@example.net",
    "migrated" : false, 
    "enabled" : true
}`,
  );
  expect({ status: updated.status, text: updated.text }).toEqual({
    status: 200,
    text: '{"id":"opattern","displayname":"Oliver Puttern","email":"oliver.puttern@example.org","quota":"1TB","altemail":"puttern@example.net","migrated":false,"enabled":true}',
  });

  const token = await request(t.app).get(`${API}/token/testprovider/opattern`).auth(ADMIN.username, ADMIN.password);
  expect(token.status).toBe(200);
  expect(token.text).toMatch(/^\{"token":"[A-Za-z0-9]{72}"\}$/);

  const deleted = await request(t.app).delete(`${API}/nmcusers/testprovider/opattern`).auth(ADMIN.username, ADMIN.password);
  expect({ status: deleted.status, text: deleted.text }).toEqual({ status: 200, text: '""' });
  const gone = await request(t.app).get(`${API}/nmcusers/testprovider/opattern`).auth(ADMIN.username, ADMIN.password);
  expect({ status: gone.status, text: gone.text }).toEqual({ status: 404, text: '{"message":"No user opattern, id=opattern"}' });
});

test('a body that is not JSON even with comments allowed is still refused, and nothing is created', async () => {
  const before = await t.knex('users').count<{ count: string | number }[]>({ count: '*' }).first();
  for (const body of ['{"username":"x", displayname: "y"}', '{"username":"x"} trailing', '{"username":', '/* only a comment */']) {
    const res = await json(request(t.app).post(`${API}/nmcusers/testprovider`), body);
    expect({ body, status: res.status, text: res.text }).toEqual({ body, status: 400, text: '{"message":"Invalid JSON body"}' });
  }
  const after = await t.knex('users').count<{ count: string | number }[]>({ count: '*' }).first();
  expect(Number(after!.count)).toBe(Number(before!.count));
});
