import { existsSync } from 'node:fs';
import { workerBin } from 'mediasoup';
import { createLogger } from '../core/log.js';
import { remoteRolesFromEnv } from '../models/remote/fromEnv.js';
import { SightlineError } from '../protocol/errors.js';
import { SightlineServer } from './app.js';
import type { RemoteRoles } from './assistant/modelSet.js';
import { ConfigError, loadConfig } from './config.js';

function fail(message: string): never {
  process.stderr.write(`sightline: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  let remote: RemoteRoles;
  try {
    config = loadConfig();
    remote = remoteRolesFromEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError || (error instanceof SightlineError && error.code === 'ERR_CONFIG')) {
      fail(error.message);
    }
    throw error;
  }
  if (!existsSync(workerBin)) {
    fail(
      `the mediasoup worker is missing (${workerBin}). Run \`node scripts/setup.mjs\` to build or fetch it.`,
    );
  }
  const log = createLogger({ level: config.log.level, logContent: config.log.content });
  // A stray rejection in one call's code must not end every other call: log it and carry on.
  process.on('unhandledRejection', (error) => log.error('unhandled rejection', { error }));
  const server = await SightlineServer.create(config, { log, remote });
  const shown = server.url.replace('127.0.0.1', 'localhost');
  log.info('sightline is up', { url: shown, workers: server.pool.size, authMode: config.auth.mode });
  process.stdout.write(`\nSightline is running. Open ${shown} in Chrome or Firefox.\n`);
  const models = server.app.models.status;
  if (!models.ready) {
    process.stdout.write(
      `The assistant cannot answer yet: ${models.missing.length} model file(s) missing or broken (see ${shown}/readyz).\n` +
        (models.fetchCommand ? `Fix it with: ${models.fetchCommand}\n` : ''),
    );
  } else if (models.tinyTestModels) {
    process.stdout.write('WARNING: tiny RANDOM test models are loaded: every answer is noise.\n');
  }
  process.stdout.write('\n');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info('shutting down', { signal });
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') fail('the port is in use; set PORT to another one');
  fail(error instanceof Error ? error.message : String(error));
});
