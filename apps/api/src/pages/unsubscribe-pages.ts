import type { PageBranding } from './branding';
import { renderDocument } from './document';
import { html } from './html';

/** The one-click unsubscribe's pages: the confirmation a GET shows (it never writes), and the result. */

/** What an unsubscribe link turns off, in words. */
export function scopeDescription(scope: string | null): string {
  if (scope === null) return 'marketing and promotional messages';
  const key = scope.slice(scope.indexOf('.') + 1);
  return `“${key}” messages`;
}

export function renderUnsubscribeConfirmation(parts: {
  nonce: string;
  branding: PageBranding;
  scope: string | null;
  actionUrl: string;
  preferencesUrl: string;
}): string {
  const what = scopeDescription(parts.scope);
  const body = html`<h1>Unsubscribe?</h1>
<p class="lead">You will no longer receive ${what}.</p>
<form method="post" action="${parts.actionUrl}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<div class="actions">
<button type="submit">Unsubscribe</button>
<a class="small" href="${parts.preferencesUrl}">Manage all preferences instead</a>
</div>
</form>`;
  return renderDocument({ title: 'Unsubscribe', nonce: parts.nonce, branding: parts.branding, body });
}

export function renderUnsubscribed(parts: { nonce: string; branding: PageBranding; scope: string | null; preferencesUrl: string }): string {
  const body = html`<h1>You are unsubscribed</h1>
<p class="lead" role="status">You will no longer receive ${scopeDescription(parts.scope)}. It may take a moment for messages already on their way.</p>
<p><a href="${parts.preferencesUrl}">Manage your notification preferences</a></p>`;
  return renderDocument({ title: 'Unsubscribed', nonce: parts.nonce, branding: parts.branding, body });
}

/** An error as a page: what went wrong in words, never a stack trace. */
export function renderErrorPage(parts: { nonce: string; branding: PageBranding; title: string; message: string }): string {
  const body = html`<h1>${parts.title}</h1>
<p class="lead">${parts.message}</p>`;
  return renderDocument({ title: parts.title, nonce: parts.nonce, branding: parts.branding, body });
}
