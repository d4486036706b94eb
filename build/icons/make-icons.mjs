// @ts-check
/**
 * Draws Gatehouse's icons (no image tools needed: shapes rasterised here, 4x4 supersampled,
 * written as PNG with node:zlib). `node build/icons/make-icons.mjs` rewrites:
 *
 * - build/icons/icon.png: the 1024x1024 app icon, a gate on a rounded square. electron-builder
 *   converts it to the .icns (macOS) and .ico (Windows) it needs and sizes it for Linux.
 * - build/icons/tray/<state>[-alert].png (16x16) and <state>[-alert]@2x.png (32x32): the tray
 *   icon per state of electron/main/tray/tray-icon.ts. Colour and shape both tell the state:
 *   enforcing green, audit amber, off grey with the gate open (no bars), Docker unreachable
 *   red with the arch broken; the alert variant adds an orange dot.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import { Buffer } from 'node:buffer';

const here = dirname(fileURLToPath(import.meta.url));

/** @typedef {[number, number, number, number]} Rgba */
/** @typedef {(x: number, y: number) => boolean} Shape */

/** @param {string} hex @returns {Rgba} */
const rgba = (hex, alpha = 255) => [
  parseInt(hex.slice(1, 3), 16),
  parseInt(hex.slice(3, 5), 16),
  parseInt(hex.slice(5, 7), 16),
  alpha,
];

/** @type {(x0: number, y0: number, x1: number, y1: number) => Shape} */
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;

/** @type {(x0: number, y0: number, x1: number, y1: number, r: number) => Shape} */
const roundedRect = (x0, y0, x1, y1, r) => (x, y) => {
  if (!rect(x0, y0, x1, y1)(x, y)) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};

/** @type {(cx: number, cy: number, r: number) => Shape} */
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

/** @param {Shape[]} shapes @returns {Shape} */
const union =
  (...shapes) =>
  (x, y) =>
    shapes.some((s) => s(x, y));

/**
 * The gate: two posts, an arch over them, vertical bars hanging inside the arch, a rail.
 * @param {{ post: number; ring: number; barHalf: number; bars: number[]; rail: boolean;
 *   bars_on: boolean; broken: boolean; top: number; bottom: number; left: number; right: number }} g
 * @returns {Shape}
 */
function gate(g) {
  const cx = (g.left + g.right) / 2;
  const outer = (g.right - g.left) / 2;
  const inner = outer - g.ring;
  const cy = g.top + outer;
  /** @type {Shape} */
  const arch = (x, y) => {
    if (y > cy) return false;
    const d = Math.hypot(x - cx, y - cy);
    if (d < inner || d > outer) return false;
    return !(g.broken && Math.abs(x - cx) < g.ring * 0.9);
  };
  const posts = union(
    rect(g.left, cy, g.left + g.post, g.bottom),
    rect(g.right - g.post, cy, g.right, g.bottom),
  );
  const innerTop = (/** @type {number} */ x) =>
    cy - Math.sqrt(Math.max(0, inner * inner - (x - cx) ** 2));
  /** @type {Shape} */
  const bars = (x, y) =>
    g.bars_on &&
    y <= g.bottom &&
    g.bars.some((b) => Math.abs(x - b) <= g.barHalf) &&
    y >= (g.broken ? Math.max(innerTop(x), cy - inner * 0.35) : innerTop(x) - 0.01);
  const rail = g.rail
    ? rect(
        g.left + g.post,
        cy + (g.bottom - cy) * 0.42,
        g.right - g.post,
        cy + (g.bottom - cy) * 0.52,
      )
    : () => false;
  return union(arch, posts, bars, rail);
}

/**
 * @param {number} size
 * @param {[Shape, Rgba][]} layers painted in order, later over earlier
 */
function render(size, layers) {
  const samples = 4;
  const data = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++)
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++)
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          /** @type {Rgba} */
          let colour = [0, 0, 0, 0];
          for (const [shape, c] of layers) if (shape(x, y)) colour = c;
          const alpha = colour[3] / 255;
          r += colour[0] * alpha;
          g += colour[1] * alpha;
          b += colour[2] * alpha;
          a += alpha;
        }
      const at = (py * size + px) * 4;
      data[at] = a ? Math.round(r / a) : 0;
      data[at + 1] = a ? Math.round(g / a) : 0;
      data[at + 2] = a ? Math.round(b / a) : 0;
      data[at + 3] = Math.round((a / (samples * samples)) * 255);
    }
  return png(size, size, data);
}

/** @param {number} width @param {number} height @param {Buffer} rgbaData */
function png(width, height, rgbaData) {
  /** @param {string} type @param {Buffer} body */
  const chunk = (type, body) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), body]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([head, typed, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++)
    rgbaData.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function appIcon() {
  const background = roundedRect(0.06, 0.06, 0.94, 0.94, 0.2);
  const glyph = gate({
    left: 0.24,
    right: 0.76,
    top: 0.2,
    bottom: 0.76,
    post: 0.07,
    ring: 0.07,
    barHalf: 0.018,
    bars: [0.4, 0.5, 0.6],
    bars_on: true,
    rail: true,
    broken: false,
  });
  const ground = rect(0.18, 0.76, 0.82, 0.81);
  return render(1024, [
    [background, rgba('#1b3a57')],
    [glyph, rgba('#f4f7fa')],
    [ground, rgba('#40c057')],
  ]);
}

const STATES = {
  enforcing: { colour: '#2f9e44', bars: true, broken: false },
  audit: { colour: '#e8a100', bars: true, broken: false },
  off: { colour: '#868e96', bars: false, broken: false },
  'docker-unreachable': { colour: '#e03131', bars: true, broken: true },
};

/** @param {keyof typeof STATES} state @param {boolean} alert @param {number} size */
function trayIcon(state, alert, size) {
  const s = STATES[state];
  const glyph = gate({
    left: 0.08,
    right: 0.92,
    top: 0.06,
    bottom: 0.94,
    post: 0.18,
    ring: 0.17,
    barHalf: 0.06,
    bars: [0.4, 0.6],
    bars_on: s.bars,
    rail: false,
    broken: s.broken,
  });
  /** @type {[Shape, Rgba][]} */
  const layers = [[glyph, rgba(s.colour)]];
  if (alert)
    layers.push(
      [circle(0.8, 0.2, 0.21), rgba('#ffffff')],
      [circle(0.8, 0.2, 0.16), rgba('#f76707')],
    );
  return render(size, layers);
}

function write(/** @type {string} */ file, /** @type {Buffer} */ bytes) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

write(join(here, 'icon.png'), appIcon());
for (const state of /** @type {(keyof typeof STATES)[]} */ (Object.keys(STATES)))
  for (const alert of [false, true]) {
    const name = alert ? `${state}-alert` : state;
    write(join(here, 'tray', `${name}.png`), trayIcon(state, alert, 16));
    write(join(here, 'tray', `${name}@2x.png`), trayIcon(state, alert, 32));
  }
