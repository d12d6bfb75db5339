// The linkage graph stays legible at any campaign size (issue 19): 20 accounts are drawn one
// by one with every value they share; 20,000 are drawn as groups of accounts that share the
// same values, a few dozen nodes, with a legend naming each kind that appears.
import { describe, expect, it } from "vitest";
import { INDIVIDUAL_MAX, linkageGraph, type Signature } from "./graph.js";

const href = (a: string): string => `/accounts/${a}`;
const v = (kind: string, value: string) => ({ kind, value });

/** `n` accounts: all share a domain and an address; cards are shared by groups of ten. */
function campaign(n: number): Signature[] {
  const bySig = new Map<string, { accounts: string[]; values: { kind: string; value: string }[] }>();
  for (let i = 0; i < n; i++) {
    const values = [
      v("email_domain", "mail.example"),
      v("ip", "203.0.113.7"),
      v("payment_fingerprint", `card-${Math.floor(i / 10) % 25}`),
    ];
    const key = JSON.stringify(values);
    const s = bySig.get(key) ?? { accounts: [], values };
    s.accounts.push(`acct_${i}`);
    bySig.set(key, s);
  }
  return [...bySig.values()].map((s) => ({
    accounts: s.accounts.length,
    examples: s.accounts.slice(0, INDIVIDUAL_MAX),
    values: s.values,
  }));
}

describe("the linkage graph", () => {
  it("draws 20 accounts one by one, with the domain and address all of them share", () => {
    const g = linkageGraph(campaign(20), href);
    expect(g.grouped).toBe(false);
    expect(g.nodes.filter((n) => n.kind === "account")).toHaveLength(20);
    const domain = g.nodes.find((n) => n.kind === "email_domain");
    expect(domain?.accounts).toBe(20);
    expect(g.nodes.find((n) => n.kind === "ip")?.accounts).toBe(20);
    // every account links to the shared domain
    expect(g.edges.filter((e) => e.target === domain?.id)).toHaveLength(20);
    expect(g.legend.map((l) => l.kind)).toEqual(["account", "ip", "payment_fingerprint", "email_domain"]);
  });

  it("draws 20,000 accounts as a few dozen nodes that still count every account", () => {
    const g = linkageGraph(campaign(20_000), href);
    expect(g.grouped).toBe(true);
    expect(g.accounts).toBe(20_000);
    expect(g.nodes.length).toBeLessThan(60);
    const groups = g.nodes.filter((n) => n.kind === "accounts");
    expect(groups.reduce((t, n) => t + (n.accounts ?? 0), 0)).toBe(20_000);
    expect(g.nodes.find((n) => n.kind === "email_domain")?.accounts).toBe(20_000);
    expect(g.legend[0]?.kind).toBe("accounts");
    // labels are for hover: each is one line of bounded length
    for (const n of g.nodes) expect(n.label.length).toBeLessThanOrEqual(120);
  });
});
