import { SightlineError } from '../../protocol/errors.js';
import { requestToken } from './video.js';

/** Where a session's tokens come from (ConnectOptions' `token`, `getToken`, `user`). */
export interface TokenOptions {
  token?: string;
  getToken?: () => Promise<string>;
  user?: string;
  baseUrl: string;
}

/**
 * The session token: the one given, else `getToken()`, else (dev mode) the
 * server's open `POST /api/token`. A refused token is replaced once through
 * `getToken` (or dev mode); a fixed `token` alone cannot be replaced.
 */
export class TokenSource {
  readonly #options: TokenOptions;
  readonly #devToken: typeof requestToken;
  #token: string | null;

  constructor(options: TokenOptions, devToken = requestToken) {
    this.#options = options;
    this.#devToken = devToken;
    this.#token = options.token ?? null;
  }

  /** A new token can be had when the current one is refused. */
  get canRefresh(): boolean {
    return this.#options.getToken !== undefined || this.#options.token === undefined;
  }

  /** The current token (fetched the first time). */
  async current(): Promise<string> {
    this.#token ??= await this.#fetch();
    return this.#token;
  }

  /** A new token (from `getToken` or dev mode); ERR_UNAUTHORIZED when none can be had. */
  async fresh(): Promise<string> {
    if (!this.canRefresh) throw new SightlineError('ERR_UNAUTHORIZED', 'the token was refused');
    this.#token = await this.#fetch();
    return this.#token;
  }

  /** A fresh token before a reconnect when `getToken` is given, else the current one. */
  async forResume(): Promise<string> {
    return this.#options.getToken ? this.fresh() : this.current();
  }

  /** Runs `use` with the token; on ERR_UNAUTHORIZED gets a new token once and runs it again. */
  async withToken<T>(use: (token: string) => Promise<T>): Promise<T> {
    try {
      return await use(await this.current());
    } catch (error) {
      if (!(error instanceof SightlineError) || error.code !== 'ERR_UNAUTHORIZED' || !this.canRefresh) {
        throw error;
      }
      return use(await this.fresh());
    }
  }

  async #fetch(): Promise<string> {
    const { getToken, user, baseUrl } = this.#options;
    try {
      const token = getToken
        ? await getToken()
        : await this.#devToken({ baseUrl, ...(user ? { user } : {}) });
      if (typeof token === 'string' && token.length > 0) return token;
      throw new SightlineError('ERR_UNAUTHORIZED', 'the token source gave an empty token');
    } catch (error) {
      if (error instanceof SightlineError) throw error;
      // getToken is the app's: its failure is a refused token. Dev mode's fetch failing is an unreachable server.
      if (getToken) {
        throw new SightlineError('ERR_UNAUTHORIZED', 'getToken() gave no token', { cause: error });
      }
      throw new SightlineError('ERR_CONNECTION_CLOSED', `could not reach ${baseUrl}`, { cause: error });
    }
  }
}
