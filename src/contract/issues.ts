// Bad input is data: every problem found in an input line becomes an InputIssue,
// reported and counted, and reading goes on.

export type IssueCode =
  | "E_JSON" // the line is not valid JSON
  | "E_NOT_OBJECT" // valid JSON, but not an object
  | "E_MISSING_FIELD" // a required field is absent
  | "E_BAD_FIELD" // a required field has the wrong type or form
  | "E_LINE_TOO_LONG" // longer than the reader's line limit; skipped without buffering it
  | "E_ENCODING" // not valid UTF-8
  | "E_TRUNCATED" // the file ended inside a compressed stream
  | "W_BAD_OPTIONAL"; // an optional field has the wrong type: the field is ignored, the line kept

export interface InputIssue {
  readonly file: string;
  /** 1-based line number; 0 when the issue concerns the whole file. */
  readonly line: number;
  readonly code: IssueCode;
  readonly reason: string;
  /** true when the line was skipped, false when it was kept with the field ignored. */
  readonly skipped: boolean;
}

export type IssueSink = (issue: InputIssue) => void;

export function formatIssue(issue: InputIssue): string {
  return `${issue.file}:${issue.line}: ${issue.reason}${issue.skipped ? "" : " (field ignored, line kept)"}`;
}

/** Counts issues by code and keeps the first few for the end-of-run summary. */
export class IssueTally {
  readonly byCode = new Map<IssueCode, number>();
  skippedLines = 0;
  warnings = 0;

  add(issue: InputIssue): void {
    this.byCode.set(issue.code, (this.byCode.get(issue.code) ?? 0) + 1);
    if (issue.skipped) this.skippedLines++;
    else this.warnings++;
  }

  get total(): number {
    return this.skippedLines + this.warnings;
  }

  summary(): string {
    if (this.total === 0) return "input: no bad lines";
    const parts = [...this.byCode.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${n} ${ISSUE_LABELS[code]}`);
    return `input: skipped ${this.skippedLines} bad line(s), ignored ${this.warnings} bad optional field(s): ${parts.join(", ")}`;
  }

  toJSON(): { skipped_lines: number; warnings: number; by_code: Record<string, number> } {
    return {
      skipped_lines: this.skippedLines,
      warnings: this.warnings,
      by_code: Object.fromEntries(this.byCode),
    };
  }
}

const ISSUE_LABELS: Record<IssueCode, string> = {
  E_JSON: "not JSON",
  E_NOT_OBJECT: "not an object",
  E_MISSING_FIELD: "missing a required field",
  E_BAD_FIELD: "bad required field",
  E_LINE_TOO_LONG: "line too long",
  E_ENCODING: "invalid UTF-8",
  E_TRUNCATED: "truncated compressed stream",
  W_BAD_OPTIONAL: "bad optional field",
};
