/**
 * An init script for a page: replaces the microphone getUserMedia returns with a WebAudio track
 * that `globalThis.__mic.say(url)` makes speak a WAV and `__mic.tone(ms)` a 300 Hz tone (a faint
 * room noise otherwise, as a real microphone never goes digitally silent). Runs in the browser:
 * keep it self-contained.
 */
export function installScriptedMic(): void {
  const md = navigator.mediaDevices;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    const stream = await original(constraints);
    if (!constraints?.audio) return stream;
    const ctx = new AudioContext({ sampleRate: 48000 });
    const dest = ctx.createMediaStreamDestination();
    for (const t of stream.getAudioTracks()) {
      stream.removeTrack(t);
      t.stop();
    }
    stream.addTrack(dest.stream.getAudioTracks()[0] as MediaStreamTrack);
    const noise = ctx.createBuffer(1, 48000, 48000);
    const ch = noise.getChannelData(0);
    for (let i = 0; i < ch.length; i++) ch[i] = (Math.random() * 2 - 1) * 0.001;
    const room = ctx.createBufferSource();
    room.buffer = noise;
    room.loop = true;
    room.connect(dest);
    room.start();
    (globalThis as Record<string, unknown>).__mic = {
      async say(url: string): Promise<number> {
        await ctx.resume();
        const audio = await ctx.decodeAudioData(await (await fetch(url)).arrayBuffer());
        const src = ctx.createBufferSource();
        src.buffer = audio;
        src.connect(dest);
        src.start();
        return audio.duration * 1000;
      },
      async tone(ms: number): Promise<void> {
        await ctx.resume();
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = 300;
        gain.gain.value = 0.3;
        osc.connect(gain).connect(dest);
        osc.start();
        osc.stop(ctx.currentTime + ms / 1000);
      },
    };
    return stream;
  };
}
