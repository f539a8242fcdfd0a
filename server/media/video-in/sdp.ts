/** The codec of a video stream handed to ffmpeg. */
export interface RtpVideoCodec {
  mimeType: string;
  payloadType: number;
  clockRate: number;
  parameters?: Record<string, unknown>;
}

/** Writes the SDP that tells ffmpeg where to receive one RTP video stream (RTCP on port + 1). */
export function videoReceiveSdp(host: string, port: number, codec: RtpVideoCodec): string {
  const name = codec.mimeType.split('/')[1] ?? 'VP8';
  const fmtp = Object.entries(codec.parameters ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(';');
  const lines = [
    'v=0',
    `o=- 0 0 IN IP4 ${host}`,
    's=sightline-video-tap',
    `c=IN IP4 ${host}`,
    't=0 0',
    `m=video ${port} RTP/AVP ${codec.payloadType}`,
    `a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}`,
    ...(fmtp ? [`a=fmtp:${codec.payloadType} ${fmtp}`] : []),
    `a=rtcp:${port + 1}`,
    'a=recvonly',
  ];
  return `${lines.join('\r\n')}\r\n`;
}
