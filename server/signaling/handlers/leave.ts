import type { Handler } from './types.js';

export const leave: Handler<'leave'> = async (ctx) => {
  ctx.conn.leave('client left');
  return {};
};
