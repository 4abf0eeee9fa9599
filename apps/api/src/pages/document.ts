import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { PageBranding } from './branding';
import { imageOrigins } from './branding';
import { html, trustedHtml, type Html } from './html';
import { PAGE_CSS } from './styles';

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The headers of every end-user page and answer: a strict Content-Security-Policy (nothing loads but the
 * nonce'd inline style and script, and the tenant's logo origin), no framing, no referrer (the URL holds
 * the token), no caching, no sniffing. No cookie is ever set.
 */
export function setPageHeaders(res: Response, nonce: string, branding: PageBranding | null): void {
  const images = branding ? imageOrigins(branding) : [];
  res.set({
    'Content-Security-Policy': [
      "default-src 'none'",
      `style-src 'nonce-${nonce}'`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${images.length > 0 ? images.join(' ') : "'none'"}`,
      "connect-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
}

export interface DocumentParts {
  title: string;
  nonce: string;
  branding: PageBranding;
  body: Html;
  script?: string;
}

export function renderDocument(parts: DocumentParts): string {
  const { title, nonce, branding, body, script } = parts;
  const brandHeader =
    branding.logoUrl || branding.name
      ? html`<header class="brand">${branding.logoUrl ? html`<img src="${branding.logoUrl}" alt="${branding.name ?? ''}">` : ''}${
          branding.name && !branding.logoUrl ? html`<span class="name">${branding.name}</span>` : ''
        }</header>`
      : '';
  const colours = `:root{--primary:${branding.primary};--on-primary:${branding.onPrimary}}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
${branding.iconUrl ? html`<link rel="icon" href="${branding.iconUrl}">` : ''}
<style nonce="${nonce}">${trustedHtml(colours + PAGE_CSS)}</style>
</head>
<body>
<main>
<div class="card">
${brandHeader}
${body}
</div>
</main>
${script ? html`<script nonce="${nonce}">${trustedHtml(script)}</script>` : ''}
</body>
</html>
`.value;
}
