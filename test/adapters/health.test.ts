import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

test('GET /healthz answers while the process runs', async () => {
  const res = await request(t.app).get('/healthz');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: 'ok' });
  expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(res.headers['x-powered-by']).toBeUndefined();
});

test('GET /readyz is 200 while the database answers', async () => {
  const res = await request(t.app).get('/readyz');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: 'ready' });
});

test('unknown paths answer a JSON 404', async () => {
  const res = await request(t.app).get('/nope');
  expect(res.status).toBe(404);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({ message: 'Not found' });
});

test('GET /readyz is 503 when the database is gone, /healthz stays 200', async () => {
  const other = await startTestApp();
  await other.db.close();
  const ready = await request(other.app).get('/readyz');
  expect(ready.status).toBe(503);
  expect(ready.body).toEqual({ status: 'unavailable' });
  expect((await request(other.app).get('/healthz')).status).toBe(200);
});
