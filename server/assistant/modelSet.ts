import { basename } from 'node:path';
import type { Logger } from '../../core/log.js';
import { ModelManager } from '../../models/manager/manager.js';
import type { Llm, VisionEncoder } from '../../models/roles/llm.js';
import { PpOcrRole } from '../../models/roles/ppOcrRole.js';
import { SileroVadRole } from '../../models/roles/sileroVadRole.js';
import { SmolVlmLlm } from '../../models/roles/smolVlmLlm.js';
import type { Stt } from '../../models/roles/stt.js';
import type { TextImageModel } from '../../models/roles/textImage.js';
import type { Tts } from '../../models/roles/tts.js';
import { WhisperStt } from '../../models/roles/whisperStt.js';
import { SiglipTextImage } from '../../models/textImage/siglip.js';
import { isTinyModelDir } from '../../models/tiny/tinySet.js';
import { EspeakTts } from '../../models/tts/espeak.js';
import { KokoroTts } from '../../models/tts/kokoro.js';
import { PiperTts } from '../../models/tts/piper.js';
import { SmartTurn } from '../../models/turn/smartTurn.js';
import type { AssistantModels } from '../../pipelines/assistant/deps.js';
import type { ModelsStatus } from '../../protocol/messages.js';
import type { AssistantConfig } from '../config.js';
import {
  espeakInstalled,
  type ModelSetPlan,
  machineProbe,
  missingForPlan,
  planModelSet,
  smartTurnPath,
} from './plan.js';

/**
 * Roles served by OpenAI-compatible servers (built from LLM_BASE_URL, STT_*,
 * TTS_* by `remoteRolesFromEnv`); a remote role needs no local files. The
 * loaded set takes ownership: its `dispose()` disposes them.
 */
export interface RemoteRoles {
  llm: Llm | null;
  stt: Stt | null;
  tts: Tts | null;
  /** Role → what serves it, as the status shows it (`openai:gpt-4o-mini@http://…`). */
  describe: Record<string, string>;
}

/** No remote role: everything local. */
export const NO_REMOTE_ROLES: RemoteRoles = { llm: null, stt: null, tts: null, describe: {} };

/**
 * The watch lane's vision encoder taken from the local SmolVLM2 (its own
 * `vision_encoder.onnx`, so the LLM gets ready visual tokens). Null: frames go
 * to the LLM as images.
 */
export type LocalVisionEncoderFactory = (llm: SmolVlmLlm) => VisionEncoder | null;

export interface LoadModelSetOptions {
  config: AssistantConfig;
  log: Logger;
  remote?: RemoteRoles;
  /** Default: the SmolVLM2 role's own encoder (`llm.vision`, sharing its sessions); return null for images only. */
  localVisionEncoder?: LocalVisionEncoderFactory;
  /** Whether espeak-ng runs (default: ask the binary). */
  espeakInstalled?: () => boolean;
}

/** The assistant's models, loaded once at start and shared by every call. */
export interface LoadedModelSet {
  /** Null when something is missing or failed to load: no call pretends to answer. */
  models: AssistantModels | null;
  status: ModelsStatus;
  /**
   * The text–image model (TEXT_IMAGE_MODEL) that uploaded-video questions rank frames with; not a
   * role of the live assistant. Null when none is configured or the set is not ready.
   */
  textImage: TextImageModel | null;
  /** Model id → why it failed to load (a corrupt or incompatible file). */
  loadErrors: Record<string, string>;
  /** Disposes every model, the remote roles included. Idempotent. */
  dispose(): Promise<void>;
}

interface Disposable {
  dispose(): Promise<void>;
}

/** Disposes each once, in reverse order of loading; one failure does not keep the others loaded. */
function disposer(owned: Disposable[], log: Logger): () => Promise<void> {
  let done: Promise<void> | null = null;
  return () => {
    done ??= (async () => {
      for (const d of owned.reverse()) {
        try {
          await d.dispose();
        } catch (error) {
          log.warn('a model failed to unload', { error });
        }
      }
    })();
    return done;
  };
}

function remoteOwned(remote: RemoteRoles): Disposable[] {
  return [remote.llm, remote.stt, remote.tts].filter((r): r is NonNullable<typeof r> => r !== null);
}

/**
 * Loads the configured model set: VAD and OCR (shipped in npm), Whisper,
 * SmolVLM2, the TTS engine, Smart Turn; a role with a remote server is taken
 * as given. Never throws for a model problem: missing files or a model that
 * fails to load give `models: null` and a status naming what is missing and
 * the command that fetches it. Logs one line per role (model and load time)
 * and a loud warning when tiny random test models are loaded.
 */
export async function loadModelSet(o: LoadModelSetOptions): Promise<LoadedModelSet> {
  const { config, log } = o;
  const remote = o.remote ?? NO_REMOTE_ROLES;
  const manager = new ModelManager({ dir: config.modelsDir, baseUrl: config.modelsBaseUrl });
  const probe = machineProbe(manager, o.espeakInstalled ?? espeakInstalled);
  const plan = planModelSet(
    config,
    manager,
    { llm: remote.llm !== null, stt: remote.stt !== null, tts: remote.tts !== null },
    probe,
  );
  log.info('text to speech', { engine: plan.tts.kind, why: plan.ttsReason });
  log.info('end of turn', { smartTurn: plan.turn.kind === 'smart-turn', why: plan.turnReason });

  const { missing, fetchCommand } = missingForPlan(plan, manager, config.modelSet, probe);
  if (missing.length > 0) {
    log.warn('models are missing: the assistant will not answer until they are fetched', {
      modelsDir: manager.dir,
      missing,
      fetchCommand,
    });
    return {
      models: null,
      status: { ready: false, loaded: {}, missing, fetchCommand, tinyTestModels: false },
      textImage: null,
      loadErrors: {},
      dispose: disposer(remoteOwned(remote), log),
    };
  }

  const loader = new RoleLoader(log, remote.describe);
  try {
    const threads = config.threads;
    const vad = await loader.local('vad', 'silero-vad', null, () => SileroVadRole.load(undefined, { log }));
    const ocr = await loader.local('ocr', 'pp-ocrv4', null, () =>
      PpOcrRole.load(undefined, { threads: { intraOp: threads.ocr }, log }),
    );
    let stt: Stt;
    if (plan.stt.kind === 'whisper') {
      const dir = manager.pathOf(plan.stt.model);
      stt = await loader.local('stt', plan.stt.model.id, dir, () =>
        WhisperStt.load(dir, { threads: { intraOp: threads.stt }, log }),
      );
    } else stt = loader.given('stt', remote.stt as Stt);
    let llm: Llm;
    let vision: VisionEncoder | null = null;
    if (plan.llm.kind === 'smolvlm') {
      const dir = manager.pathOf(plan.llm.model);
      const smol = await loader.local('llm', plan.llm.model.id, dir, () =>
        SmolVlmLlm.load(dir, { threads: { intraOp: threads.llm }, log }),
      );
      llm = smol;
      vision = (o.localVisionEncoder ?? ((l: SmolVlmLlm) => l.vision))(smol);
      if (vision) loader.loaded.vision = vision.name;
    } else llm = loader.given('llm', remote.llm as Llm);
    const tts = await loadTts(plan.tts, manager, loader, remote, threads.tts, log);
    let turn: SmartTurn | null = null;
    if (plan.turn.kind === 'smart-turn') {
      const model = plan.turn.model;
      turn = await loader.local('turn', model.id, manager.pathOf(model), () =>
        SmartTurn.load(smartTurnPath(manager, model), { threads: { intraOp: threads.turn }, log }),
      );
    }
    let textImage: TextImageModel | null = null;
    if (plan.textImage.kind === 'siglip') {
      const model = plan.textImage.model;
      const dir = manager.pathOf(model);
      textImage = await loader.local('textImage', model.id, dir, () =>
        SiglipTextImage.load(dir, { name: model.id, threads: { intraOp: threads.ocr }, log }),
      );
    }
    const tinyTestModels = loader.tiny.length > 0;
    if (tinyTestModels) {
      log.warn(
        '!!! TINY RANDOM TEST MODELS ARE LOADED: every answer is noise (tests and wiring demos only). Point SIGHTLINE_MODELS_DIR at the real models for a real assistant !!!',
        { tinyModels: loader.tiny, modelsDir: manager.dir },
      );
    }
    return {
      models: { vad, stt, llm, tts, turn, ocr, vision },
      status: { ready: true, loaded: loader.loaded, missing: [], fetchCommand: null, tinyTestModels },
      textImage,
      loadErrors: {},
      dispose: disposer([...remoteOwned(remote), ...loader.owned], log),
    };
  } catch (error) {
    const id = loader.attempting;
    const reason = error instanceof Error ? error.message : String(error);
    log.error('a model failed to load: the assistant will not answer', { model: id, error });
    await disposer(loader.owned, log)();
    // A downloaded file that does not load is damaged or changed: verify names it (delete it, then pull again).
    const downloaded = plan.downloads.some((m) => m.id === id);
    return {
      models: null,
      status: {
        ready: false,
        loaded: {},
        missing: [id],
        fetchCommand: downloaded ? `npx sightline models verify --set ${config.modelSet}` : null,
        tinyTestModels: false,
      },
      textImage: null,
      loadErrors: { [id]: reason },
      dispose: disposer(remoteOwned(remote), log),
    };
  }
}

/** Loads roles one by one, keeping what it loaded (to dispose on failure), what serves each role, and which were tiny. */
class RoleLoader {
  readonly owned: Disposable[] = [];
  readonly loaded: Record<string, string> = {};
  readonly tiny: string[] = [];
  /** The model being loaded (named when its load fails). */
  attempting = '';
  readonly #log: Logger;
  readonly #describe: Record<string, string>;

  constructor(log: Logger, describe: Record<string, string>) {
    this.#log = log;
    this.#describe = describe;
  }

  /** Loads a local model (from `dir` when it has one), logs its load time, keeps it. */
  async local<T extends Disposable>(
    role: string,
    id: string,
    dir: string | null,
    load: () => Promise<T>,
  ): Promise<T> {
    this.attempting = id;
    const t0 = performance.now();
    const model = await load();
    this.owned.push(model);
    this.loaded[role] = id;
    const tiny = dir !== null && isTinyModelDir(dir);
    if (tiny) this.tiny.push(id);
    this.#log.info('model loaded', {
      role,
      model: id,
      ...(dir ? { dir } : {}),
      loadMs: Math.round(performance.now() - t0),
      ...(tiny ? { tinyTestModel: true } : {}),
    });
    return model;
  }

  /** A role an OpenAI-compatible server serves. */
  given<T>(role: string, model: T): T {
    const served = this.#describe[role] ?? 'remote';
    this.loaded[role] = served;
    this.#log.info('model loaded', { role, model: served, remote: true });
    return model;
  }
}

async function loadTts(
  tts: ModelSetPlan['tts'],
  manager: ModelManager,
  loader: RoleLoader,
  remote: RemoteRoles,
  intraOp: number,
  log: Logger,
): Promise<Tts> {
  switch (tts.kind) {
    case 'remote':
      return loader.given('tts', remote.tts as Tts);
    case 'kokoro': {
      const dir = manager.pathOf(tts.model);
      const voice = tts.voice ? { voice: tts.voice } : {};
      return loader.local('tts', tts.model.id, dir, () =>
        KokoroTts.load(dir, { ...voice, threads: { intraOp }, log }),
      );
    }
    case 'piper':
      return loader.local('tts', `piper:${basename(tts.path)}`, null, () =>
        PiperTts.load(tts.path, { threads: { intraOp }, log }),
      );
    case 'espeak':
      return loader.local('tts', 'espeak-ng', null, async () => new EspeakTts(tts.voice ?? undefined));
  }
}
