// The shared prompt sets, read by source: missing files are reported and skipped, and the
// sources that are present load as labelled, distinct texts.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hhHumanTurns, loadPromptSources, PROMPT_SOURCES } from "./index.js";

const DATASETS = new URL("../../../shared/datasets", import.meta.url).pathname;

describe("prompt sources", () => {
  it("reports every source as left out when the folder is absent, and loads nothing", () => {
    const said: string[] = [];
    expect(loadPromptSources("/no/such/folder", (m) => said.push(m))).toEqual([]);
    expect(said.length).toBe(PROMPT_SOURCES.length);
    expect(said[0]).toMatch(/left out \(.* not found under \/no\/such\/folder\)/);
  });

  it("splits an HH-RLHF transcript into the human's turns", () => {
    expect(
      hhHumanTurns("\n\nHuman: hi there\n\nAssistant: hello\n\nHuman: how are you?\n\nAssistant: fine"),
    ).toEqual(["hi there", "how are you?"]);
  });

  it.skipIf(!existsSync(DATASETS))(
    "loads the real sets, both classes, each text once (needs ../shared/datasets)",
    () => {
      const loaded = loadPromptSources(DATASETS, () => {});
      expect(loaded.length).toBe(PROMPT_SOURCES.length);
      for (const s of loaded) {
        expect(s.texts.length, s.source.name).toBeGreaterThan(50);
        expect(new Set(s.texts).size).toBe(s.texts.length);
      }
      expect(new Set(loaded.map((s) => s.source.label))).toEqual(new Set(["harvest", "organic"]));
    },
  );
});
