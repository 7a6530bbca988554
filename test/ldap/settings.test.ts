/**
 * LDAP configuration (contract §11: LDAP_* rows) and the pure helpers of src/ldap/directory.ts:
 * RFC 4515 filter escaping, the user filter template, first-RDN values of group DNs.
 */
import { loadConfig } from '../../src/config';
import { configSchema } from '../../schemas/config';
import { checkUserFilter, escapeFilterValue, firstRdnValue, userFilterFor } from '../../src/ldap/directory';

const BASE = { LDAP_URL: 'ldap://ldap.example.org:389', LDAP_USER_BASE_DN: 'ou=people,dc=example,dc=org' };

describe('configuration', () => {
  test('LDAP_URL unset: LDAP is not configured, whatever else is set', () => {
    expect(loadConfig({}).ldap).toBeUndefined();
    expect(loadConfig({ LDAP_USER_BASE_DN: 'dc=x', LDAP_USER_ATTRIBUTE_GROUPS: 'memberOf' }).ldap).toBeUndefined();
  });

  test('defaults', () => {
    expect(loadConfig(BASE).ldap).toEqual({
      url: 'ldap://ldap.example.org:389',
      bindDn: undefined,
      bindPassword: undefined,
      userBaseDn: 'ou=people,dc=example,dc=org',
      userFilter: '(uid=%s)',
      usernameAttribute: 'uid',
      fullnameAttribute: 'cn',
      emailAttribute: 'mail',
      groupsAttribute: undefined,
      timeoutMs: 5000,
      startTls: false,
    });
    expect(Object.isFrozen(loadConfig(BASE).ldap)).toBe(true);
  });

  test('every value is read', () => {
    const ldap = loadConfig({
      LDAP_URL: 'ldaps://ldap.example.org',
      LDAP_BIND_DN: 'cn=roster,dc=example,dc=org',
      LDAP_BIND_PASSWORD: 's3cret',
      LDAP_USER_BASE_DN: 'dc=example,dc=org',
      LDAP_USER_FILTER: '(&(objectClass=person)(sAMAccountName=%s))',
      LDAP_USER_ATTRIBUTE_USERNAME: 'sAMAccountName',
      LDAP_USER_ATTRIBUTE_FULLNAME: 'displayName',
      LDAP_USER_ATTRIBUTE_EMAIL: 'userPrincipalName',
      LDAP_USER_ATTRIBUTE_GROUPS: 'memberOf',
      LDAP_START_TLS: '1',
      LDAP_TIMEOUT_MS: '2500',
    }).ldap;
    expect(ldap).toEqual({
      url: 'ldaps://ldap.example.org',
      bindDn: 'cn=roster,dc=example,dc=org',
      bindPassword: 's3cret',
      userBaseDn: 'dc=example,dc=org',
      userFilter: '(&(objectClass=person)(sAMAccountName=%s))',
      usernameAttribute: 'sAMAccountName',
      fullnameAttribute: 'displayName',
      emailAttribute: 'userPrincipalName',
      groupsAttribute: 'memberOf',
      timeoutMs: 2500,
      startTls: true,
    });
  });

  test.each([
    [{ LDAP_URL: 'ldap://x' }, 'LDAP_USER_BASE_DN is required when LDAP_URL is set'],
    [{ ...BASE, LDAP_BIND_DN: 'cn=roster' }, 'LDAP_BIND_DN and LDAP_BIND_PASSWORD must be set together'],
    [{ ...BASE, LDAP_BIND_PASSWORD: 'secret' }, 'LDAP_BIND_DN and LDAP_BIND_PASSWORD must be set together'],
    [{ LDAP_BIND_PASSWORD: 'secret' }, 'LDAP_BIND_DN and LDAP_BIND_PASSWORD must be set together'],
    [{ ...BASE, LDAP_URL: 'http://ldap.example.org' }, 'LDAP_URL must match pattern'],
    [{ ...BASE, LDAP_URL: 'ldap://ldap.example.org/dc=x?uid' }, 'LDAP_URL must match pattern'],
    [{ ...BASE, LDAP_USER_FILTER: '(uid=alice)' }, 'LDAP_USER_FILTER must contain %s'],
    [{ ...BASE, LDAP_USER_FILTER: 'uid=%s' }, 'LDAP_USER_FILTER is not a valid LDAP filter'],
    [{ ...BASE, LDAP_USER_FILTER: '(&(uid=%s)' }, 'LDAP_USER_FILTER is not a valid LDAP filter'],
    [{ ...BASE, LDAP_USER_ATTRIBUTE_EMAIL: 'mail)(x' }, 'LDAP_USER_ATTRIBUTE_EMAIL must match pattern'],
    [{ ...BASE, LDAP_TIMEOUT_MS: '10' }, 'LDAP_TIMEOUT_MS must be >= 100'],
    [{ ...BASE, LDAP_START_TLS: 'maybe' }, 'LDAP_START_TLS must be boolean'],
  ])('%j stops the start', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  test('the bind password is never repeated in a configuration error', () => {
    expect(() => loadConfig({ ...BASE, LDAP_BIND_PASSWORD: 'do-not-print-me' })).toThrow(/^(?!.*do-not-print-me)/s);
  });
});

describe('filter escaping (RFC 4515 §3)', () => {
  test.each([
    ['alice', 'alice'],
    ['*', '\\2a'],
    ['a*)(uid=*', 'a\\2a\\29\\28uid=\\2a'],
    ['back\\slash', 'back\\5cslash'],
    ['nul\u0000', 'nul\\00'],
    ["o'brien", "o'brien"],
    ['jürgen', 'jürgen'],
  ])('%j → %j', (value, escaped) => {
    expect(escapeFilterValue(value)).toBe(escaped);
  });

  test('every %s of the template is replaced, and replacement patterns in the value stay literal', () => {
    expect(userFilterFor('(|(uid=%s)(mail=%s))', 'a*')).toBe('(|(uid=a\\2a)(mail=a\\2a))');
    expect(userFilterFor('(uid=%s)', "$&$'$`")).toBe("(uid=$&$'$`)");
  });

  test('checkUserFilter', () => {
    expect(() => checkUserFilter('(uid=%s)')).not.toThrow();
    expect(() => checkUserFilter('(&(objectClass=inetOrgPerson)(|(uid=%s)(mail=%s)))')).not.toThrow();
    expect(() => checkUserFilter('(uid=x)')).toThrow('must contain %s');
    expect(() => checkUserFilter('(uid=%s')).toThrow('is not a valid LDAP filter');
  });

  test('the default LDAP_USER_FILTER is valid (it is checked only when set) and a bad one is refused even without LDAP_URL', () => {
    const fallback = configSchema.properties.LDAP_USER_FILTER.default;
    expect(fallback).toBe('(uid=%s)');
    expect(() => checkUserFilter(fallback)).not.toThrow();
    expect(() => loadConfig({ LDAP_USER_FILTER: '(uid=alice)' })).toThrow('LDAP_USER_FILTER must contain %s');
  });
});

describe('first RDN value of a group value', () => {
  test.each([
    ['cn=developers,ou=groups,dc=example,dc=org', 'developers'],
    ['CN=Domain Users,CN=Users,DC=corp,DC=example', 'Domain Users'],
    ['cn = spaced , ou=x', 'spaced'],
    ['cn=dev\\2Cops,ou=groups', 'dev,ops'],
    ['cn=a\\,b\\+c,ou=groups', 'a,b+c'],
    ['cn=J\\C3\\BCrgen,ou=x', 'Jürgen'],
    ['cn=multi+uid=x,ou=y', 'multi'],
    ['2.5.4.3=oid,dc=x', 'oid'],
    ['developers', undefined],
    ['cn=#04024869,dc=x', undefined],
    ['cn=,dc=x', undefined],
  ])('%j → %j', (text, value) => {
    expect(firstRdnValue(text)).toBe(value);
  });
});
