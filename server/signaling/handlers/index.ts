import type { Method } from '../../../protocol/messages.js';
import { closeProducer } from './closeProducer.js';
import { connectTransport } from './connectTransport.js';
import { consumeAssistant } from './consumeAssistant.js';
import { createTransport } from './createTransport.js';
import { interrupt, pushToTalk } from './interrupt.js';
import { join } from './join.js';
import { leave } from './leave.js';
import { pauseProducer, resumeProducer } from './pauseProducer.js';
import { ping } from './ping.js';
import { produce } from './produce.js';
import { registerTools } from './registerTools.js';
import { restartIce } from './restartIce.js';
import { resume } from './resume.js';
import { resumeConsumer } from './resumeConsumer.js';
import { selectVideo } from './selectVideo.js';
import { sendImage } from './sendImage.js';
import { sendText } from './sendText.js';
import { toolResult } from './toolResult.js';
import type { Handler } from './types.js';

/** One handler per protocol method; the compiler checks none is missing. */
export const handlers: { [M in Method]: Handler<M> } = {
  join,
  resume,
  createTransport,
  connectTransport,
  produce,
  closeProducer,
  consumeAssistant,
  resumeConsumer,
  leave,
  ping,
  sendText,
  sendImage,
  registerTools,
  toolResult,
  selectVideo,
  restartIce,
  pauseProducer,
  resumeProducer,
  interrupt,
  pushToTalk,
};
