import { describe, expect, it } from 'vitest';
import { SightlineError } from '../../../protocol/errors.js';
import { ConfigError, loadConfig } from '../../../server/config.js';

describe('loadConfig', () => {
  it('uses the defaults for unset variables', () => {
    const c = loadConfig({});
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.limits.requestTimeoutMs).toBe(10000);
  });

  it.each([
    ['PORT', 'a random port'],
    ['HOST', 'every interface'],
    ['MEDIA_ANNOUNCED_ADDRESS', 'announcing an empty address'],
  ])('refuses %s set but empty instead of falling back to %s', (name) => {
    expect(() => loadConfig({ [name]: '' })).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG',
        message: `invalid configuration: ${name} set but empty; unset for the default`,
      }),
    );
    expect(() => loadConfig({ [name]: '  ' })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
  });

  it('reports a bad value as ERR_CONFIG naming the variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(SightlineError);
    expect(error).toMatchObject({
      code: 'ERR_CONFIG',
      message: expect.stringMatching(/^invalid configuration: PORT: /),
    });
  });

  it('reports inconsistent settings as ERR_CONFIG', () => {
    expect(() => loadConfig({ RTC_MIN_PORT: '5000', RTC_MAX_PORT: '4000' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', message: 'RTC_MIN_PORT must be below RTC_MAX_PORT' }),
    );
  });
});
