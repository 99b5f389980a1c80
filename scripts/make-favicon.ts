// Writes apps/kiada/public/favicon.ico: a 16x16 32-bit BMP icon drawn in code (a blue tile with a white
// cube outline), so the repo needs no image tool. Run: node scripts/make-favicon.ts
import fs from 'node:fs';

const N = 16;
const px = new Uint8Array(N * N * 4); // BGRA, bottom-up
const set = (x: number, y: number, [r, g, b, a]: number[]) => {
  const i = ((N - 1 - y) * N + x) * 4;
  px.set([b, g, r, a], i);
};
for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
  const corner = (x < 2 || x > 13) && (y < 2 || y > 13);
  set(x, y, corner ? [0, 0, 0, 0] : [0x32, 0x6c, 0xe5, 255]);
}
const white = [255, 255, 255, 255];
const line = (x0: number, y0: number, x1: number, y1: number) => {
  const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0));
  for (let s = 0; s <= steps; s++) set(Math.round(x0 + ((x1 - x0) * s) / steps), Math.round(y0 + ((y1 - y0) * s) / steps), white);
};
line(8, 3, 13, 6); line(13, 6, 13, 11); line(13, 11, 8, 13); line(8, 13, 3, 11); line(3, 11, 3, 6); line(3, 6, 8, 3);
line(3, 6, 8, 8); line(8, 8, 13, 6); line(8, 8, 8, 13);

const header = Buffer.alloc(40);
header.writeUInt32LE(40, 0); header.writeInt32LE(N, 4); header.writeInt32LE(N * 2, 8); // height x2: XOR + AND masks
header.writeUInt16LE(1, 12); header.writeUInt16LE(32, 14);
const andMask = Buffer.alloc(N * 4); // 1 bit per pixel, rows padded to 4 bytes; alpha channel does the work
const image = Buffer.concat([header, Buffer.from(px), andMask]);
const dir = Buffer.alloc(6 + 16);
dir.writeUInt16LE(0, 0); dir.writeUInt16LE(1, 2); dir.writeUInt16LE(1, 4);
dir.writeUInt8(N, 6); dir.writeUInt8(N, 7); dir.writeUInt16LE(1, 10); dir.writeUInt16LE(32, 12);
dir.writeUInt32LE(image.length, 14); dir.writeUInt32LE(22, 18);
fs.writeFileSync(new URL('../apps/kiada/public/favicon.ico', import.meta.url), Buffer.concat([dir, image]));
