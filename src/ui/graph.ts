// The campaign's linkage graph as the dashboard draws it: accounts and the values they share
// (addresses, agents, cards, e-mail domains, organisations, sign-up addresses). Legible at
// any size: up to INDIVIDUAL_MAX accounts each is a node; beyond, accounts that share
// exactly the same values are one node ("340 accounts"), so a campaign of 20,000 accounts
// draws as a few dozen nodes. Labels show on hover (assets.ts), never all at once, and a
// legend names each kind by its colour.

/** Accounts drawn one by one up to this many; beyond, grouped by the values they share. */
export const INDIVIDUAL_MAX = 60;

/** The kinds of shared value drawn, with their legend text and colour. */
export const VALUE_KINDS: readonly { kind: string; label: string; color: string }[] = [
  { kind: "ip", label: "source address", color: "#1f5fbf" },
  { kind: "residential_ip", label: "residential or proxy exit", color: "#00838f" },
  { kind: "signup_ip", label: "sign-up address", color: "#5c6bc0" },
  { kind: "user_agent", label: "client agent", color: "#8a4fbf" },
  { kind: "payment_fingerprint", label: "payment card", color: "#1e7b34" },
  { kind: "email_domain", label: "e-mail domain", color: "#c77700" },
  { kind: "org", label: "organisation", color: "#6d6d6d" },
];
export const ACCOUNT_COLOR = "#b3261e";
export const GROUP_COLOR = "#e57373";

/** One set of accounts that share exactly the same values: its size, some of its accounts, and the values (kind, value). */
export interface Signature {
  readonly accounts: number;
  readonly examples: readonly string[];
  readonly values: readonly { readonly kind: string; readonly value: string }[];
}

export interface GraphNode {
  readonly id: string;
  readonly label: string;
  readonly kind: string;
  readonly color: string;
  readonly size: number;
  readonly accounts?: number;
  readonly href?: string;
}

export interface Graph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly { readonly id: string; readonly source: string; readonly target: string }[];
  readonly accounts: number;
  /** accounts drawn as groups (more than INDIVIDUAL_MAX) */
  readonly grouped: boolean;
  readonly legend: readonly { readonly kind: string; readonly label: string; readonly color: string }[];
}

const colorOf = new Map(VALUE_KINDS.map((k) => [k.kind, k.color]));
const labelOf = new Map(VALUE_KINDS.map((k) => [k.kind, k.label]));

/** Builds the graph from the campaign's signatures (accounts grouped by the shared values they use). */
export function linkageGraph(signatures: readonly Signature[], accountHref: (id: string) => string): Graph {
  const total = signatures.reduce((t, s) => t + s.accounts, 0);
  const grouped = total > INDIVIDUAL_MAX;
  const nodes: GraphNode[] = [];
  const edges: { id: string; source: string; target: string }[] = [];
  const values = new Map<string, { kind: string; value: string; accounts: number }>();
  signatures.forEach((s, i) => {
    const ends = s.values.map((v) => `v:${v.kind}:${v.value}`);
    for (const v of s.values) {
      const key = `v:${v.kind}:${v.value}`;
      const cur = values.get(key);
      values.set(key, { kind: v.kind, value: v.value, accounts: (cur?.accounts ?? 0) + s.accounts });
    }
    if (grouped) {
      const id = `g:${i}`;
      nodes.push({
        id,
        label: `${s.accounts} account${s.accounts === 1 ? "" : "s"} sharing ${s.values.length === 0 ? "nothing drawn here" : `the same ${s.values.length} value${s.values.length === 1 ? "" : "s"}`}`,
        kind: "accounts",
        color: GROUP_COLOR,
        size: Math.round(10 + 6 * Math.log2(1 + s.accounts)),
        accounts: s.accounts,
        ...(s.accounts === 1 && s.examples[0] !== undefined ? { href: accountHref(s.examples[0]) } : {}),
      });
      for (const e of ends) edges.push({ id: `e${edges.length}`, source: id, target: e });
    } else
      for (const a of s.examples) {
        const id = `a:${a}`;
        nodes.push({ id, label: a, kind: "account", color: ACCOUNT_COLOR, size: 10, href: accountHref(a) });
        for (const e of ends) edges.push({ id: `e${edges.length}`, source: id, target: e });
      }
  });
  for (const [id, v] of values)
    nodes.push({
      id,
      label: `${labelOf.get(v.kind) ?? v.kind}: ${v.value.slice(0, 60)} (${v.accounts} account${v.accounts === 1 ? "" : "s"})`,
      kind: v.kind,
      color: colorOf.get(v.kind) ?? "#1f5fbf",
      size: Math.round(12 + 4 * Math.log2(1 + v.accounts)),
      accounts: v.accounts,
    });
  const kinds = new Set(nodes.map((n) => n.kind));
  const legend = [
    ...(grouped
      ? [
          {
            kind: "accounts",
            label: "accounts that share the same values (size: how many)",
            color: GROUP_COLOR,
          },
        ]
      : [{ kind: "account", label: "account", color: ACCOUNT_COLOR }]),
    ...VALUE_KINDS.filter((k) => kinds.has(k.kind)),
  ];
  return { nodes, edges, accounts: total, grouped, legend };
}
