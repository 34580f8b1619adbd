import { html, page } from './html.ts';

/** What the login page shows. */
export interface LoginPageOptions {
  action: string;
  abortAction: string;
  clientName: string;
  username?: string | undefined;
  error?: string | undefined;
}

/** The login form; the username may be filled in (a handover that needs a fresh login). */
export function loginPage(options: LoginPageOptions): string {
  const error = options.error ? html`<p class="error" role="alert">${options.error}</p>` : '';
  return page(
    'Sign in',
    html`<p>to continue to ${options.clientName}</p>${error}
<form method="post" action="${options.action}">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" required
 value="${options.username ?? ''}" ${options.username ? '' : 'autofocus'}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required
 ${options.username ? 'autofocus' : ''}>
<button type="submit">Sign in</button></form>
<form method="post" action="${options.abortAction}"><button type="submit">Cancel</button></form>`,
  );
}

/** What the consent page shows. */
export interface ConsentPageOptions {
  action: string;
  abortAction: string;
  clientName: string;
  scopes: string[];
}

/** The consent page for clients that are not first party. */
export function consentPage(options: ConsentPageOptions): string {
  const scopes = options.scopes.map((scope) => html`<li>${scope}</li>`);
  return page(
    'Allow access?',
    html`<p>${options.clientName} asks for:</p><ul>${scopes}</ul>
<form method="post" action="${options.action}"><button type="submit">Allow</button></form>
<form method="post" action="${options.abortAction}"><button type="submit">Deny</button></form>`,
  );
}

/** The page that asks before one account's browser session is replaced by another's. */
export interface SwitchAccountPageOptions {
  confirmAction: string;
  declineAction: string;
  currentUser: string;
  newUser: string;
}

/** "Signed in here as Y; continue as X?" */
export function switchAccountPage(options: SwitchAccountPageOptions): string {
  return page(
    'Switch account?',
    html`<p>This browser is signed in as <strong>${options.currentUser}</strong>.</p>
<p>Continue as <strong>${options.newUser}</strong>? This signs ${options.currentUser} out here.</p>
<form method="post" action="${options.confirmAction}">
<button type="submit">Continue as ${options.newUser}</button></form>
<form method="post" action="${options.declineAction}">
<button type="submit">Stay signed in as ${options.currentUser}</button></form>`,
  );
}

/** The error page; only the public error code and description are shown. */
export function errorPage(error: string, description: string | undefined): string {
  return page(
    'Something went wrong',
    html`<p><code>${error}</code></p><p>${description ?? ''}</p>`,
  );
}

/** The logout confirmation; `form` is the provider's own hidden form with its secret. */
export function logoutPage(form: string, clientName: string | undefined): string {
  const who = clientName ? html`<p>${clientName} asks to sign you out.</p>` : '';
  return page(
    'Sign out?',
    html`${who}${{ safe: form }}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>`,
  );
}

/** Shown after a logout that named no redirect URI. */
export function loggedOutPage(): string {
  return page('Signed out', html`<p>You are signed out.</p>`);
}
