/**
 * Quota values shared by the OCS Provisioning adapter (spec ocs-provisioning §5.2) and the
 * nmcuser_oidc adapter (spec nmcuser-oidc §7): the input grammar, the stored form, the OCS quota
 * report object and the compact text of nmcuser_oidc. Pure functions, no imports.
 */

/** A parsed or stored quota: unlimited, "use the instance default", or a whole number of bytes. */
export type ParsedQuota = 'none' | 'default' | number;

/** A quota after `default` has been resolved to the instance default (`DEFAULT_QUOTA`). */
export type EffectiveQuota = 'none' | number;

/**
 * The `quota` member of an OCS user object (ocs §5.2 "Reporting"), members in wire order. A type
 * alias rather than an interface so that it is assignable to the envelope's map type as it is.
 */
export type QuotaReport = {
  free: number;
  used: number;
  total: number;
  relative: number;
  quota: number;
};

export interface ParseQuotaOptions {
  /**
   * Accept the literal `default` (true unless set). `DEFAULT_QUOTA` itself may not be
   * `default` (ocs §5.2), so configuration parsing passes false.
   */
  allowDefault?: boolean;
}

/** The largest quota in bytes: 2^53 − 1 (both specs). */
export const MAX_QUOTA_BYTES = Number.MAX_SAFE_INTEGER;

/** OCS reports an unlimited quota as -3 in `free`, `total` and `quota` (ocs §5.2). */
export const UNLIMITED_QUOTA_REPORT_VALUE = -3;

const UNIT_NAMES = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;
const UNIT_BYTES: Record<string, bigint> = { b: 1n, kb: 1n << 10n, mb: 1n << 20n, gb: 1n << 30n, tb: 1n << 40n, pb: 1n << 50n };
const MAX_BYTES = BigInt(MAX_QUOTA_BYTES);

// Without the `u` flag, `\d` is ASCII-only and `i` never folds a non-ASCII letter (KELVIN SIGN,
// long s) onto an ASCII one, so only the six spelled-out units match.
const PLAIN_BYTES = /^\d+$/;
const NUMBER_WITH_UNIT = /^(\d+)(?:\.(\d+))?\s*(b|kb|mb|gb|tb|pb)$/i;

// An integer part of more than 16 significant digits is at least 10^16 > 2^53 − 1 whatever the
// unit; rejecting it early keeps BigInt work small for absurd inputs.
const MAX_SIGNIFICANT_INTEGER_DIGITS = 16;
// Every rounding threshold (2n+1)/(2·unit) with unit ≤ 2^50 has at most 51 decimal places, so
// fraction digits beyond 60 can never change the rounded result; dropping them is exact.
const MAX_FRACTION_DIGITS = 60;

/**
 * Parses a quota value (ocs §5.2 input grammar = nmcuser-oidc §7.1).
 *
 * A string is trimmed; `none`/`default` in any case are literals; plain ASCII digits are bytes;
 * otherwise a number with an optional decimal part, optional whitespace and a case-insensitive
 * binary unit B, KB, MB, GB, TB, PB (1024^0 … 1024^5), rounded half up to whole bytes. A JSON
 * number (nmcuser_oidc only; OCS parameters arrive as strings) must be a non-negative integer.
 * Results above 2^53 − 1 are invalid.
 *
 * @returns the literal or the byte count, or null when the value is invalid.
 */
export function parseQuota(input: string | number, options: ParseQuotaOptions = {}): ParsedQuota | null {
  if (typeof input === 'number') {
    // `+ 0` turns -0 into 0.
    return Number.isSafeInteger(input) && input >= 0 ? input + 0 : null;
  }
  if (typeof input !== 'string') return null;
  const text = input.trim();
  const lower = text.toLowerCase();
  if (lower === 'none') return 'none';
  if (lower === 'default') return options.allowDefault === false ? null : 'default';

  if (PLAIN_BYTES.test(text)) return bytesOrNull(significant(text), '', 1n);
  const match = NUMBER_WITH_UNIT.exec(text);
  if (match === null) return null;
  return bytesOrNull(significant(match[1]), match[2] ?? '', UNIT_BYTES[match[3].toLowerCase()]);
}

function significant(digits: string): string {
  return digits.replace(/^0+/, '');
}

/** integerDigits.fractionDigits × unit, rounded half up; null above the maximum. */
function bytesOrNull(integerDigits: string, fractionDigits: string, unit: bigint): number | null {
  if (integerDigits.length > MAX_SIGNIFICANT_INTEGER_DIGITS) return null;
  const fraction = fractionDigits.slice(0, MAX_FRACTION_DIGITS).replace(/0+$/, '');
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt((integerDigits || '0') + fraction) * unit;
  let bytes = scaled / scale;
  if (2n * (scaled % scale) >= scale) bytes += 1n;
  return bytes <= MAX_BYTES ? Number(bytes) : null;
}

/** The text stored in `users.quota`: `none`, `default` or the decimal byte count (ocs §2.4). */
export function quotaToStoredText(quota: ParsedQuota): string {
  return typeof quota === 'number' ? String(quota) : quota;
}

/** Replaces `default` by the instance default (`DEFAULT_QUOTA`, never itself `default`). */
export function resolveQuota(quota: ParsedQuota, instanceDefault: EffectiveQuota): EffectiveQuota {
  return quota === 'default' ? instanceDefault : quota;
}

/**
 * The OCS quota object (ocs §5.2 "Reporting"). Roster stores no files, so `used` and `relative`
 * are always 0; unlimited is -3 in `free`, `total` and `quota`.
 */
export function quotaReport(quota: EffectiveQuota): QuotaReport {
  const value = quota === 'none' ? UNLIMITED_QUOTA_REPORT_VALUE : assertBytes(quota);
  return { free: value, used: 0, total: value, relative: 0, quota: value };
}

/**
 * The compact form of nmcuser-oidc §7.2: `none`, or the value in the largest unit it reaches,
 * rounded half up to one decimal, written without a trailing `.0` and without a space
 * (`1610612736` → `1.5GB`, `1048575` → `1MB`). Lossy by design.
 *
 * @throws RangeError when `quota` is not an integer from 0 to 2^53 − 1.
 */
export function formatQuotaCompact(quota: EffectiveQuota): string {
  if (quota === 'none') return 'none';
  const bytes = BigInt(assertBytes(quota));
  let unitIndex = 0;
  while (unitIndex < UNIT_NAMES.length - 1 && bytes >= 1n << (10n * BigInt(unitIndex + 1))) unitIndex += 1;
  let tenths = roundedTenths(bytes, unitIndex);
  if (tenths >= 10240n && unitIndex < UNIT_NAMES.length - 1) {
    unitIndex += 1;
    tenths = roundedTenths(bytes, unitIndex);
  }
  const whole = tenths / 10n;
  const decimal = tenths % 10n;
  return `${whole}${decimal === 0n ? '' : `.${decimal}`}${UNIT_NAMES[unitIndex]}`;
}

/** bytes / 1024^unitIndex in tenths, rounded half up: floor((20·bytes + unit) / (2·unit)). */
function roundedTenths(bytes: bigint, unitIndex: number): bigint {
  const unit = 1n << (10n * BigInt(unitIndex));
  return (20n * bytes + unit) / (2n * unit);
}

function assertBytes(quota: number): number {
  if (!Number.isSafeInteger(quota) || quota < 0) {
    throw new RangeError(`A quota must be a whole number of bytes from 0 to ${MAX_QUOTA_BYTES}, got ${quota}`);
  }
  return quota + 0;
}
