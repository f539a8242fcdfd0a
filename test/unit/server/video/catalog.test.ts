import { describe, expect, it } from 'vitest';
import { VideoCatalog } from '../../../../server/video/catalog.js';
import { openVideoDb } from '../../../../server/video/db/open.js';

function setup() {
  const db = openVideoDb(':memory:');
  let now = 1_000_000;
  const catalog = new VideoCatalog(db, () => now);
  return { db, catalog, advance: (ms: number) => (now += ms) };
}

const upload = (id: string, owner: string, sizeBytes: number, quotaBytes = 10_000) => ({
  id,
  owner,
  name: `${id}.mp4`,
  sizeBytes,
  quotaBytes,
});

describe('VideoCatalog', () => {
  it('quota: uploads in flight and stored videos count, failed and cancelled ones do not; over it nothing is written', () => {
    const { catalog } = setup();
    catalog.createUpload(upload('a', 'ann', 4_000));
    catalog.createUpload(upload('b', 'ann', 4_000));
    expect(catalog.usedBytes('ann')).toBe(8_000);
    expect(() => catalog.createUpload(upload('c', 'ann', 2_001))).toThrow(
      expect.objectContaining({ code: 'ERR_VIDEO_QUOTA' }),
    );
    expect(catalog.info('c')).toBeNull();
    // Stored bytes (frames, features) replace the upload's size once measured.
    catalog.markQueued('a');
    catalog.setStoredBytes('a', 5_000);
    expect(catalog.usedBytes('ann')).toBe(9_000);
    catalog.markFailed('b', 'ERR_VIDEO_UNREADABLE', 'not a video');
    expect(catalog.usedBytes('ann')).toBe(5_000);
    expect(catalog.usedBytes('bob')).toBe(0);
  });

  it('reads are per owner: a foreign id is ERR_VIDEO_NOT_FOUND; lists hold only the owner’s, newest first', () => {
    const { catalog, advance } = setup();
    catalog.createUpload(upload('a', 'ann', 10));
    advance(10);
    catalog.createUpload(upload('b', 'ann', 10));
    catalog.createUpload(upload('x', 'bob', 10));
    expect(catalog.list('ann').map((v) => v.id)).toEqual(['b', 'a']);
    expect(catalog.get('ann', 'a')).toMatchObject({
      id: 'a',
      name: 'a.mp4',
      status: 'uploading',
      percent: 0,
      error: null,
    });
    expect(() => catalog.get('bob', 'a')).toThrow(expect.objectContaining({ code: 'ERR_VIDEO_NOT_FOUND' }));
  });

  it('status moves uploading → queued → ingesting → cancelled or failed, never back; unfinished lists queued and ingesting', () => {
    const { catalog } = setup();
    catalog.createUpload(upload('a', 'ann', 10));
    catalog.createUpload(upload('b', 'ann', 10));
    expect(catalog.markIngesting('a')).toBe(false);
    expect(catalog.markQueued('a')).toBe(true);
    expect(catalog.markQueued('a')).toBe(false);
    expect(catalog.markIngesting('a')).toBe(true);
    expect(catalog.unfinished()).toEqual(['a']);
    expect(catalog.markFailed('a', 'ERR_VIDEO_TOO_LONG', 'too long')).toBe(true);
    expect(catalog.get('ann', 'a')).toMatchObject({
      status: 'failed',
      error: { code: 'ERR_VIDEO_TOO_LONG', message: 'too long', retryable: false },
    });
    expect(catalog.markCancelled('a')).toBe(false);
    expect(catalog.markCancelled('b')).toBe(true);
    expect(catalog.unfinished()).toEqual([]);
  });

  it('an upload idle past the limit is stale; a PATCH (touch) keeps it alive', () => {
    const { catalog, advance } = setup();
    catalog.createUpload(upload('a', 'ann', 10));
    catalog.createUpload(upload('b', 'ann', 10));
    advance(5_000);
    catalog.touch('b');
    advance(5_000);
    expect(catalog.staleUploads(8_000)).toEqual(['a']);
  });

  it('deleteRows removes the video, its stage rows and its full-text rows in one go', () => {
    const { db, catalog } = setup();
    catalog.createUpload(upload('a', 'ann', 10));
    db.prepare('INSERT INTO video_stages VALUES (?, ?, ?)').run('a', 'probe', 1);
    db.prepare('INSERT INTO text_fts (text, video_id, source, start_ms, end_ms) VALUES (?, ?, ?, ?, ?)').run(
      'PLATFORM9CLOSED',
      'a',
      'ocr',
      0,
      1000,
    );
    expect(catalog.deleteRows('a')).toBe(true);
    expect(db.prepare('SELECT COUNT(*) AS n FROM video_stages').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM text_fts').get()).toEqual({ n: 0 });
    expect(catalog.deleteRows('a')).toBe(false);
  });
});
