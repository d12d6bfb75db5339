// Where an organisation's traffic comes from, against the countries its accounts declared.
// An account whose traffic comes from other countries than the one it declared at sign-up is
// a weak sign of a bought or borrowed account, unless that is simply where its organisation
// works: a reseller's customers reach the API through the reseller's relays and exits
// abroad, a multinational's staff travel and use the company VPN. Read against the rest of
// its organisation, such an account is where its organisation is.
//
// Counted from the accounts' profiles (their exchange count and country tally), so a
// restored state or a scale-out linkage job recounts the same figures.

/** Other accounts (with a declared country) an organisation needs before its spread is read. */
export const ORG_SPREAD_MIN = 5;

/** [accounts, exchanges, exchanges from other countries than the account's declared one] */
type Org = [number, number, number];

export class OrgSpread {
  private readonly orgs = new Map<string, Org>();

  /**
   * Adds an account's change to its organisation: `accounts` 1 when the account is new to the
   * figures, `n` exchanges of which `away` came from other countries than its declared one
   * (negative `away` when a recount moves an exchange back home).
   */
  add(org: string, accounts: number, n: number, away: number): void {
    const o = this.orgs.get(org);
    if (o === undefined) this.orgs.set(org, [accounts, n, away]);
    else {
      o[0] += accounts;
      o[1] += n;
      o[2] += away;
    }
  }

  /**
   * The share of the organisation's other accounts' exchanges that came from other countries
   * than each one's declared country, leaving out one account's own figures (`n`, `away`);
   * undefined when fewer than ORG_SPREAD_MIN other accounts or no other exchange count.
   */
  othersAway(org: string, n: number, away: number): number | undefined {
    const o = this.orgs.get(org);
    if (o === undefined || o[0] - 1 < ORG_SPREAD_MIN) return undefined;
    const rest = o[1] - n;
    return rest <= 0 ? undefined : Math.min(1, Math.max(0, (o[2] - away) / rest));
  }
}
