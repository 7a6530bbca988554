/**
 * The OCS response envelope (ocs-provisioning §4): format selection, meta block, HTTP status,
 * and the JSON and XML documents. Not for the 412 (CSRF) and 405 answers, which are not enveloped.
 */
import { writeOcsJson } from './ocsJson';
import { writeOcsXmlDocument } from './ocsXml';
import type { OcsValue } from './ocsValue';

export type { OcsList, OcsMap, OcsRecord, OcsScalar, OcsValue } from './ocsValue';

export type OcsVersion = 1 | 2;
export type OcsFormat = 'xml' | 'json';

export const OCS_XML_CONTENT_TYPE = 'application/xml; charset=utf-8';
export const OCS_JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** The success statuscode of each version (§4.2). */
export const OCS_SUCCESS_STATUSCODE: Readonly<Record<OcsVersion, number>> = { 1: 100, 2: 200 };

export interface OcsResponseInput {
  version: OcsVersion;
  format: OcsFormat;
  /**
   * 100 or 200 for success (written as 100 on v1 and 200 on v2); otherwise the error code,
   * written unchanged on both versions.
   */
  statuscode: number;
  /** Defaults to `OK` on success and `""` on failure (§4.2). */
  message?: string;
  /**
   * Success data; absent means empty. Ignored on failure, where data is always empty (§4.2).
   * `totalitems` and `itemsperpage` are not inputs: on v1 they are always `""` (§4.2, §5.4).
   */
  data?: OcsValue;
}

export interface OcsResponse {
  httpStatus: number;
  contentType: string;
  body: string;
}

/** Whether a statuscode means success: 100 (v1) or 200 (v2); neither is an OCS error code. */
export function isOcsSuccess(statuscode: number): boolean {
  return statuscode === 100 || statuscode === 200;
}

/**
 * The HTTP status of an OCS answer (§4.3), except that 999 (only ever a client's unknown `key` on
 * PUT /groups/{groupid}) is HTTP 400, not 500: issue 8 allows no 5xx for a client's mistake.
 */
export function ocsHttpStatus(version: OcsVersion, statuscode: number): number {
  if (isOcsSuccess(statuscode)) return 200;
  if (statuscode === 997) return 401;
  if (version === 1) return 200;
  if (statuscode === 998) return 404;
  if (statuscode === 996) return 500;
  if (statuscode === 999) return 400;
  if (statuscode >= 200 && statuscode <= 600) return statuscode;
  return 400;
}

/**
 * The response format (§4.1): the `format` parameter (from any source, §3.2) when it is exactly
 * `json` or `xml`; else the first `Accept` item that is exactly `application/json` or
 * `application/xml` after trimming and lowercasing (items with parameters do not count); else XML.
 */
export function chooseFormat(format: unknown, acceptHeader: string | readonly string[] | undefined): OcsFormat {
  if (format === 'json' || format === 'xml') return format;
  const accept = typeof acceptHeader === 'string' ? acceptHeader : (acceptHeader ?? []).join(',');
  for (const item of accept.split(',')) {
    const type = item.trim().toLowerCase();
    if (type === 'application/json') return 'json';
    if (type === 'application/xml') return 'xml';
  }
  return 'xml';
}

interface Meta {
  status: 'ok' | 'failure';
  statuscode: number;
  message: string;
  /** v1 only, always "" */
  totalitems?: '';
  itemsperpage?: '';
}

/** Renders a complete OCS answer: HTTP status, content type and body (§4). */
export function renderOcsResponse(input: OcsResponseInput): OcsResponse {
  if (!Number.isInteger(input.statuscode)) throw new RangeError(`An OCS statuscode is an integer, got ${input.statuscode}`);
  const success = isOcsSuccess(input.statuscode);
  const meta: Meta = {
    status: success ? 'ok' : 'failure',
    statuscode: success ? OCS_SUCCESS_STATUSCODE[input.version] : input.statuscode,
    message: input.message ?? (success ? 'OK' : ''),
  };
  if (input.version === 1) {
    meta.totalitems = '';
    meta.itemsperpage = '';
  }
  const data: OcsValue = success && input.data !== undefined ? input.data : [];
  const httpStatus = ocsHttpStatus(input.version, input.statuscode);
  if (input.format === 'json') {
    return { httpStatus, contentType: OCS_JSON_CONTENT_TYPE, body: renderJson(meta, data) };
  }
  return { httpStatus, contentType: OCS_XML_CONTENT_TYPE, body: renderXml(meta, data) };
}

function renderJson(meta: Meta, data: OcsValue): string {
  return `{"ocs":{"meta":${writeOcsJson({ ...meta })},"data":${writeOcsJson(data)}}}`;
}

function renderXml(meta: Meta, data: OcsValue): string {
  return writeOcsXmlDocument('ocs', { meta: { ...meta }, data });
}
