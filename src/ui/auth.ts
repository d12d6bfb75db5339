// Dashboard sign-in: a one-time login link printed on stdout (as notebook servers do),
// exchanged for a session cookie (HttpOnly, SameSite=Strict); each session has a role and a
// CSRF token that every form carries. Tokens are compared in constant time.
import { randomBytes, timingSafeEqual } from "node:crypto";

export type Role = "analyst" | "investigator";

export interface Session {
  readonly id: string;
  readonly role: Role;
  readonly csrf: string;
  readonly analyst: string;
  expires: number;
}

const SESSION_MS = 12 * 3_600_000;

export class Sessions {
  private readonly logins = new Map<string, { role: Role; analyst: string; expires: number }>();
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A one-time login token (valid 24 hours, once). */
  loginToken(role: Role, analyst: string): string {
    const t = randomBytes(24).toString("base64url");
    this.logins.set(t, { role, analyst, expires: this.now() + 24 * 3_600_000 });
    return t;
  }

  /** Exchanges a login token for a session; undefined if it is unknown, used or expired. */
  login(token: string): Session | undefined {
    for (const [t, l] of this.logins) {
      const a = Buffer.from(t);
      const b = Buffer.from(token);
      if (a.length === b.length && timingSafeEqual(a, b)) {
        this.logins.delete(t);
        if (l.expires < this.now()) return undefined;
        const s: Session = {
          id: randomBytes(24).toString("base64url"),
          role: l.role,
          csrf: randomBytes(24).toString("base64url"),
          analyst: l.analyst,
          expires: this.now() + SESSION_MS,
        };
        this.sessions.set(s.id, s);
        return s;
      }
    }
    return undefined;
  }

  /** The session a request's cookie names, if valid. */
  fromCookie(cookie: string | undefined): Session | undefined {
    const id = /(?:^|;\s*)dg_session=([A-Za-z0-9_-]{10,64})/.exec(cookie ?? "")?.[1];
    const s = id === undefined ? undefined : this.sessions.get(id);
    if (!s) return undefined;
    if (s.expires < this.now()) {
      this.sessions.delete(s.id);
      return undefined;
    }
    return s;
  }

  logout(s: Session): void {
    this.sessions.delete(s.id);
  }
}

/** Whether a form's CSRF token is the session's. */
export function csrfOk(s: Session, token: string | undefined): boolean {
  if (token === undefined) return false;
  const a = Buffer.from(s.csrf);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
