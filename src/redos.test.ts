// Every regular expression in the source, found by parsing the code rather than by
// a list someone has to keep current, must be free of catastrophic backtracking.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { checkSync } from "recheck";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = new URL(".", import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && !e.name.startsWith("_test") ? [p] : [];
  });
}

function regexes(file: string): { source: string; flags: string; where: string }[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: { source: string; flags: string; where: string }[] = [];
  const visit = (node: ts.Node): void => {
    const where = `${relative(root, file)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    if (ts.isRegularExpressionLiteral(node)) {
      const text = node.text;
      const end = text.lastIndexOf("/");
      found.push({ source: text.slice(1, end), flags: text.slice(end + 1), where });
    } else if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "RegExp" &&
      node.arguments?.[0]
    ) {
      const arg = node.arguments[0];
      // dynamic patterns must be built from escaped literals; their static part is checked here
      if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))
        found.push({ source: arg.text, flags: "", where });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

const all = sourceFiles(root).flatMap(regexes);

describe("regular expressions", () => {
  it("finds the project's regexes", () => {
    expect(all.length).toBeGreaterThan(0);
  });

  it.each(all.map((r) => [r.where, r] as const))("%s is safe from catastrophic backtracking", (_w, r) => {
    const result = checkSync(r.source, r.flags.replace(/[^gimsuy]/g, ""), { timeout: 10_000 });
    expect(result.status, `${r.where} /${r.source}/ is ${result.status}`).toBe("safe");
  });
});
