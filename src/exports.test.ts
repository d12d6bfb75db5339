// The public surface of each stage is explicit: a change to it shows up here.
import { describe, expect, it } from "vitest";

const surfaces = {
  contract: () => import("./contract/index.js"),
  signals: () => import("./signals/index.js"),
  profiles: () => import("./profiles/index.js"),
  linkers: () => import("./linkers/index.js"),
  campaigns: () => import("./campaigns/index.js"),
  pipeline: () => import("./pipeline/index.js"),
  store: () => import("./store/index.js"),
  verdicts: () => import("./verdicts/index.js"),
  simulate: () => import("./simulate/index.js"),
  eval: () => import("./eval/index.js"),
  gateway: () => import("./gateway/index.js"),
  cli: () => import("./cli/index.js"),
};

describe("public surfaces", () => {
  it.each(Object.entries(surfaces))("%s exports", async (_name, load) => {
    expect(Object.keys(await load()).sort()).toMatchSnapshot();
  });
});
