import type { Handler } from './types.js';

export const ping: Handler<'ping'> = async (ctx) => ({ serverTimeMs: ctx.app.clock.nowMs() });
