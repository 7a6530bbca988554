/** OIDC_PROVIDERS (nmcuser-oidc §9.3): parsing and the §9.1 checks, alone and through loadConfig. */
import { ConfigError, loadConfig } from '../../src/config';
import { parseProviderSeeds } from '../../src/oidcProviderSeed';

const DISCOVERY = 'https://login.example.com/.well-known/openid-configuration';
const seed = (identifier: string, client_id = '', discovery_url = '') => ({ identifier, client_id, discovery_url });
const json = (value: unknown) => JSON.stringify(value);

describe('parseProviderSeeds', () => {
  test.each([[undefined], [''], ['   '], ['\t\n']])('%j → none', (value) => {
    expect(parseProviderSeeds(value)).toEqual([]);
  });

  test('a comma-separated list, spaces trimmed, order and case kept', () => {
    expect(parseProviderSeeds('Telekom,o2')).toEqual([seed('Telekom'), seed('o2')]);
    expect(parseProviderSeeds(' Telekom , o2 ')).toEqual([seed('Telekom'), seed('o2')]);
    expect(parseProviderSeeds('Telekom')).toEqual([seed('Telekom')]);
    expect(parseProviderSeeds('Tele.kom_-1,o2,X')).toEqual([seed('Tele.kom_-1'), seed('o2'), seed('X')]);
    expect(parseProviderSeeds('x'.repeat(128))).toEqual([seed('x'.repeat(128))]);
  });

  test('a JSON array of provider fields; missing fields are ""', () => {
    expect(parseProviderSeeds(json([{ identifier: 'Telekom', client_id: 'roster', discovery_url: DISCOVERY }]))).toEqual([seed('Telekom', 'roster', DISCOVERY)]);
    expect(parseProviderSeeds(json([{ identifier: 'Telekom', client_id: 'roster' }, { identifier: 'o2', discovery_url: 'http://idp.example/' }, { identifier: 'o3' }]))).toEqual([
      seed('Telekom', 'roster'),
      seed('o2', '', 'http://idp.example/'),
      seed('o3'),
    ]);
    expect(parseProviderSeeds(`  ${json([{ identifier: 'spaced' }])}\n`)).toEqual([seed('spaced')]);
    expect(parseProviderSeeds('[]')).toEqual([]);
    expect(parseProviderSeeds(json([{ identifier: 'c', client_id: 'c'.repeat(255), discovery_url: '' }]))).toEqual([seed('c', 'c'.repeat(255))]);
    const long = `https://login.example.com/${'p'.repeat(2048 - 26)}`;
    expect(long).toHaveLength(2048);
    expect(parseProviderSeeds(json([{ identifier: 'u', discovery_url: long }]))).toEqual([seed('u', '', long)]);
  });

  test('the 2048-character limit of discovery_url counts characters, as the createOidcProvider schema does', () => {
    // 2048 code points, one of them outside the BMP (two UTF-16 units): valid for ajv maxLength (code
    // points) and for varchar(2048)
    const astral = `https://login.example.com/\u{1F600}${'p'.repeat(2048 - 27)}`;
    expect([...astral]).toHaveLength(2048);
    // Regression: the OIDC_PROVIDERS discovery_url limit counts code points, not UTF-16 units, so a URL
    // that createOidcProvider accepts (ajv maxLength 2048) is accepted at start too (§9.1, §9.3).
    expect(parseProviderSeeds(json([{ identifier: 'u', discovery_url: astral }]))).toEqual([seed('u', '', astral)]);
  });

  test('NUL in client_id or discovery_url is refused at parse time, naming OIDC_PROVIDERS', () => {
    const values = [json([{ identifier: 'x', client_id: 'a\u0000b' }]), json([{ identifier: 'x', discovery_url: 'https://login.example.com/\u0000' }])];
    const outcomes = values.map((value) => {
      try {
        parseProviderSeeds(value);
        return 'accepted';
      } catch (error) {
        return /OIDC_PROVIDERS/.test((error as Error).message) ? 'refused' : (error as Error).message;
      }
    });
    // Regression: a NUL in client_id or discovery_url is refused while parsing, with a message naming
    // OIDC_PROVIDERS (§9.3), as createOidcProvider refuses it, instead of failing later in the database.
    expect(outcomes).toEqual(['refused', 'refused']);
  });

  test.each([
    ['all digits', '123'],
    ['all digits among others', 'Telekom,123'],
    ['zero', '0'],
    ['a space inside', 'a b'],
    ['a slash', 'a/b'],
    ['a non-ASCII letter', 'ü'],
    ['129 characters', 'y'.repeat(129)],
    ['JSON identifier all digits', json([{ identifier: '42' }])],
    ['JSON identifier with bad characters', json([{ identifier: 'Tele kom' }])],
    ['JSON identifier empty', json([{ identifier: '' }])],
    ['invalid JSON', '[{"identifier":"Telekom"}'],
    ['invalid JSON (lone bracket)', '['],
    ['non-array JSON (object)', '{"identifier":"Telekom"}'],
    ['non-array JSON (string)', '"Telekom"'],
    ['item without identifier', json([{ client_id: 'roster' }])],
    ['item with a non-string identifier', json([{ identifier: 5 }])],
    ['item that is not an object', json(['Telekom'])],
    ['item null', '[null]'],
    ['discovery_url ftp', json([{ identifier: 'Telekom', discovery_url: 'ftp://x' }])],
    ['discovery_url not a URL', json([{ identifier: 'Telekom', discovery_url: 'not a url' }])],
    ['discovery_url relative', json([{ identifier: 'Telekom', discovery_url: '/.well-known/openid-configuration' }])],
    ['discovery_url 2049 characters', json([{ identifier: 'Telekom', discovery_url: `https://login.example.com/${'p'.repeat(2049 - 26)}` }])],
    ['discovery_url not a string', json([{ identifier: 'Telekom', discovery_url: 5 }])],
    ['client_id not a string', json([{ identifier: 'Telekom', client_id: 5 }])],
    ['client_id 256 characters', json([{ identifier: 'Telekom', client_id: 'c'.repeat(256) }])],
  ])('%s (%j) → an Error naming OIDC_PROVIDERS', (_what, value) => {
    expect(() => parseProviderSeeds(value)).toThrow(/OIDC_PROVIDERS/);
  });
});

describe('loadConfig', () => {
  test('unset or empty OIDC_PROVIDERS = no providers', () => {
    expect(loadConfig({}).oidcProviders).toEqual([]);
    expect(loadConfig({ OIDC_PROVIDERS: '' }).oidcProviders).toEqual([]);
  });

  test('a list and a JSON array are parsed; the config stays frozen', () => {
    expect(loadConfig({ OIDC_PROVIDERS: 'Telekom, o2' }).oidcProviders).toEqual([seed('Telekom'), seed('o2')]);
    const config = loadConfig({ OIDC_PROVIDERS: json([{ identifier: 'Telekom', client_id: 'roster', discovery_url: DISCOVERY }, { identifier: 'o2' }]) });
    expect(config.oidcProviders).toEqual([seed('Telekom', 'roster', DISCOVERY), seed('o2')]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  test.each([
    ['all-digit identifier', 'Telekom,123'],
    ['bad characters', 'Tele kom'],
    ['bad characters (slash)', 'a/b'],
    ['invalid JSON', '[{"identifier":'],
    ['non-array JSON', '{"identifier":"Telekom"}'],
    ['item without identifier', json([{ client_id: 'x' }])],
    ['discovery_url not http(s)', json([{ identifier: 'Telekom', discovery_url: 'ftp://login.example.com/' }])],
    ['client_id not a string', json([{ identifier: 'Telekom', client_id: ['x'] }])],
  ])('%s → ConfigError naming OIDC_PROVIDERS', (_what, value) => {
    let caught: unknown;
    try {
      loadConfig({ OIDC_PROVIDERS: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toMatch(/^Invalid configuration: .*OIDC_PROVIDERS/);
  });
});
