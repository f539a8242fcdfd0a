import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ownerOf, TokenIssuer } from '../../../../server/auth/token.js';

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

  it('carries an optional stable user: the owner of videos is the user, else the session (never confusable)', () => {
    const issuer = new TokenIssuer(secret, 60_000, () => 1_000);
    const withUser = issuer.issue('s1', 'alice');
    expect(issuer.verify(withUser.token)).toEqual({ sid: 's1', exp: 61_000, user: 'alice' });
    expect(ownerOf(withUser.claims)).toBe('alice');
    // A new session of the same user owns the same videos.
    expect(ownerOf(issuer.issue('s2', 'alice').claims)).toBe('alice');
    const plain = issuer.issue('alice');
    expect(ownerOf(plain.claims)).not.toBe('alice');
    expect(() => issuer.issue('s3', 'a:b')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => issuer.issue('s3', '')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('keeps tokens issued before users existed valid, and refuses a user that is not a string', () => {
    const issuer = new TokenIssuer(secret, 60_000, () => 1_000);
    const old = issuer.issue('s1');
    expect(issuer.verify(old.token)).toEqual({ sid: 's1', exp: 61_000 });
    // Signed with the right secret (as the issuer signs), but the user is a number.
    const body = Buffer.from(JSON.stringify({ sid: 's1', exp: 61_000, user: 7 })).toString('base64url');
    const mac = createHmac('sha256', secret).update(body).digest('base64url');
    expect(issuer.verify(`${body}.${mac}`)).toBeNull();
  });
});
