// A learned reading of what a prompt is: a harvest-style item (a self-contained task, an
// exam or benchmark question, a data-generation instruction, an agent task) or a person's
// own turn in a conversation. Hashed word n-grams and a logistic regression, trained from
// the public prompt sets in ../shared/datasets (scripts/train-harvest.ts rebuilds
// models/harvest.bin; src/signals/harvest-train.ts is the fitting). It is one feature
// among the account's evidence, never a verdict on its own: real users paste homework
// and exam questions too, and the account features decide (docs/detection.md).
import { readFileSync } from "node:fs";
import { FNV_OFFSET, fnvStep, mix32 } from "../contract/hash.js";

/** Feature space: 2^BITS hashed buckets. */
export const HARVEST_BITS = 18;
const MASK = (1 << HARVEST_BITS) - 1;
/** Characters of a prompt read (the start: the task is stated there). */
export const HARVEST_CHARS = 2000;
const MAGIC = "DGHV1\n";

const isCjk = (c: number): boolean =>
  (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3040 && c <= 0x30ff) || (c >= 0xac00 && c <= 0xd7af);
const isWord = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 39 || (c >= 0xc0 && c <= 0x24f);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * The hashed features of a text: word unigrams and bigrams (lower-cased, digit runs as one
 * symbol), each CJK character a word, punctuation marks and line breaks as words, the
 * first three words by position, and the text's length and line count in log buckets.
 * Pushes bucket indices (repeats count) into `out` and returns it.
 */
export function harvestFeatures(raw: string, out: number[] = []): number[] {
  featurise(raw, out);
  return out;
}

/** Receives each feature's bucket as it is read (an array, or a model summing its weights). */
interface FeatureSink {
  push(bucket: number): unknown;
}

function featurise(raw: string, out: FeatureSink): void {
  const s = raw.length > HARVEST_CHARS ? raw.slice(0, HARVEST_CHARS) : raw;
  let prev = 0;
  let position = 0;
  let lines = 1;
  const emit = (tok: number): void => {
    out.push(mix32(fnvStep(tok, 1)) & MASK);
    if (prev !== 0) out.push(mix32(fnvStep(fnvStep(prev, tok), 2)) & MASK);
    if (position < 3) out.push(mix32(fnvStep(fnvStep(tok, position), 3)) & MASK);
    position++;
    prev = tok;
  };
  let h = FNV_OFFSET;
  let inWord = false;
  let digits = false;
  let lastPunct = -1;
  for (let i = 0; i <= s.length; i++) {
    let c = i < s.length ? s.charCodeAt(i) : 32;
    if (c >= 65 && c <= 90) c += 32;
    if (isWord(c)) {
      if (isDigit(c)) {
        if (digits) continue;
        digits = true;
        c = 48;
      } else digits = false;
      h = fnvStep(h, c);
      inWord = true;
      lastPunct = -1;
      continue;
    }
    digits = false;
    if (inWord) {
      emit(h);
      h = FNV_OFFSET;
      inWord = false;
    }
    if (c === 32 || c === 9 || c === 13) continue;
    if (c === 10) lines++;
    if (isCjk(c)) {
      emit(fnvStep(FNV_OFFSET ^ 0x5bd1e995, c));
      lastPunct = -1;
      continue;
    }
    // a run of one punctuation mark is one word
    if (c === lastPunct) continue;
    lastPunct = c;
    emit(fnvStep(FNV_OFFSET ^ 0x27d4eb2d, c));
  }
  out.push(
    mix32(fnvStep(fnvStep(FNV_OFFSET, 0x4c454e), Math.min(16, Math.floor(Math.log2(1 + s.length))))) & MASK,
  );
  out.push(mix32(fnvStep(fnvStep(FNV_OFFSET, 0x4c494e), Math.min(8, Math.floor(Math.log2(lines))))) & MASK);
}

/** Sums a model's weights over the features as they are read (no array of features per prompt). */
class WeightSum implements FeatureSink {
  sum = 0;
  n = 0;
  constructor(private readonly weights: Float32Array) {}
  push(bucket: number): void {
    this.sum += this.weights[bucket] ?? 0;
    this.n++;
  }
}

/** A linear model over hashed features. */
export class HarvestModel {
  constructor(
    readonly weights: Float32Array,
    public bias: number,
  ) {
    if (weights.length !== 1 << HARVEST_BITS)
      throw new Error(`harvest model: expected ${1 << HARVEST_BITS} weights`);
  }

  /** Log-odds that the features come from a harvest-style prompt. */
  logitOf(features: readonly number[]): number {
    if (features.length === 0) return this.bias;
    let z = 0;
    for (const f of features) z += this.weights[f] ?? 0;
    return this.bias + z / Math.sqrt(features.length);
  }

  /** Probability in [0, 1] that the text is a harvest-style prompt. */
  score(text: string): number {
    const s = new WeightSum(this.weights);
    featurise(text, s);
    const z = s.n === 0 ? this.bias : this.bias + s.sum / Math.sqrt(s.n);
    return 1 / (1 + Math.exp(-z));
  }

  /** The model as bytes: a header, the bias, a scale and one signed byte per weight. */
  encode(): Buffer {
    let max = 0;
    for (const w of this.weights) if (Math.abs(w) > max) max = Math.abs(w);
    const scale = max === 0 ? 1 : max / 127;
    const head = Buffer.from(MAGIC, "latin1");
    const nums = Buffer.alloc(12);
    nums.writeUInt32LE(HARVEST_BITS, 0);
    nums.writeFloatLE(this.bias, 4);
    nums.writeFloatLE(scale, 8);
    const body = Buffer.alloc(this.weights.length);
    for (let i = 0; i < this.weights.length; i++)
      body.writeInt8(Math.max(-127, Math.min(127, Math.round((this.weights[i] ?? 0) / scale))), i);
    return Buffer.concat([head, nums, body]);
  }

  static decode(bytes: Uint8Array): HarvestModel {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf.toString("latin1", 0, MAGIC.length) !== MAGIC) throw new Error("not a harvest model file");
    const bits = buf.readUInt32LE(MAGIC.length);
    if (bits !== HARVEST_BITS)
      throw new Error(`harvest model has ${bits} bits; this build reads ${HARVEST_BITS}`);
    const bias = buf.readFloatLE(MAGIC.length + 4);
    const scale = buf.readFloatLE(MAGIC.length + 8);
    const start = MAGIC.length + 12;
    const n = 1 << HARVEST_BITS;
    if (buf.length !== start + n) throw new Error("harvest model file is truncated");
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = buf.readInt8(start + i) * scale;
    return new HarvestModel(w, bias);
  }
}

/** The shipped model's file (models/harvest.bin at the package root, from src/ or dist/). */
export const HARVEST_MODEL_URL = new URL("../../models/harvest.bin", import.meta.url);

let shipped: HarvestModel | null | undefined;

/** The shipped model, read once per thread; null when the file is missing (the signal is then 0). */
export function shippedHarvestModel(): HarvestModel | null {
  if (shipped === undefined) {
    try {
      shipped = HarvestModel.decode(readFileSync(HARVEST_MODEL_URL));
    } catch {
      shipped = null;
    }
  }
  return shipped;
}
