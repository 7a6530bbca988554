/** Quota grammar, compact form and OCS report (ocs-provisioning §5.2, nmcuser-oidc §7). */
import {
  formatQuotaCompact,
  MAX_QUOTA_BYTES,
  parseQuota,
  quotaReport,
  quotaToStoredText,
  resolveQuota,
} from '../../src/core/quota';

const KB = 1024;
const MB = 1024 ** 2;
const GB = 1024 ** 3;
const TB = 1024 ** 4;
const PB = 1024 ** 5;

describe('parseQuota: the examples of both specs', () => {
  test.each([
    // ocs §5.2 table
    ['100MB', 104857600],
    ['100 mb', 104857600],
    ['100Mb', 104857600],
    ['1.5GB', 1610612736],
    ['25GB', 26843545600],
    ['3GB', 3221225472],
    ['1TB', 1099511627776],
    ['3042824', 3042824],
    ['0', 0],
    // ocs §11 acceptance 18, nmcuser §6.2 / §11 examples
    ['1GB', GB],
    ['1.5GB', 1.5 * GB],
  ])('%j → %d bytes', (input, bytes) => {
    expect(parseQuota(input)).toBe(bytes);
  });

  test.each(['unlimited', '-1', '10XB', '3 GiB', '100m', '1,5GB', '', 'ABC', 'lots'])('%j is invalid', (input) => {
    expect(parseQuota(input)).toBeNull();
  });

  test('the nmcuser_oidc create default "3GB" is 3221225472 bytes (§7.1)', () => {
    expect(parseQuota('3GB')).toBe(3221225472);
  });
});

describe('parseQuota: literals, case and whitespace', () => {
  test.each([
    ['none', 'none'],
    ['NONE', 'none'],
    ['None', 'none'],
    ['  none\t', 'none'],
    ['default', 'default'],
    ['DEFAULT', 'default'],
    ['DeFault', 'default'],
    ['\ndefault ', 'default'],
  ])('%j → %j', (input, literal) => {
    expect(parseQuota(input)).toBe(literal);
  });

  test.each([
    ['1b', 1],
    ['1B', 1],
    ['2kb', 2 * KB],
    ['2Kb', 2 * KB],
    ['2kB', 2 * KB],
    ['2KB', 2 * KB],
    ['3gB', 3 * GB],
    ['1tb', TB],
    ['1pb', PB],
    ['1PB', PB],
    ['7PB', 7 * PB],
  ])('unit case: %j → %d', (input, bytes) => {
    expect(parseQuota(input)).toBe(bytes);
  });

  test.each([
    ['  100MB  ', 100 * MB],
    ['\t1GB\n', GB],
    ['100 MB', 100 * MB],
    ['100   mb', 100 * MB],
    ['100\tMB', 100 * MB],
    [' 42 ', 42],
    ['007', 7],
    ['0010MB', 10 * MB],
    [`${'0'.repeat(40)}1`, 1],
    ['0B', 0],
    ['0.0GB', 0],
    ['1.50GB', 1.5 * GB],
  ])('%j → %d', (input, bytes) => {
    expect(parseQuota(input)).toBe(bytes);
  });

  test.each([
    'no ne',
    'nonee',
    'defaults',
    '1.5',
    '1.GB',
    '.5GB',
    '+1GB',
    '+1',
    '1e3',
    '0x10',
    '1 000',
    '1_000',
    '100 M B',
    'GB',
    '1 GBs',
    '1KiB',
    '1K',
    '1k',
    '1M',
    '1G',
    '1gig',
    '1EB',
    '1 B B',
    '١٢٣', // Arabic-Indic digits: only ASCII digits count
    '1\u212aB', // KELVIN SIGN does not fold onto K
    '-0',
    '-1GB',
    ' ',
  ])('%j is invalid', (input) => {
    expect(parseQuota(input)).toBeNull();
  });
});

describe('parseQuota: rounding half up to whole bytes', () => {
  test.each([
    ['0.4B', 0],
    ['0.5B', 1],
    ['1.5B', 2],
    ['2.5B', 3], // half up, not half to even
    ['2.49B', 2],
    ['0.0001KB', 0], // 0.1024 bytes
    ['0.0004KB', 0], // 0.4096
    ['0.0005KB', 1], // 0.512
    ['1.0009765625KB', 1025], // 1024 + 1 exactly
    ['1.00048828125KB', 1025], // 1024.5 → 1025
    ['1.00048828124KB', 1024], // just below the half
    ['1.1MB', 1153434], // 1153433.6
    ['0.1GB', 107374182], // 107374182.4
    ['0.3GB', 322122547], // 322122547.2
    ['0.7GB', 751619277], // 751619276.8
    ['2.9MB', 3040870], // 3040870.4
  ])('%j → %d', (input, bytes) => {
    expect(parseQuota(input)).toBe(bytes);
  });

  test('0.00048828125 KB is exactly half a byte and rounds up', () => {
    // 0.00048828125 × 1024 = 0.5
    expect(parseQuota('0.00048828125KB')).toBe(1);
    expect(parseQuota('0.00048828125000KB')).toBe(1);
    expect(parseQuota('0.00048828124KB')).toBe(0);
  });

  test('long fractions are exact: a half followed by zeros rounds up, 0.4999… rounds down', () => {
    expect(parseQuota(`0.5${'0'.repeat(80)}B`)).toBe(1);
    expect(parseQuota(`0.4${'9'.repeat(80)}B`)).toBe(0);
    expect(parseQuota(`1.${'0'.repeat(100)}1GB`)).toBe(GB);
    expect(parseQuota(`0.${'0'.repeat(60)}1PB`)).toBe(0);
  });
});

describe('parseQuota: the 2^53 − 1 boundary', () => {
  test('MAX_QUOTA_BYTES is 2^53 − 1', () => {
    expect(MAX_QUOTA_BYTES).toBe(9007199254740991);
  });

  test.each([
    ['9007199254740991', 9007199254740991],
    ['9007199254740991B', 9007199254740991],
    ['9007199254740991.4B', 9007199254740991],
    ['9007199254740990.5B', 9007199254740991],
    ['7.9999999999999995PB', 9007199254740991], // 2^53 − 0.56… rounds to 2^53 − 1
    ['8191.9999999999995KB', 8388608], // 8388607.9999999999488 rounds up
    ['8191.9995KB', 8388607], // 8388607.488 rounds down
  ])('%j → %d (valid)', (input, bytes) => {
    expect(parseQuota(input)).toBe(bytes);
  });

  test.each([
    '9007199254740992',
    '9007199254740992B',
    '9007199254740991.5B', // rounds up to 2^53
    '8PB',
    '7.9999999999999996PB', // 2^53 − 0.45… rounds to 2^53
    '8192TB',
    '99999999999999999',
    '1'.repeat(400),
    `${'9'.repeat(40)}.5GB`,
  ])('%j is above the maximum', (input) => {
    expect(parseQuota(input)).toBeNull();
  });
});

describe('parseQuota: JSON numbers (nmcuser_oidc) and options', () => {
  test.each([
    [0, 0],
    [1, 1],
    [3221225472, 3221225472],
    [9007199254740991, 9007199254740991],
  ])('%d → %d bytes', (input, bytes) => {
    expect(parseQuota(input)).toBe(bytes);
  });

  test('-0 is 0', () => {
    expect(Object.is(parseQuota(-0), 0)).toBe(true);
  });

  test.each([-1, 1.5, 0.5, 9007199254740992, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    '%d is invalid',
    (input) => {
      expect(parseQuota(input)).toBeNull();
    },
  );

  test('allowDefault: false (DEFAULT_QUOTA) refuses `default` and accepts the rest', () => {
    expect(parseQuota('default', { allowDefault: false })).toBeNull();
    expect(parseQuota('Default', { allowDefault: false })).toBeNull();
    expect(parseQuota('none', { allowDefault: false })).toBe('none');
    expect(parseQuota('25GB', { allowDefault: false })).toBe(26843545600);
    expect(parseQuota('default', { allowDefault: true })).toBe('default');
  });
});

describe('formatQuotaCompact (nmcuser-oidc §7.2)', () => {
  test.each([
    // the spec's table
    [0, '0B'],
    [500, '500B'],
    [1024, '1KB'],
    [1048575, '1MB'],
    [3042824, '2.9MB'],
    [1610612736, '1.5GB'],
    [3221225472, '3GB'],
    [26843545600, '25GB'],
    [1099511627776, '1TB'],
    [104857600, '100MB'],
  ])('%d → %j (spec table)', (bytes, text) => {
    expect(formatQuotaCompact(bytes)).toBe(text);
  });

  test('none → "none"', () => {
    expect(formatQuotaCompact('none')).toBe('none');
  });

  test.each([
    [1, '1B'],
    [1023, '1023B'],
    [1075, '1KB'], // 1.0498 KB
    [1126, '1.1KB'], // 1.0996 KB
    [1280, '1.3KB'], // exactly 1.25 KB: half up
    [1279, '1.2KB'],
    [1536, '1.5KB'],
    [1048524, '1023.9KB'], // 1023.949 KB
    [1048525, '1MB'], // 1023.9502 KB rounds to 1024.0 KB → the next unit
    [GB - 1, '1GB'],
    [PB, '1PB'],
    [7.25 * PB, '7.3PB'], // exactly 7.25 PB: half up
    [7.25 * PB - 1, '7.2PB'],
    [MAX_QUOTA_BYTES, '8PB'],
    [2.5 * GB, '2.5GB'],
    [10 * TB + 1, '10TB'],
  ])('%d → %j', (bytes, text) => {
    expect(formatQuotaCompact(bytes)).toBe(text);
  });

  test.each([-1, 1.5, Number.NaN, MAX_QUOTA_BYTES + 1])('%d is refused', (bytes) => {
    expect(() => formatQuotaCompact(bytes)).toThrow(RangeError);
  });

  test('every parsed spec value formats back as its input (compact form of §6.3, §11)', () => {
    for (const text of ['25GB', '3GB', '1TB', '100MB', '1.5GB']) {
      const bytes = parseQuota(text);
      expect(typeof bytes).toBe('number');
      expect(formatQuotaCompact(bytes as number)).toBe(text);
    }
  });
});

describe('OCS quota report, resolution and storage (ocs §5.2, §2.4)', () => {
  test('bytes: free = total = quota, used and relative 0, members in wire order', () => {
    const report = quotaReport(26843545600);
    expect(report).toEqual({ free: 26843545600, used: 0, total: 26843545600, relative: 0, quota: 26843545600 });
    expect(Object.keys(report)).toEqual(['free', 'used', 'total', 'relative', 'quota']);
  });

  test('none: -3 for free, total and quota', () => {
    expect(quotaReport('none')).toEqual({ free: -3, used: 0, total: -3, relative: 0, quota: -3 });
  });

  test('a zero quota is zero, not unlimited', () => {
    expect(quotaReport(0)).toEqual({ free: 0, used: 0, total: 0, relative: 0, quota: 0 });
  });

  test('a report refuses a value that is not a byte count', () => {
    expect(() => quotaReport(-3)).toThrow(RangeError);
    expect(() => quotaReport(1.5)).toThrow(RangeError);
  });

  test('default resolves to the instance default; other values stay', () => {
    expect(resolveQuota('default', 'none')).toBe('none');
    expect(resolveQuota('default', 3221225472)).toBe(3221225472);
    expect(resolveQuota('none', 3221225472)).toBe('none');
    expect(resolveQuota(104857600, 'none')).toBe(104857600);
    expect(resolveQuota(0, 'none')).toBe(0);
  });

  test('stored text is none, default or the decimal byte count, and parses back', () => {
    expect(quotaToStoredText('none')).toBe('none');
    expect(quotaToStoredText('default')).toBe('default');
    expect(quotaToStoredText(104857600)).toBe('104857600');
    expect(quotaToStoredText(MAX_QUOTA_BYTES)).toBe('9007199254740991');
    for (const value of ['none', 'default', 0, 1610612736, MAX_QUOTA_BYTES] as const) {
      expect(parseQuota(quotaToStoredText(value))).toBe(value);
    }
  });
});
