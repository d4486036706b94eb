import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkFileMeta,
  parseGoTime,
  parseSignedMetadata,
  targetsSchema,
} from '../../../../../electron/engine/signatures/notary-v1/tuf-metadata.js';

describe('parseGoTime', () => {
  it('reads Go RFC 3339 times with nanoseconds and zone offsets', () => {
    expect(parseGoTime('2116-07-03T18:08:08.418734928-05:00')?.toISOString()).toBe(
      '2116-07-03T23:08:08.418Z',
    );
    expect(parseGoTime('2116-01-12T00:58:43.527711489Z')?.toISOString()).toBe(
      '2116-01-12T00:58:43.527Z',
    );
    expect(parseGoTime('2029-11-22T12:17:59Z')?.toISOString()).toBe('2029-11-22T12:17:59.000Z');
  });

  it('refuses anything else', () => {
    for (const text of [
      '2116-07-03',
      '2116-07-03T18:08:08',
      '2026-13-01T00:00:00Z',
      'tomorrow',
      '2116-07-03T18:08:08.1234567891Z',
    ])
      expect(parseGoTime(text)).toBeUndefined();
  });
});

describe('parseSignedMetadata', () => {
  const envelope = (signed: unknown) => Buffer.from(JSON.stringify({ signed, signatures: [] }));

  it('takes Go nil slices and maps (null) as empty', () => {
    const parsed = parseSignedMetadata(
      'targets.json',
      envelope({
        _type: 'Targets',
        version: 1,
        expires: '2030-01-01T00:00:00Z',
        targets: null,
        delegations: { keys: null, roles: null },
      }),
      targetsSchema,
    );
    expect(parsed.signed.targets).toEqual({});
    expect(parsed.signed.delegations).toEqual({ keys: {}, roles: [] });
  });

  it('signs over unknown fields too', () => {
    const signed = {
      _type: 'Targets',
      version: 1,
      expires: '2030-01-01T00:00:00Z',
      targets: {},
      x_custom: 'kept',
    };
    const parsed = parseSignedMetadata('targets.json', envelope(signed), targetsSchema);
    expect(Buffer.from(parsed.canonical).toString()).toContain('"x_custom":"kept"');
  });

  it('names the first problems of malformed metadata', () => {
    const bad = envelope({
      _type: 'Targets',
      version: -1,
      expires: 'soon',
      targets: { a: { length: 1.5, hashes: {} } },
    });
    expect(() => parseSignedMetadata('targets.json', bad, targetsSchema)).toThrow(
      'targets.json is malformed: version: Too small: expected number to be >=0; expires: not an RFC 3339 time; targets.a.length: Invalid input: expected int, received number',
    );
  });
});

describe('checkFileMeta', () => {
  const bytes = Buffer.from('{"signed":{}}');
  const hash = (algorithm: string, data: Uint8Array = bytes) =>
    createHash(algorithm).update(data).digest('base64');

  it('accepts matching sha256 and sha512 hashes, either alone', () => {
    checkFileMeta(
      'x.json',
      bytes,
      { length: bytes.length, hashes: { sha256: hash('sha256'), sha512: hash('sha512') } },
      'snapshot.json',
    );
    checkFileMeta(
      'x.json',
      bytes,
      { length: bytes.length, hashes: { sha512: hash('sha512') } },
      'snapshot.json',
    );
  });

  it('rejects a mismatch in any listed hash', () => {
    const meta = {
      length: bytes.length,
      hashes: { sha256: hash('sha256'), sha512: hash('sha512', Buffer.from('other')) },
    };
    expect(() => checkFileMeta('x.json', bytes, meta, 'snapshot.json')).toThrow(
      'x.json does not match its sha512 hash in snapshot.json (hash mismatch)',
    );
  });

  it('rejects a listing with no hash it can check', () => {
    expect(() =>
      checkFileMeta(
        'x.json',
        bytes,
        { length: bytes.length, hashes: { md5: hash('md5') } },
        'snapshot.json',
      ),
    ).toThrow('snapshot.json lists no sha256 or sha512 hash for x.json');
  });
});
