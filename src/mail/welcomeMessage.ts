/**
 * The welcome email of ocs-provisioning §9: subject, plain-text part and HTML part. Pure functions,
 * no I/O. The message names the user, the login and the service URL, and never a password, a token
 * or a reset link.
 */
import type { WelcomeMessage } from '../core/procedure';

export interface ComposedWelcomeMail {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes a value for HTML text and for a double-quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}

/** The host part of the service URL (with the port when it has one); the value itself if it is no URL. */
export function serviceHost(serviceUrl: string): string {
  try {
    return new URL(serviceUrl).host || serviceUrl;
  } catch {
    return serviceUrl;
  }
}

/** Only http(s) URLs become links; anything else is shown as text. */
function isWebUrl(serviceUrl: string): boolean {
  try {
    const { protocol } = new URL(serviceUrl);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

export function composeWelcomeMail(message: WelcomeMessage): ComposedWelcomeMail {
  const { displayName, username, serviceUrl } = message;
  const subject = `Your account on ${serviceHost(serviceUrl)} was created`;

  const text = [
    `Hello ${displayName},`,
    '',
    'an account has been created for you.',
    '',
    `Login name: ${username}`,
    `Service:    ${serviceUrl}`,
    '',
    `This message was sent by an administrator of ${serviceUrl}.`,
    '',
  ].join('\n');

  const url = escapeHtml(serviceUrl);
  const link = isWebUrl(serviceUrl) ? `<a href="${url}">${url}</a>` : url;
  const html = [
    '<!DOCTYPE html>',
    '<html>',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title>`,
    '</head>',
    '<body>',
    `<p>Hello ${escapeHtml(displayName)},</p>`,
    '<p>an account has been created for you.</p>',
    '<p>',
    `Login name: <strong>${escapeHtml(username)}</strong><br>`,
    `Service: ${link}`,
    '</p>',
    `<p>This message was sent by an administrator of ${link}.</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');

  return { subject, text, html };
}
