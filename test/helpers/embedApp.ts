import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

/**
 * The app a developer writes: connect with a token from their backend, start, listen to the
 * events, meter the assistant's voice. Valid TypeScript (type-checked against the package's
 * declarations) and valid JavaScript (served as is to the page without a bundler).
 */
export const EMBED_APP_SOURCE = `import { connect } from '@sightline/client';

const params = new URLSearchParams(location.search);
const embed = {
  states: new Array(),
  transcripts: new Array(),
  replies: new Array(),
  errors: new Array(),
  heardFrames: 0,
  ready: false,
  failure: '',
};
Object.assign(globalThis, { embed });

try {
  const session = await connect({ url: params.get('url') ?? undefined, token: params.get('token') ?? undefined });
  session.on('state', (state) => embed.states.push(state));
  session.on('userTranscript', (t) => embed.transcripts.push(t));
  session.on('assistantText', (a) => embed.replies.push(a));
  session.on('error', (e) => embed.errors.push(e.code + ': ' + e.message));
  session.on('assistantTrack', (track) => {
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += v * v;
      if (Math.sqrt(sum / samples.length) > 0.01) embed.heardFrames++;
    }, 10);
  });
  await session.start({ audio: true, video: false });
  embed.ready = true;
} catch (error) {
  embed.failure = String(error);
}
`;

/**
 * A React app on `@sightline/client/react`: `useAssistant` renders the call's state, the person's
 * words and the assistant's; "Leave" unmounts the component (which hangs up). Rendered in StrictMode,
 * so the hook's mount, unmount and mount again on first render is exercised too.
 */
export const REACT_APP_SOURCE = `import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useAssistant } from '@sightline/client/react';

const params = new URLSearchParams(location.search);

function Assistant() {
  const { state, transcripts, assistantText, error } = useAssistant({
    url: params.get('url') ?? undefined,
    token: params.get('token') ?? undefined,
    autoStart: { audio: true, video: false },
  });
  return (
    <section>
      <p id="state">{state}</p>
      <ol id="you">
        {transcripts.map((t) => (
          <li key={t.utteranceId} data-final={String(t.final)}>{t.text}</li>
        ))}
      </ol>
      <p id="reply">{assistantText}</p>
      <p id="error">{error ? String(error.message) : ''}</p>
    </section>
  );
}

function App() {
  const [inCall, setInCall] = useState(true);
  return (
    <main>
      {inCall ? <Assistant /> : <p id="left">Left the call</p>}
      <button type="button" id="leave" onClick={() => setInCall(false)}>Leave</button>
    </main>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
`;

const REACT_INDEX = `<!doctype html>
<html><head><meta charset="utf-8"><title>embedded with React</title>
<script type="module" src="./react.tsx"></script></head><body><div id="root"></div></body></html>
`;

const VITE_INDEX = `<!doctype html>
<html><head><meta charset="utf-8"><title>embedded with Vite</title>
<script type="module" src="./main.ts"></script></head><body><h1>My app</h1></body></html>
`;

const PLAIN_INDEX = `<!doctype html>
<html><head><meta charset="utf-8"><title>embedded without a bundler</title>
<script type="importmap">{ "imports": { "@sightline/client": "../node_modules/@sightline/client/dist/sightline.bundle.js" } }</script>
<script type="module" src="./main.js"></script></head><body><h1>My page</h1></body></html>
`;

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    strict: true,
    noEmit: true,
    jsx: 'react-jsx',
    // The package's own declarations are checked too: a type it ships that an app cannot
    // resolve (a server-only package's) fails here.
    skipLibCheck: false,
    types: [],
  },
  include: ['main.ts', 'react.tsx'],
};

/**
 * Installs the packed tarball into `dir` the way npm would lay it out, without the network:
 * the tarball is extracted into node_modules/@sightline/client, and its two dependencies are
 * linked from the repository's node_modules (same versions as the package declares).
 */
export async function installTarball(tarball: string, dir: string, repoRoot: string): Promise<void> {
  const target = join(dir, 'node_modules/@sightline/client');
  await mkdir(target, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', target, '--strip-components=1']);
  // The app's own React (the package's peer dependency) and its types.
  await mkdir(join(dir, 'node_modules/@types'), { recursive: true });
  for (const dep of [
    'mediasoup-client',
    'tus-js-client',
    'react',
    'react-dom',
    '@types/react',
    '@types/react-dom',
  ]) {
    await symlink(join(repoRoot, 'node_modules', dep), join(dir, 'node_modules', dep), 'dir');
  }
}

/** Writes the Vite app (vite/: index.html and react.html) and the plain page (plain/) into `dir`. */
export async function writeScratchApps(dir: string): Promise<void> {
  await mkdir(join(dir, 'vite'), { recursive: true });
  await mkdir(join(dir, 'plain'), { recursive: true });
  await writeFile(join(dir, 'vite/index.html'), VITE_INDEX);
  await writeFile(join(dir, 'vite/main.ts'), EMBED_APP_SOURCE);
  await writeFile(join(dir, 'vite/react.html'), REACT_INDEX);
  await writeFile(join(dir, 'vite/react.tsx'), REACT_APP_SOURCE);
  await writeFile(join(dir, 'vite/tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
  await writeFile(join(dir, 'plain/index.html'), PLAIN_INDEX);
  await writeFile(join(dir, 'plain/main.js'), EMBED_APP_SOURCE);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.wav': 'audio/wav',
};

/** A static file server for `root` (the developer's own origin, not Sightline's). Symlinks are followed. */
export async function serveStatic(root: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    let file = join(root, path);
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
