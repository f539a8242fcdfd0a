import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** The server's Prometheus metrics, on a registry of its own (several servers can share a process in tests). */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly callsActive = new Gauge({
    name: 'sightline_calls_active',
    help: 'Calls in progress',
    registers: [this.registry],
  });
  readonly callsTotal = new Counter({
    name: 'sightline_calls_total',
    help: 'Calls started',
    registers: [this.registry],
  });
  readonly workersAlive = new Gauge({
    name: 'sightline_media_workers_alive',
    help: 'Live mediasoup workers',
    registers: [this.registry],
  });
  readonly workerDeaths = new Counter({
    name: 'sightline_media_worker_deaths_total',
    help: 'mediasoup workers that died',
    registers: [this.registry],
  });
  readonly tapsActive = new Gauge({
    name: 'sightline_media_taps_active',
    help: 'Media taps running',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly tapRestarts = new Counter({
    name: 'sightline_video_tap_restarts_total',
    help: 'ffmpeg restarts in video taps',
    registers: [this.registry],
  });
  readonly transportsActive = new Gauge({
    name: 'sightline_media_transports_active',
    help: 'Open WebRTC transports',
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'sightline_errors_total',
    help: 'Errors reported to clients, by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly signalingMessages = new Counter({
    name: 'sightline_signaling_messages_total',
    help: 'Signaling requests received, by method',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
