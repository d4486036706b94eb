import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TRAY_ICON_NAMES } from '../../../electron/main/tray/tray-icon.js';

const icons = join(import.meta.dirname, '..', '..', '..', 'build', 'icons');

/** Width, height and colour type of a PNG, with every chunk's CRC and the pixel data checked. */
function readPng(file: string) {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]));
  let at = 8;
  let width = 0;
  let height = 0;
  let colourType = -1;
  const idat: Buffer[] = [];
  while (at < bytes.length) {
    const length = bytes.readUInt32BE(at);
    const typed = bytes.subarray(at + 4, at + 8 + length);
    expect(bytes.readUInt32BE(at + 8 + length), `CRC in ${file}`).toBe(crc32(typed));
    const type = typed.subarray(0, 4).toString('ascii');
    const body = typed.subarray(4);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      colourType = body[9]!;
    }
    if (type === 'IDAT') idat.push(body);
    at += 12 + length;
  }
  const pixels = inflateSync(Buffer.concat(idat));
  expect(pixels.length).toBe((width * 4 + 1) * height);
  return { width, height, colourType };
}

describe('the icons', () => {
  it('include a 1024x1024 RGBA app icon, enough for every platform', () => {
    expect(readPng(join(icons, 'icon.png'))).toEqual({ width: 1024, height: 1024, colourType: 6 });
  });

  it('include every tray icon at 16 and 32 (@2x) pixels, and nothing else', () => {
    for (const name of TRAY_ICON_NAMES) {
      expect(readPng(join(icons, 'tray', `${name}.png`))).toMatchObject({ width: 16, height: 16 });
      expect(readPng(join(icons, 'tray', `${name}@2x.png`))).toMatchObject({
        width: 32,
        height: 32,
      });
    }
    expect(readdirSync(join(icons, 'tray')).sort()).toEqual(
      TRAY_ICON_NAMES.flatMap((n) => [`${n}.png`, `${n}@2x.png`]).sort(),
    );
  });
});
