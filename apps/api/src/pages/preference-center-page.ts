import type { PreferenceCenterRowView, PreferenceCenterView, PreferenceToggle } from '@prefs/core';
import type { PageBranding } from './branding';
import { renderDocument } from './document';
import { html, type Html } from './html';
import { PREFERENCE_CENTER_SCRIPT } from './preference-center-script';
import { scopeDescription } from './unsubscribe-pages';

/**
 * The preference center: one form, posted with the link's token (no session, no cookie). Each editable
 * toggle is a checkbox `set:<name>` beside a hidden `was:<name>` holding what the page showed, so the
 * server writes only what the user changed. Works as a plain form; the script saves without a reload.
 */
export interface PreferenceCenterPage {
  view: PreferenceCenterView;
  token: string;
  branding: PageBranding;
  nonce: string;
  /** After a save without JavaScript: the message to show. */
  status: { text: string; error: boolean } | null;
  unsubscribeUrl: string;
  /** The link's unsubscribe scope (null: commercial messages), for the unsubscribe link's words. */
  scope: string | null;
}

function toggleControl(item: PreferenceToggle, id: string, labelled: 'visible' | 'hidden'): Html {
  return html`<label class="toggle" for="${id}"><span class="${labelled === 'visible' ? 'label' : 'sr-only'}">${item.label}</span>
<input class="switch" type="checkbox" role="switch" id="${id}" name="${`set:${item.name}`}" value="1"${item.on ? html` checked` : ''}${
    item.readOnly ? html` disabled` : ''
  }><span class="state" aria-hidden="true"></span></label>${
    item.readOnly ? '' : html`<input type="hidden" name="${`was:${item.name}`}" value="${item.on ? '1' : '0'}">`
  }`;
}

/**
 * A row is a fieldset named by its (visually hidden) legend and described by its description; the
 * visible title is the same text, laid out freely (a legend cannot be).
 */
function row(view: PreferenceCenterRowView, rowIndex: number): Html {
  const descriptionId = `d${rowIndex}`;
  const note = view.readOnly ? html`<span class="note">Set by rules of your account: it cannot be changed here.</span>` : '';
  const description = view.description ? html`<span class="desc" id="${descriptionId}">${view.description}</span>` : '';
  const perChannel = view.toggles.length > 1 || view.toggles[0].path.length === 4;
  return html`<fieldset class="row${perChannel ? ' channels' : ''}"${view.description ? html` aria-describedby="${descriptionId}"` : ''}>
<legend class="sr-only">${view.label}</legend>
<div class="text"><span class="title" aria-hidden="true">${view.label}</span>${description}${note}</div>
<div class="toggles">${view.toggles.map((item, index) => toggleControl(item, `t${rowIndex}-${index}`, perChannel ? 'visible' : 'hidden'))}</div>
</fieldset>`;
}

export function renderPreferenceCenterPage(page: PreferenceCenterPage): string {
  const { view, token, branding, nonce, status } = page;
  const body = html`<h1 id="title">${view.title}</h1>
${view.description ? html`<p class="lead">${view.description}</p>` : html`<p class="lead">Choose which messages you receive.</p>`}
<p class="status${status?.error ? ' error' : ''}" id="status" role="status" aria-live="polite">${status?.text ?? ''}</p>
<form method="post" action="/preferences" id="preferences" aria-labelledby="title">
<input type="hidden" name="t" value="${token}">
${view.rows.map((item, index) => row(item, index))}
<div class="actions">
<button type="submit">Save preferences</button>
<a class="small" href="${page.unsubscribeUrl}">Unsubscribe from ${scopeDescription(page.scope)}</a>
</div>
</form>`;
  return renderDocument({ title: view.title, nonce, branding, body, script: PREFERENCE_CENTER_SCRIPT });
}
