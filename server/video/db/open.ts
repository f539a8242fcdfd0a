import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SightlineError } from '../../../protocol/errors.js';
import { MIGRATIONS } from './schema.js';

/** An open video index (better-sqlite3's synchronous handle). */
export type VideoDb = Database.Database;

/**
 * Opens (creating if needed) the video index at `path` (`:memory:` for a
 * throwaway one): WAL so readers never wait for the ingest writer and several
 * processes share the file, foreign keys on, a busy timeout for the moments
 * two processes write at once, and every missing migration applied in one
 * transaction each.
 */
export function openVideoDb(path: string): VideoDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: VideoDb;
  try {
    db = new Database(path);
  } catch (error) {
    throw new SightlineError('ERR_CONFIG', `cannot open the video index at ${path}`, { cause: error });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    db.close();
    throw new SightlineError(
      'ERR_CONFIG',
      `the video index at ${path} is at schema ${current}, newer than this server's ${MIGRATIONS.length}`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return db;
}
