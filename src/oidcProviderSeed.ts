/** OIDC_PROVIDERS (nmcuser-oidc §9.3): parsed and checked with the configuration at start. */
import { isHttpUrl } from './core/httpUrl';
import { characterCount, hasNul } from './core/text';

export interface ProviderSeed {
  identifier: string;
  client_id: string;
  discovery_url: string;
}

/** The §9.1 rules; returns the problem or null. */
function problemOf(seed: ProviderSeed): string | null {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(seed.identifier) || /^\d+$/.test(seed.identifier)) {
    return `identifier ${JSON.stringify(seed.identifier)} must be 1–128 characters of A-Z a-z 0-9 . _ - and not all digits`;
  }
  if (characterCount(seed.client_id) > 255) return `client_id of ${seed.identifier} is longer than 255 characters`;
  if (hasNul(seed.client_id) || hasNul(seed.discovery_url)) return `the fields of ${seed.identifier} must not contain NUL characters`;
  if (seed.discovery_url !== '' && !(characterCount(seed.discovery_url) <= 2048 && isHttpUrl(seed.discovery_url))) {
    return `discovery_url of ${seed.identifier} must be an absolute http(s) URL`;
  }
  return null;
}

/** Parses `Telekom,o2` or a JSON array of provider fields; throws an Error naming what is wrong. */
export function parseProviderSeeds(value: string | undefined): ProviderSeed[] {
  if (value === undefined || value.trim() === '') return [];
  let seeds: ProviderSeed[];
  if (value.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Error('OIDC_PROVIDERS is not valid JSON');
    }
    if (!Array.isArray(parsed)) throw new Error('OIDC_PROVIDERS must be a JSON array');
    seeds = parsed.map((item: unknown, index) => {
      const entry = item as Record<string, unknown> | null;
      if (!entry || typeof entry !== 'object' || typeof entry.identifier !== 'string') throw new Error(`OIDC_PROVIDERS item ${index} needs a string identifier`);
      for (const field of ['client_id', 'discovery_url']) {
        if (entry[field] !== undefined && typeof entry[field] !== 'string') throw new Error(`OIDC_PROVIDERS item ${index}: ${field} must be a string`);
      }
      return { identifier: entry.identifier, client_id: (entry.client_id as string | undefined) ?? '', discovery_url: (entry.discovery_url as string | undefined) ?? '' };
    });
  } else {
    seeds = value.split(',').map((identifier) => ({ identifier: identifier.trim(), client_id: '', discovery_url: '' }));
  }
  for (const seed of seeds) {
    const problem = problemOf(seed);
    if (problem) throw new Error(`OIDC_PROVIDERS: ${problem}`);
  }
  return seeds;
}
