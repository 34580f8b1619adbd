import { randomBytes } from 'node:crypto';

import type { Context } from 'koa';

/** Who is signed in on this website, taken from the ID token of its own code flow. */
export interface SignedInUser {
  sub: string;
  name: string;
  email: string | undefined;
  /** The provider's `auth_time`: when the person really authenticated (seconds). */
  authTime: number | undefined;
  amr: string[];
  /** Kept for RP-initiated logout (`id_token_hint`). */
  idToken: string;
}

/** A code flow this browser has started and not finished yet. */
export interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  /** The local path to show once signed in. */
  to: string;
}

/** One browser's state on this website. */
export interface Session {
  user?: SignedInUser;
  pending?: PendingLogin;
}

/**
 * In-memory sessions keyed by a random cookie value. A real website would use its usual
 * session store; the cookie name includes the client_id because cookies ignore the port and
 * both demo websites run on localhost.
 */
export class SessionStore {
  readonly cookieName: string;
  #sessions = new Map<string, Session>();

  constructor(clientId: string) {
    this.cookieName = `${clientId}.sid`;
  }

  /** The session of the request's browser, if it has one. */
  find(ctx: Context): Session | undefined {
    const id = ctx.cookies.get(this.cookieName);
    return id ? this.#sessions.get(id) : undefined;
  }

  /** The session of the request's browser, created (and its cookie set) when missing. */
  open(ctx: Context): Session {
    const existing = this.find(ctx);
    if (existing) {
      return existing;
    }
    const id = randomBytes(32).toString('base64url');
    const session: Session = {};
    this.#sessions.set(id, session);
    ctx.cookies.set(this.cookieName, id, { httpOnly: true, sameSite: 'lax', overwrite: true });
    return session;
  }

  /** Forgets the browser's session and clears its cookie. */
  end(ctx: Context): void {
    const id = ctx.cookies.get(this.cookieName);
    if (id) {
      this.#sessions.delete(id);
    }
    ctx.cookies.set(this.cookieName, null, { httpOnly: true, sameSite: 'lax' });
  }
}
