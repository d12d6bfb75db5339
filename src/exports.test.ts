// The public surface of each stage (every folder's index.ts) is explicit: a change to it shows up here.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const surfaces = {
  contract: () => import("./contract/index.js"),
  signals: () => import("./signals/index.js"),
  profiles: () => import("./profiles/index.js"),
  linkers: () => import("./linkers/index.js"),
  campaigns: () => import("./campaigns/index.js"),
  outputs: () => import("./outputs/index.js"),
  pipeline: () => import("./pipeline/index.js"),
  store: () => import("./store/index.js"),
  verdicts: () => import("./verdicts/index.js"),
  simulate: () => import("./simulate/index.js"),
  eval: () => import("./eval/index.js"),
  gateway: () => import("./gateway/index.js"),
  cli: () => import("./cli/index.js"),
  datasets: () => import("./datasets/index.js"),
  http: () => import("./http/index.js"),
  intel: () => import("./intel/index.js"),
  protection: () => import("./protection/index.js"),
  scaleout: () => import("./scaleout/index.js"),
  ui: () => import("./ui/index.js"),
};

describe("public surfaces", () => {
  it("covers every folder with a public surface", () => {
    const here = import.meta.dirname;
    const folders = readdirSync(here, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(here, e.name, "index.ts")))
      .map((e) => e.name)
      .sort();
    expect(Object.keys(surfaces).sort()).toEqual(folders);
  });

  it.each(Object.entries(surfaces))("%s exports", async (_name, load) => {
    expect(Object.keys(await load()).sort()).toMatchSnapshot();
  });
});
