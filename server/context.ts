import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { LoadedModelSet } from './assistant/modelSet.js';
import type { TokenIssuer } from './auth/token.js';
import type { CallRegistry } from './call/registry.js';
import type { Config } from './config.js';
import type { WorkerPool } from './media/workerPool.js';
import type { ServerMetrics } from './metrics.js';
import type { VideoService } from './video/types.js';

/** What request handlers can reach. */
export interface AppContext {
  config: Config;
  clock: Clock;
  log: Logger;
  metrics: ServerMetrics;
  pool: WorkerPool;
  tokens: TokenIssuer;
  calls: CallRegistry;
  /** The assistant's models, loaded once at start and shared by every call (`models: null` when missing). */
  models: LoadedModelSet;
  /** Uploaded-video Q&A; absent: the server runs without it. */
  videos?: VideoService;
}
