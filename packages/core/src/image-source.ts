/**
 * The Content-Security-Policy source of an image URL (a tenant's logo or icon): its scheme, host and
 * port only, rebuilt from the parsed URL, so nothing else of the URL can reach the header.
 */

/** Hosts a CSP source can carry as they are: names and IPv4 (letters, digits, dots, hyphens). */
const HOST_NAME = /^[A-Za-z0-9.-]+$/;
/** An IPv6 literal as the URL parser writes it (brackets, hex digits, colons, dots of an embedded IPv4). */
const IPV6_LITERAL = /^\[[0-9A-Fa-f:.]+\]$/;

/**
 * `scheme://host[:port]` of an http(s) URL, or null when the URL does not parse, is not http(s), or its
 * host (as a browser parses it: lower case, punycode, percent-decoded) holds anything but
 * `[A-Za-z0-9.-]` or is not a bracketed IPv6 literal: such a host (`a;sandbox`) could end the directive.
 */
export function imageSourceOf(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (!HOST_NAME.test(url.hostname) && !IPV6_LITERAL.test(url.hostname)) return null;
  // The parser already writes the port as digits only, and leaves it out when it is the scheme's default.
  return `${url.protocol}//${url.hostname}${url.port === '' ? '' : `:${url.port}`}`;
}
