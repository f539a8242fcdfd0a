import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { SightlineError } from '../../protocol/errors.js';

/** What a session token grants. */
export interface TokenClaims {
  /** Session id the token was issued for. */
  sid: string;
  /** Expiry, ms since the epoch. */
  exp: number;
  /** A stable user name the token was issued to (it owns that user's uploaded videos); absent in older tokens. */
  user?: string;
}

/** The owner of what a token's holder uploads: its user, else its session. */
export function ownerOf(claims: TokenClaims): string {
  return claims.user ?? `sid:${claims.sid}`;
}

/** What `POST /api/token` accepts as a user name. */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

/**
 * HMAC-SHA256 signed session tokens: `base64url(claims).base64url(mac)`.
 * Wall-clock time is used here (and only here) because expiry must survive restarts.
 */
export class TokenIssuer {
  readonly #secret: Buffer;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(secret: Buffer, ttlMs: number, now: () => number = Date.now) {
    if (secret.length < 32)
      throw new SightlineError('ERR_INVALID_ARGUMENT', 'token secret must be at least 32 bytes');
    this.#secret = secret;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  issue(sid: string = randomUUID(), user?: string): { token: string; claims: TokenClaims } {
    if (user !== undefined && !USER_NAME.test(user)) {
      throw new SightlineError('ERR_INVALID_ARGUMENT', 'a user name is 1-64 letters, digits, _ . @ or -');
    }
    const claims: TokenClaims = {
      sid,
      exp: this.#now() + this.#ttlMs,
      ...(user !== undefined ? { user } : {}),
    };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `${body}.${this.#mac(body)}`, claims };
  }

  /** Returns the claims of a valid, unexpired token, or null. Never throws. */
  verify(token: string): TokenClaims | null {
    const dot = token.indexOf('.');
    if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
    const body = token.slice(0, dot);
    const mac = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.#mac(body), 'base64url');
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return null;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (typeof claims !== 'object' || claims === null) return null;
    const { sid, exp, user } = claims as Record<string, unknown>;
    if (typeof sid !== 'string' || typeof exp !== 'number' || exp <= this.#now()) return null;
    if (user !== undefined && typeof user !== 'string') return null;
    return user === undefined ? { sid, exp } : { sid, exp, user };
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url');
  }
}
