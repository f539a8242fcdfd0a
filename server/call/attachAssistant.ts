import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import { Assistant } from '../../pipelines/assistant/assistant.js';
import type { AssistantModels } from '../../pipelines/assistant/deps.js';
import type { AssistantOptions } from '../../pipelines/assistant/options.js';
import type { Metrics, MetricsSink } from '../../pipelines/core/metrics.js';
import type { EchoGuard } from '../../pipelines/listen/events.js';
import { listener } from '../../pipelines/listen/listener.js';
import { PushToTalk } from '../../pipelines/listen/pushToTalk.js';
import { Watcher } from '../../pipelines/watch/watcher.js';
import type { ServerMetrics } from '../metrics.js';
import type { Call } from './call.js';

export interface AttachAssistantDeps {
  models: AssistantModels;
  clock: Clock;
  log: Logger;
  metrics: ServerMetrics;
  /** A fresh echo guard for this call, or null (none). */
  createEchoGuard: () => EchoGuard | null;
  options?: Partial<AssistantOptions>;
}

/** Stage metrics go to the log at debug level; per-turn figures go to the client and Prometheus. */
function stageMetrics(log: Logger): MetricsSink {
  return { emit: (m: Metrics) => log.debug('stage metrics', { ...m }) };
}

/**
 * Gives a call its assistant: the caller's audio tap feeds the listen lane, the
 * camera tap the watch lane, the reply plays through the call's sink, and every
 * assistant event is pushed to the client (and turn figures to Prometheus).
 * Everything stops when the call closes: the assistant follows the call's scope.
 */
export function attachAssistant(call: Call, deps: AttachAssistantDeps): Assistant {
  const log = deps.log.child({ callId: call.id, component: 'assistant' });
  const { models } = deps;
  const echo = deps.createEchoGuard();
  const metrics = stageMetrics(log);
  const pushToTalk = new PushToTalk();
  const watcher = new Watcher({ vision: models.vision, ocr: models.ocr, clock: deps.clock, log, metrics });
  const assistant = new Assistant(
    { models, output: call.sink, clock: deps.clock, log, metrics, signal: call.scope.signal },
    {
      listen: listener({
        vad: models.vad,
        stt: models.stt,
        turnModel: models.turn,
        ...(echo ? { echo } : {}),
        pushToTalk,
      }),
      echo,
      pushToTalk,
      watch: watcher,
    },
    { ...deps.options, callStartMs: call.startedAtMs },
  );
  call.assistant = assistant;
  assistant.on('state', (s) => call.emit('push', 'assistant_state', s));
  assistant.on('transcript', (t) => call.emit('push', 'transcript', t));
  assistant.on('reply', (r) => call.emit('push', 'reply', r));
  assistant.on('toolCall', (c) => call.emit('push', 'tool_call', c));
  assistant.on('videoAnswer', (a) => call.emit('push', 'video_answer', a));
  assistant.on('error', (e) => call.emit('push', 'error', e));
  assistant.on('metrics', (m) => {
    call.emit('push', 'metrics', m);
    deps.metrics.recordTurn(m);
  });
  const run = (what: string, work: Promise<void>) =>
    work.catch((error: unknown) => {
      if (!call.closed) log.warn(`the ${what} lane ended with an error`, { error });
    });
  call.on('audioTap', (tap) => void run('listen', assistant.listen(tap.frames)));
  // One watch lane for the call: the camera's frames, the shared screen's while there is one.
  void run('watch', assistant.watch(call.watchFrames));
  // The assistant follows the call's scope (closed by Call.close); the call only forgets it.
  call.once('closed', () => {
    call.assistant = null;
  });
  return assistant;
}
