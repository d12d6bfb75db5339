// STIX 2.1 patterning (STIX 2.1 §9): a recursive-descent parser of the grammar, used to
// check every pattern we export and every pattern a partner's bundle brings, and to read
// the simple comparisons the detector can use (`[ipv4-addr:value = '...']`).
//
//   pattern        := obsExprs EOF
//   obsExprs       := obsOr (FOLLOWEDBY obsOr)*
//   obsOr          := obsAnd (OR obsAnd)*
//   obsAnd         := obsUnit (AND obsUnit)*
//   obsUnit        := ('[' cmpOr ']' | '(' obsExprs ')') qualifier*
//   qualifier      := WITHIN number SECONDS | START t'…' STOP t'…' | REPEATS int TIMES
//   cmpOr          := cmpAnd (OR cmpAnd)*
//   cmpAnd         := cmpTest (AND cmpTest)*
//   cmpTest        := '(' cmpOr ')' | EXISTS path | path NOT? op literal
//   op             := = != < <= > >= | IN set | LIKE | MATCHES | ISSUBSET | ISSUPERSET
//   path           := type ':' (ident | str) ('.' (ident | str) | '[' (int | '*') ']')*

export class PatternError extends Error {
  override readonly name = "PatternError";
}

/** A comparison `type:path op value` found in a pattern. */
export interface Comparison {
  readonly objectType: string;
  readonly path: string;
  readonly operator: string;
  readonly negated: boolean;
  readonly value: string | number | boolean | (string | number)[];
}

type Tok =
  | { k: "punct"; v: string }
  | { k: "word"; v: string }
  | { k: "str"; v: string }
  | { k: "num"; v: number }
  | { k: "tagged"; tag: string; v: string };

const MAX_PATTERN = 64 * 1024;
const MAX_DEPTH = 64;

function tokenize(src: string): Tok[] {
  if (src.length > MAX_PATTERN) throw new PatternError(`pattern longer than ${MAX_PATTERN} characters`);
  const out: Tok[] = [];
  let i = 0;
  const quoted = (start: number): [string, number] => {
    let v = "";
    let j = start + 1;
    for (;;) {
      if (j >= src.length) throw new PatternError(`unterminated string at ${start}`);
      const c = src.charAt(j);
      if (c === "\\") {
        const n = src[j + 1];
        if (n !== "'" && n !== "\\")
          throw new PatternError(`bad escape at ${j}: only \\' and \\\\ are allowed`);
        v += n;
        j += 2;
      } else if (c === "'") return [v, j + 1];
      else {
        v += c;
        j++;
      }
    }
  };
  while (i < src.length) {
    const c = src.charAt(i);
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === "!=" || two === "<=" || two === ">=") {
      out.push({ k: "punct", v: two });
      i += 2;
      continue;
    }
    if ("[]():=<>.,*".includes(c)) {
      out.push({ k: "punct", v: c });
      i++;
      continue;
    }
    if (c === "'") {
      const [v, next] = quoted(i);
      out.push({ k: "str", v });
      i = next;
      continue;
    }
    if ((c === "t" || c === "b" || c === "h") && src[i + 1] === "'") {
      const [v, next] = quoted(i + 1);
      out.push({ k: "tagged", tag: c, v });
      i = next;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i, i + 40));
    if (num && (c === "-" || (c >= "0" && c <= "9"))) {
      out.push({ k: "num", v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i, i + 256));
    if (word) {
      out.push({ k: "word", v: word[0] });
      i += word[0].length;
      continue;
    }
    throw new PatternError(`unexpected character ${JSON.stringify(c)} at ${i}`);
  }
  return out;
}

const COMPARE = new Set(["=", "!=", "<", "<=", ">", ">="]);
const WORD_OPS = new Set(["IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"]);
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Parses a STIX 2.1 pattern; returns its comparisons or throws a PatternError saying where it fails. */
export function parsePattern(src: string): Comparison[] {
  const toks = tokenize(src);
  let p = 0;
  let depth = 0;
  const comparisons: Comparison[] = [];
  const peek = (): Tok | undefined => toks[p];
  const isP = (v: string): boolean => {
    const t = toks[p];
    return t?.k === "punct" && t.v === v;
  };
  const isW = (v: string): boolean => {
    const t = toks[p];
    return t?.k === "word" && t.v === v;
  };
  const expectP = (v: string): void => {
    if (!isP(v)) throw new PatternError(`expected '${v}' at token ${p}`);
    p++;
  };
  const expectW = (v: string): void => {
    if (!isW(v)) throw new PatternError(`expected ${v} at token ${p}`);
    p++;
  };
  const enter = (): void => {
    if (++depth > MAX_DEPTH) throw new PatternError(`pattern nested deeper than ${MAX_DEPTH}`);
  };

  const literal = (): string | number | boolean => {
    const t = peek();
    if (!t) throw new PatternError("expected a value at the end");
    p++;
    if (t.k === "str" || t.k === "num") return t.v;
    if (t.k === "word" && (t.v === "true" || t.v === "false")) return t.v === "true";
    if (t.k === "tagged") {
      if (t.tag === "t" && !TIMESTAMP.test(t.v)) throw new PatternError(`bad timestamp t'${t.v}'`);
      if (t.tag === "h" && !/^([0-9a-fA-F]{2})*$/.test(t.v)) throw new PatternError(`bad hex h'${t.v}'`);
      if (t.tag === "b" && !/^[A-Za-z0-9+/]*={0,2}$/.test(t.v))
        throw new PatternError(`bad base64 b'${t.v}'`);
      return t.v;
    }
    throw new PatternError(`expected a value at token ${p - 1}`);
  };

  const path = (): { objectType: string; path: string } => {
    const t = peek();
    if (t?.k !== "word" || !/^[a-z][a-z0-9-]*$/.test(t.v) || t.v.length < 3 || t.v.length > 250)
      throw new PatternError(`expected an object type at token ${p}`);
    p++;
    expectP(":");
    const first = peek();
    if (first?.k !== "word" && first?.k !== "str")
      throw new PatternError(`expected a property name at token ${p}`);
    p++;
    let out = first.v;
    for (;;) {
      if (isP(".")) {
        p++;
        const n = peek();
        if (n?.k !== "word" && n?.k !== "str")
          throw new PatternError(`expected a property name at token ${p}`);
        p++;
        out += `.${n.v}`;
      } else if (isP("[")) {
        p++;
        const n = peek();
        if (n?.k === "num" && Number.isInteger(n.v)) out += `[${n.v}]`;
        else if (n?.k === "punct" && n.v === "*") out += "[*]";
        else throw new PatternError(`expected an index or * at token ${p}`);
        p++;
        expectP("]");
      } else return { objectType: t.v, path: out };
    }
  };

  const cmpTest = (): void => {
    if (isP("(")) {
      enter();
      p++;
      cmpOr();
      expectP(")");
      depth--;
      return;
    }
    if (isW("EXISTS")) {
      p++;
      path();
      return;
    }
    const where = path();
    let negated = false;
    if (isW("NOT")) {
      negated = true;
      p++;
    }
    const t = peek();
    let operator: string;
    if (t?.k === "punct" && COMPARE.has(t.v)) operator = t.v;
    else if (t?.k === "word" && WORD_OPS.has(t.v)) operator = t.v;
    else throw new PatternError(`expected a comparison operator at token ${p}`);
    p++;
    let value: Comparison["value"];
    if (operator === "IN") {
      expectP("(");
      const set: (string | number)[] = [];
      for (;;) {
        const v = literal();
        if (typeof v === "boolean") throw new PatternError("IN takes strings or numbers");
        set.push(v);
        if (isP(",")) p++;
        else break;
      }
      expectP(")");
      value = set;
    } else {
      value = literal();
      if (["LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"].includes(operator) && typeof value !== "string")
        throw new PatternError(`${operator} takes a string`);
    }
    comparisons.push({ ...where, operator, negated, value });
  };
  const cmpAnd = (): void => {
    cmpTest();
    while (isW("AND")) {
      p++;
      cmpTest();
    }
  };
  const cmpOr = (): void => {
    cmpAnd();
    while (isW("OR")) {
      p++;
      cmpAnd();
    }
  };
  const qualifiers = (): void => {
    for (;;) {
      if (isW("WITHIN")) {
        p++;
        const n = peek();
        if (n?.k !== "num" || n.v <= 0)
          throw new PatternError(`WITHIN needs a positive number at token ${p}`);
        p++;
        expectW("SECONDS");
      } else if (isW("REPEATS")) {
        p++;
        const n = peek();
        if (n?.k !== "num" || !Number.isInteger(n.v) || n.v <= 0)
          throw new PatternError(`REPEATS needs a positive integer at token ${p}`);
        p++;
        expectW("TIMES");
      } else if (isW("START")) {
        p++;
        const a = peek();
        if (a?.k !== "tagged" || a.tag !== "t" || !TIMESTAMP.test(a.v))
          throw new PatternError("START needs t'…'");
        p++;
        expectW("STOP");
        const b = peek();
        if (b?.k !== "tagged" || b.tag !== "t" || !TIMESTAMP.test(b.v))
          throw new PatternError("STOP needs t'…'");
        p++;
      } else return;
    }
  };
  const obsUnit = (): void => {
    enter();
    if (isP("[")) {
      p++;
      cmpOr();
      expectP("]");
    } else if (isP("(")) {
      p++;
      obsExprs();
      expectP(")");
    } else throw new PatternError(`expected '[' or '(' at token ${p}`);
    depth--;
    qualifiers();
  };
  const obsAnd = (): void => {
    obsUnit();
    while (isW("AND")) {
      p++;
      obsUnit();
    }
  };
  const obsOr = (): void => {
    obsAnd();
    while (isW("OR")) {
      p++;
      obsAnd();
    }
  };
  function obsExprs(): void {
    obsOr();
    while (isW("FOLLOWEDBY")) {
      p++;
      obsOr();
    }
  }
  obsExprs();
  if (p !== toks.length) throw new PatternError(`unexpected token at ${p}`);
  return comparisons;
}

/** A string literal for a pattern: quotes and backslashes escaped. */
export function patternString(v: string): string {
  return `'${v.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}
