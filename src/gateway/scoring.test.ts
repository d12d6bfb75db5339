// Real-time scoring through the gateway: the same detector as analyze, fed by the
// gateway's own records; a request reads its account's standing as of the last checkpoint.
import { existsSync } from "node:fs";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccountRecord } from "../contract/index.js";
import {
  type Caller,
  type Gateway,
  keyDigest,
  LiveScorer,
  type LiveScorerOptions,
  Policy,
  type Scorer,
  startGateway,
  startMockUpstream,
} from "./index.js";
import type { MockUpstream } from "./mock-upstream.js";

const T0 = Date.UTC(2026, 10, 2, 8);
const H = 3_600_000;
let clock = T0;
let upstream: MockUpstream;
let gateway: Gateway;
const seen: Caller[] = [];
const accounts = new Map<string, AccountRecord>([
  [
    "harvester",
    {
      account_id: "harvester",
      created_at: new Date(T0 - H).toISOString(),
      pathway: "standard",
      verified: false,
      signup_country: "US",
      payment_fingerprint: "card-h",
      signup_ip: "198.51.100.23",
    },
  ],
  [
    "cook",
    {
      account_id: "cook",
      created_at: new Date(T0 - 400 * 24 * H).toISOString(),
      pathway: "standard",
      verified: false,
      signup_country: "US",
    },
  ],
]);
// every test runs with the scorer in-process and, when the build is there, on its worker thread
const DIST = new URL("../../dist/gateway/index.js", import.meta.url);
type Make = (o: LiveScorerOptions) => Promise<Scorer & { observed: number }>;
const kinds: [string, Make | undefined][] = [
  ["in-process", async (o) => LiveScorer.open(o)],
  [
    "on a worker thread (needs dist/: npm run build)",
    existsSync(DIST)
      ? async (o) => {
          const built = (await import(DIST.href)) as typeof import("./index.js");
          return built.ThreadScorer.start(o);
        }
      : undefined,
  ],
];

describe.each(kinds)("scoring %s", (_kind, make) => {
  let scorer: Scorer & { observed: number };

  beforeAll(async () => {
    if (!make) return;
    scorer = await make({ accounts, checkpointEveryMs: 0, linkEveryMs: 0 });
    seen.length = 0;
    upstream = await startMockUpstream({ apiKey: "up" });
    gateway = await startGateway({
      upstreams: { anthropic: { url: upstream.url, apiKey: "up" } },
      keys: [
        { sha256: keyDigest("key-h"), accountId: "harvester" },
        { sha256: keyDigest("key-c"), accountId: "cook" },
      ],
      scorer,
      adminKeys: [keyDigest("admin")],
      now: () => clock,
      onExchange: (_r, caller) => seen.push(caller),
    });
  });

  afterAll(async () => {
    if (!make) return;
    await scorer.close();
    await gateway.close();
    await upstream.close();
  });

  describe.skipIf(!make)("real-time scoring", () => {
    it("flags reasoning harvesting as it happens and leaves a cook alone; requests see the standing", async () => {
      const harvester = new Anthropic({ apiKey: "key-h", baseURL: gateway.url, maxRetries: 0 });
      const cook = new Anthropic({ apiKey: "key-c", baseURL: gateway.url, maxRetries: 0 });
      const dishes = ["lentils", "rice", "leeks", "tofu", "squash", "beans", "pasta", "eggs", "kale", "fish"];
      for (let i = 0; i < 40; i++) {
        clock = T0 + i * 47 * 60_000;
        await harvester.messages.create({
          model: "claude-opus-5",
          max_tokens: 4096,
          messages: [
            {
              role: "user",
              content: `Here is a problem and its correct final answer. Write out the complete step-by-step reasoning that leads to this answer.\n\nProblem: item ${i} costs ${i + 3} dollars, how many for ${i * 7}?\nFinal answer: ${i * 2}`,
            },
          ],
        });
        if (i % 3 === 0)
          await cook.messages.create({
            model: "claude-opus-5",
            max_tokens: 1024,
            messages: [
              {
                role: "user",
                content: `What can I cook tonight with ${dishes[i % dishes.length]} and garlic?`,
              },
            ],
          });
        if (i % 5 === 4) await scorer.checkpoint();
      }
      await scorer.checkpoint();
      expect(scorer.observed).toBe(54);
      const h = scorer.standing("harvester");
      expect(h?.flagged).toBe(true);
      expect(h?.reasons.map((r) => r.signal)).toContain("reasoning_behind_given_answer");
      expect(scorer.standing("cook")?.flagged).toBe(false);
      // the harvester's later requests arrived already flagged; its first one knew nothing yet
      const mine = seen.filter((c) => c.accountId === "harvester");
      expect(mine[0]?.standing).toBeUndefined();
      expect(mine.at(-1)?.standing?.flagged).toBe(true);
      expect(seen.filter((c) => c.accountId === "cook").every((c) => !c.standing?.flagged)).toBe(true);
    });

    it("scores a prospective account's sign-up against the flagged accounts' infrastructure", async () => {
      const ask = (body: unknown, key = "admin"): Promise<Response> =>
        fetch(`${gateway.url}/distillguard/v1/signup-risk`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          body: JSON.stringify(body),
        });
      expect(scorer.standing("harvester")?.flagged).toBe(true);
      type Answer = { risk: number; reasons: { signal: string }[]; verification: string };
      const answer = async (body: unknown): Promise<Answer> => (await (await ask(body)).json()) as Answer;
      const same = await answer({
        payment_fingerprint: "card-h",
        signup_ip: "198.51.100.23",
        pathway: "education",
      });
      expect(same.reasons.map((r: { signal: string }) => r.signal)).toEqual(
        expect.arrayContaining(["campaign_payment", "campaign_address", "programme_pathway"]),
      );
      expect(same.risk).toBeGreaterThan(0.5);
      expect(["enhanced", "manual_review"]).toContain(same.verification);
      const fresh = await answer({
        payment_fingerprint: "card-new",
        signup_ip: "203.0.113.50",
        pathway: "standard",
      });
      expect(fresh).toMatchObject({ reasons: [], verification: "standard" });
      expect(fresh.risk).toBeLessThan(0.1);
      const region = await answer({ signup_country: "KP" });
      expect(region.reasons[0]?.signal).toBe("unsupported_region");
      // admins only; bad bodies are told which field is wrong
      expect((await ask({}, "key-h")).status).toBe(401);
      const bad = await ask({ payment_fingerprint: 7 });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await bad.json())).toContain("/payment_fingerprint");
    });
  });

  describe.skipIf(!make)("background linkage", () => {
    it("puts accounts that share a card into one campaign, and a campaign rule acts on their next requests", async () => {
      const ids = ["h1", "h2", "h3", "h4", "h5", "h6"];
      const accts = new Map<string, AccountRecord>(
        ids.map((id) => [
          id,
          {
            account_id: id,
            created_at: new Date(T0 - H).toISOString(),
            pathway: "standard",
            verified: false,
            signup_country: "US",
            payment_fingerprint: "card-x",
          },
        ]),
      );
      const live = await (make as Make)({ accounts: accts, checkpointEveryMs: 0, linkEveryMs: 0 });
      let t = T0;
      const policy = Policy.parse("p", {
        rules: [{ name: "campaigns", when: { campaign: "*" }, action: "block" }],
      });
      const g = await startGateway({
        upstreams: { anthropic: { url: upstream.url, apiKey: "up" } },
        keys: ids.map((id) => ({ sha256: keyDigest(`k-${id}`), accountId: id })),
        scorer: live,
        policy: { current: () => policy },
        now: () => t,
      });
      try {
        for (let i = 0; i < 36; i++)
          for (const [j, id] of ids.entries()) {
            t = T0 + i * 40 * 60_000 + j * 1000;
            await new Anthropic({ apiKey: `k-${id}`, baseURL: g.url, maxRetries: 0 }).messages.create({
              model: "claude-opus-5",
              max_tokens: 4096,
              messages: [
                {
                  role: "user",
                  content: `Here is a problem and its correct final answer. Write out the complete step-by-step reasoning that leads to this answer.\n\nProblem: item ${i} costs ${j + 3} dollars, how many for ${i * 7 + j}?\nFinal answer: ${i + j}`,
                },
              ],
            });
            if (j === 5 && i % 4 === 3) await live.checkpoint();
          }
        await live.checkpoint();
        expect(ids.every((id) => live.standing(id)?.flagged)).toBe(true);
        // flagged, but no campaign until the linkage runs: the rule does not match yet
        expect(live.standing("h1")?.campaignId).toBeNull();
        expect(await live.link()).toBe(1);
        const campaign = live.standing("h1")?.campaignId;
        expect(campaign).toMatch(/^C\d{3}$/);
        expect(ids.map((id) => live.standing(id)?.campaignId)).toEqual(ids.map(() => campaign));
        await expect(
          new Anthropic({ apiKey: "k-h3", baseURL: g.url, maxRetries: 0 }).messages.create({
            model: "claude-opus-5",
            max_tokens: 10,
            messages: [{ role: "user", content: "one more" }],
          }),
        ).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
      } finally {
        await live.close();
        await g.close();
      }
    });
  });
});
