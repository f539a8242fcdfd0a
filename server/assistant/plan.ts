import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelManager } from '../../models/manager/manager.js';
import { type ModelEntry, type ModelRole, PULL_COMMAND } from '../../models/manager/manifest.js';
import { ESPEAK_BIN } from '../../models/tts/espeak.js';
import { KOKORO_LAYOUT } from '../../models/tts/kokoro.js';
import { SMART_TURN_LAYOUT } from '../../models/turn/smartTurn.js';
import { type AssistantConfig, ConfigError } from '../config.js';

/** Which roles an OpenAI-compatible server serves (those need no local files). */
export interface RemoteRoleFlags {
  llm: boolean;
  stt: boolean;
  tts: boolean;
}

/** Where each role of the assistant comes from, decided before anything loads. */
export interface ModelSetPlan {
  stt: { kind: 'remote' } | { kind: 'whisper'; model: ModelEntry };
  llm: { kind: 'remote' } | { kind: 'smolvlm'; model: ModelEntry };
  tts:
    | { kind: 'remote' }
    | { kind: 'kokoro'; model: ModelEntry; voice: string | null }
    | { kind: 'piper'; path: string }
    | { kind: 'espeak'; voice: string | null };
  turn: { kind: 'smart-turn'; model: ModelEntry } | { kind: 'none' };
  /** The text–image model for uploaded videos (TEXT_IMAGE_MODEL); not a role of the live assistant. */
  textImage: { kind: 'siglip'; model: ModelEntry } | { kind: 'none' };
  /** Why the TTS engine was chosen (for the start-up log). */
  ttsReason: string;
  /** Why Smart Turn is or is not used. */
  turnReason: string;
  /** The manifest models this plan reads from the models directory. */
  downloads: ModelEntry[];
}

/** What the plan asks of the machine: which models are downloaded, whether espeak-ng runs. */
export interface PlanProbe {
  present(model: ModelEntry): boolean;
  espeakInstalled(): boolean;
}

/** True when the espeak-ng binary runs (`--version`). */
export function espeakInstalled(): boolean {
  const r = spawnSync(ESPEAK_BIN, ['--version'], { encoding: 'utf8', timeout: 5000 });
  return r.error === undefined && r.status === 0;
}

/** A probe of the real machine: files under `manager.dir`, the espeak-ng binary. */
export function machineProbe(manager: ModelManager, espeak: () => boolean = espeakInstalled): PlanProbe {
  let installed: boolean | undefined;
  return {
    present: (model) => manager.status(model).every((s) => s.present),
    espeakInstalled: () => {
      installed ??= espeak();
      return installed;
    },
  };
}

function setModel(manager: ModelManager, set: string, role: ModelRole): ModelEntry {
  const model = manager.resolve([set]).find((m) => m.role === role);
  if (!model) throw new ConfigError(`model set "${set}" has no ${role} model`);
  return model;
}

/**
 * Decides where every role comes from. `auto` choices look at the machine:
 * TTS is Kokoro when its files are present, else espeak-ng when installed (else
 * Kokoro, reported missing); Smart Turn is used when its file is present.
 */
export function planModelSet(
  config: AssistantConfig,
  manager: ModelManager,
  remote: RemoteRoleFlags,
  probe: PlanProbe,
): ModelSetPlan {
  const set = config.modelSet;
  const stt: ModelSetPlan['stt'] = remote.stt
    ? { kind: 'remote' }
    : { kind: 'whisper', model: setModel(manager, set, 'stt') };
  const llm: ModelSetPlan['llm'] = remote.llm
    ? { kind: 'remote' }
    : { kind: 'smolvlm', model: setModel(manager, set, 'vlm') };

  let tts: ModelSetPlan['tts'];
  let ttsReason: string;
  const kokoro = setModel(manager, set, 'tts');
  if (remote.tts) {
    tts = { kind: 'remote' };
    ttsReason = 'TTS_BASE_URL is set';
  } else if (config.ttsEngine === 'piper') {
    tts = { kind: 'piper', path: config.piperVoicePath ?? '' };
    ttsReason = 'TTS_ENGINE=piper';
  } else if (config.ttsEngine === 'espeak') {
    tts = { kind: 'espeak', voice: config.ttsVoice };
    ttsReason = 'TTS_ENGINE=espeak';
  } else if (config.ttsEngine === 'kokoro') {
    tts = { kind: 'kokoro', model: kokoro, voice: config.ttsVoice };
    ttsReason = 'TTS_ENGINE=kokoro';
  } else if (probe.present(kokoro)) {
    tts = { kind: 'kokoro', model: kokoro, voice: config.ttsVoice };
    ttsReason = `${kokoro.id} is downloaded`;
  } else if (probe.espeakInstalled()) {
    tts = { kind: 'espeak', voice: config.ttsVoice };
    ttsReason = `${kokoro.id} is not downloaded; espeak-ng is installed`;
  } else {
    tts = { kind: 'kokoro', model: kokoro, voice: config.ttsVoice };
    ttsReason = `neither ${kokoro.id} nor espeak-ng is available`;
  }

  const smartTurn = setModel(manager, set, 'turn');
  let turn: ModelSetPlan['turn'];
  let turnReason: string;
  if (config.smartTurn === 'off') {
    turn = { kind: 'none' };
    turnReason = 'SMART_TURN=off';
  } else if (config.smartTurn === 'on') {
    turn = { kind: 'smart-turn', model: smartTurn };
    turnReason = 'SMART_TURN=on';
  } else if (probe.present(smartTurn)) {
    turn = { kind: 'smart-turn', model: smartTurn };
    turnReason = `${smartTurn.id} is downloaded`;
  } else {
    turn = { kind: 'none' };
    turnReason = `${smartTurn.id} is not downloaded: silence and words decide the end of a turn`;
  }

  const textImage: ModelSetPlan['textImage'] = config.textImageModel
    ? { kind: 'siglip', model: manager.resolve([config.textImageModel])[0] as ModelEntry }
    : { kind: 'none' };

  const downloads: ModelEntry[] = [];
  if (stt.kind === 'whisper') downloads.push(stt.model);
  if (llm.kind === 'smolvlm') downloads.push(llm.model);
  if (tts.kind === 'kokoro') downloads.push(tts.model);
  if (turn.kind === 'smart-turn') downloads.push(turn.model);
  if (textImage.kind === 'siglip') downloads.push(textImage.model);
  return { stt, llm, tts, turn, textImage, ttsReason, turnReason, downloads };
}

/**
 * The models the server configured by `config` will read from disk, with
 * every `auto` choice taken as if downloaded (what a first run fetches).
 */
export function configuredDownloads(
  config: AssistantConfig,
  manager: ModelManager,
  remote: RemoteRoleFlags,
): ModelEntry[] {
  return planModelSet(config, manager, remote, { present: () => true, espeakInstalled: () => true })
    .downloads;
}

/** What the plan lacks on this machine: each missing file (as `model/file` or a path), and the command that fixes it. */
export function missingForPlan(
  plan: ModelSetPlan,
  manager: ModelManager,
  set: string,
  probe: PlanProbe,
): { missing: string[]; fetchCommand: string | null } {
  const missing = plan.downloads.flatMap((m) =>
    manager
      .status(m)
      .filter((s) => !s.present)
      .map((s) => `${m.id}/${s.file.path}`),
  );
  const pullable = missing.length > 0;
  if (plan.tts.kind === 'kokoro' && plan.tts.voice !== null) {
    const voice = join(KOKORO_LAYOUT.voicesDir, `${plan.tts.voice}.bin`);
    if (!existsSync(join(manager.pathOf(plan.tts.model), voice)))
      missing.push(`${plan.tts.model.id}/${voice}`);
  }
  if (plan.tts.kind === 'piper') {
    for (const path of [plan.tts.path, `${plan.tts.path}.json`]) if (!existsSync(path)) missing.push(path);
  }
  const needsEspeak = plan.tts.kind === 'espeak' || plan.tts.kind === 'kokoro' || plan.tts.kind === 'piper';
  if (needsEspeak && !probe.espeakInstalled())
    missing.push('espeak-ng (the phonemizer and zero-download voice)');
  if (pullable) {
    // Models outside the set (the optional text–image model) are named after it.
    const extra = plan.downloads.filter((m) => !manager.sets[set]?.includes(m.id)).map((m) => ` ${m.id}`);
    return { missing, fetchCommand: `${PULL_COMMAND} --set ${set}${extra.join('')}` };
  }
  if (missing.some((m) => m.startsWith('espeak-ng'))) {
    return { missing, fetchCommand: 'sudo apt-get install espeak-ng' };
  }
  return { missing, fetchCommand: null };
}

/** The Smart Turn file of a plan's turn model. */
export function smartTurnPath(manager: ModelManager, model: ModelEntry): string {
  return join(manager.pathOf(model), SMART_TURN_LAYOUT.file);
}
