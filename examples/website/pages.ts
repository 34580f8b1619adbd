import type { SignedInUser } from './sessions.ts';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
dt{font-weight:600;margin-top:.5rem}button{padding:.4rem .9rem}.site{color:#555}`;

function layout(siteName: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · ${escapeHtml(siteName)}</title>
<style>${STYLE}</style></head>
<body><p class="site">${escapeHtml(siteName)}</p><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function userDetails(user: SignedInUser): string {
  const authTime = user.authTime ? new Date(user.authTime * 1000).toISOString() : 'unknown';
  return `<dl>
<dt>Name</dt><dd id="name">${escapeHtml(user.name)}</dd>
<dt>Email</dt><dd id="email">${escapeHtml(user.email ?? '')}</dd>
<dt>Subject</dt><dd id="sub">${escapeHtml(user.sub)}</dd>
<dt>Authenticated at (auth_time)</dt>
<dd><span id="auth-time">${escapeHtml(user.authTime ?? '')}</span> (${escapeHtml(authTime)})</dd>
<dt>Methods (amr)</dt><dd id="amr">${escapeHtml(user.amr.join(' '))}</dd>
</dl>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`;
}

function signInLink(to: string): string {
  const href = `/login?to=${encodeURIComponent(to)}`;
  return `<p id="signed-out">You are not signed in.</p><p><a id="sign-in" href="${escapeHtml(href)}">Sign in</a></p>`;
}

/** The home page: who is signed in, or a sign-in link. */
export function homePage(siteName: string, user: SignedInUser | undefined): string {
  if (!user) {
    return layout(siteName, 'Welcome', signInLink('/'));
  }
  return layout(siteName, `Signed in as ${user.name}`, userDetails(user));
}

/** Any other page (such as /orders/42): where the person was going, and who they are. */
export function targetPage(siteName: string, path: string, user: SignedInUser | undefined): string {
  const where = `<p>You are on <code id="path">${escapeHtml(path)}</code>.</p>`;
  if (!user) {
    return layout(siteName, 'Sign in to continue', where + signInLink(path));
  }
  return layout(siteName, `Signed in as ${user.name}`, where + userDetails(user));
}

/** A failed sign-in: the provider's public error code, never a token. */
export function errorPage(siteName: string, error: string): string {
  return layout(
    siteName,
    'Sign-in did not complete',
    `<p><code id="error">${escapeHtml(error)}</code></p>${signInLink('/')}`,
  );
}
