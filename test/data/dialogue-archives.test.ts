import { deflateRawSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetFormatError, extractTarGz, streamJsonArray, ZipArchive } from '../../data/dialogue/index.js';
import { dialogueFixture } from './fixtures.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'demi-archives-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ZipArchive (fixtures written by Python zipfile)', () => {
  it('lists members and reads stored and deflated ones', async () => {
    const zip = await ZipArchive.open(dialogueFixture('convlab-data.zip'));
    expect(zip.names()).toEqual(['data/ontology.json', 'data/dialogues.json']);
    expect(zip.entries[0].method).toBe(0);
    expect(zip.entries[1].method).toBe(8);
    expect(zip.readText('data/ontology.json')).toBe('{"domains": {}, "intents": {}}');
    expect(zip.readText('data/dialogues.json')).toBe(readFileSync(dialogueFixture('convlab-dialogues.json'), 'utf8'));
  });

  it('reads a zip nested in a zip', async () => {
    const outer = await ZipArchive.open(dialogueFixture('ijcnlp_dailydialog.zip'));
    const inner = ZipArchive.fromBuffer(outer.read('ijcnlp_dailydialog/test.zip'), 'test.zip');
    expect(inner.readText('test/dialogues_test.txt')).toBe(readFileSync(dialogueFixture('dialogues_test.txt'), 'utf8'));
    expect(inner.findBySuffix('dialogues_test.txt')?.name).toBe('test/dialogues_test.txt');
  });

  it('truncated, corrupted or foreign files are DatasetFormatErrors', () => {
    const good = readFileSync(dialogueFixture('convlab-data.zip'));
    expect(() => ZipArchive.fromBuffer(good.subarray(0, good.length - 30), 'cut.zip')).toThrow(DatasetFormatError);
    expect(() => ZipArchive.fromBuffer(Buffer.from('not a zip at all, just text'), 'text.zip')).toThrow(
      /no end-of-central-directory/,
    );
    // flip a byte inside the deflated data: inflate fails or the CRC disagrees
    const zip = ZipArchive.fromBuffer(good, 'ok.zip');
    const e = zip.entries[1];
    const start = e.localHeaderOffset + 30 + e.name.length;
    const bad = Buffer.from(good);
    bad[start + 20] ^= 0xff;
    expect(() => ZipArchive.fromBuffer(bad, 'flip.zip').read(e.name)).toThrow(/corrupt|CRC|inflated to/);
    expect(() => zip.read('missing.json')).toThrow(/no such member/);
  });

  it('a member whose CRC disagrees is refused', () => {
    // Hand-built single-member archive with a wrong CRC-32.
    const name = Buffer.from('a.txt');
    const data = deflateRawSync(Buffer.from('hello hello hello'));
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(0xdeadbeef, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(17, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(0xdeadbeef, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(17, 24);
    central.writeUInt16LE(name.length, 28);
    const cdOffset = local.length + name.length + data.length;
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(1, 8);
    eocd.writeUInt16LE(1, 10);
    eocd.writeUInt32LE(central.length + name.length, 12);
    eocd.writeUInt32LE(cdOffset, 16);
    const bytes = Buffer.concat([local, name, data, central, name, eocd]);
    expect(() => ZipArchive.fromBuffer(bytes, 'crc.zip').read('a.txt')).toThrow(/CRC-32 mismatch/);
  });
});

// The tar reader itself (pax headers, GNU long names, damage) is tested in fetch.test.ts.
describe('extractTarGz', () => {
  it('a truncated archive is a DatasetFormatError and leaves no partial file', async () => {
    const bytes = readFileSync(dialogueFixture('wizard_of_wikipedia.tgz'));
    const cut = join(dir, 'cut.tgz');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    const out = join(dir, 'cut');
    mkdirSync(out);
    await expect(extractTarGz(cut, out, () => true)).rejects.toThrow(DatasetFormatError);
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('streamJsonArray', () => {
  it('yields elements across read-chunk boundaries, with tricky strings', async () => {
    // > 1 MiB so the 1 MiB read chunks split elements and strings.
    const tricky = 'brackets ] [ } { , and "quotes" and \\ backslashes \\" and unicode é 😀\n';
    const items = Array.from({ length: 3000 }, (_, i) => ({ i, text: tricky.repeat(1 + (i % 7)), nested: [[i], { a: [] }] }));
    const path = join(dir, 'big.json');
    writeFileSync(path, JSON.stringify(items, null, 1));
    expect(readFileSync(path).length).toBeGreaterThan(1 << 20);
    const got: unknown[] = [];
    for await (const e of streamJsonArray(path)) got.push(e.value);
    expect(got).toEqual(items);
  });

  it('reports lines and entries; accepts [] and scalars', async () => {
    const p = join(dir, 'lines.json');
    writeFileSync(p, '[\n  1,\n  "two",\n  {"three": 3}\n]\n');
    const got = [];
    for await (const e of streamJsonArray(p)) got.push([e.index, e.line, e.value]);
    expect(got).toEqual([
      [0, 2, 1],
      [1, 3, 'two'],
      [2, 4, { three: 3 }],
    ]);
    writeFileSync(p, ' [ ] ');
    const none = [];
    for await (const e of streamJsonArray(p)) none.push(e);
    expect(none).toEqual([]);
  });

  it.each([
    ['[1,,2]', /stray comma/],
    ['[1, 2] 3', /after the closing/],
    ['', /empty/],
    ['[1, {"a": ]}]', /unexpected "]"/],
    ['[\n1,\n{"a":\n tru}\n]', /line 4, entry 1\): invalid JSON/],
  ])('%j is rejected', async (text, message) => {
    const p = join(dir, 'bad.json');
    writeFileSync(p, text);
    const run = async () => {
      for await (const _ of streamJsonArray(p)) void _;
    };
    await expect(run()).rejects.toThrow(message);
  });
});
