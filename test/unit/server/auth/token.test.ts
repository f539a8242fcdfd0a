import { describe, expect, it } from 'vitest';
import { TokenIssuer } from '../../../../server/auth/token.js';

describe('TokenIssuer', () => {
  const secret = Buffer.alloc(32, 7);

  it('verifies its own tokens and returns the claims', () => {
    const issuer = new TokenIssuer(secret, 60_000, () => 1_000);
    const { token, claims } = issuer.issue('s1');
    expect(issuer.verify(token)).toEqual(claims);
    expect(claims).toEqual({ sid: 's1', exp: 61_000 });
  });

  it('rejects tampered, foreign, malformed and expired tokens', () => {
    let now = 1_000;
    const issuer = new TokenIssuer(secret, 60_000, () => now);
    const { token } = issuer.issue('s1');
    const [body, mac] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ sid: 's1', exp: 9e15 })).toString('base64url');
    expect(issuer.verify(`${forged}.${mac}`)).toBeNull();
    expect(issuer.verify(`${body}.${mac.slice(0, -2)}AA`)).toBeNull();
    expect(new TokenIssuer(Buffer.alloc(32, 8), 60_000, () => now).verify(token)).toBeNull();
    for (const bad of ['', '.', 'abc', 'a.b.c', `${body}.`, `.${mac}`]) expect(issuer.verify(bad)).toBeNull();
    now = 61_000;
    expect(issuer.verify(token)).toBeNull();
  });

  it('refuses a short secret', () => {
    expect(() => new TokenIssuer(Buffer.alloc(8), 1000)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});
