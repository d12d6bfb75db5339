// Typed command definitions: options parse to their types, numbers are checked against their
// ranges, mistakes are one-line errors naming the option, --help prints the usage.
import { describe, expect, it } from "vitest";
import { defineCommand, integer, number, parse } from "./_args.js";
import { CLIError } from "./_errors.js";
import { captureIo } from "./_test-io.js";

const OPTIONS = {
  out: { type: "string" },
  quiet: { type: "boolean" },
  days: integer(1, 366),
  scale: number((n) => n > 0 && n <= 1000, "a number in (0, 1000]"),
} as const;

describe("typed options", () => {
  it("parses strings, flags and checked numbers (a negative number is a value)", () => {
    const { values, positionals } = parse(["log.jsonl", "--out", "o", "--days", "7", "--scale=0.5"], OPTIONS);
    const days: number | undefined = values.days;
    const quiet: boolean = values.quiet;
    expect({ out: values.out, days, quiet, scale: values.scale, help: values.help }).toEqual({
      out: "o",
      days: 7,
      quiet: false,
      scale: 0.5,
      help: false,
    });
    expect(positionals).toEqual(["log.jsonl"]);
    expect(() => parse(["--scale", "-1"], OPTIONS)).toThrow(
      '--scale must be a number in (0, 1000], got "-1"',
    );
  });

  it("answers mistakes with one line naming the option", () => {
    const cases: [string[], string][] = [
      [["--days", "1.5"], '--days must be an integer from 1 to 366, got "1.5"'],
      [["--dyas", "3"], "unknown option --dyas (see --help)"],
      [["--out"], "--out needs a value (see --help)"],
      [["--quiet=yes"], "--quiet takes no value (see --help)"],
    ];
    for (const [argv, message] of cases) {
      let caught: unknown;
      try {
        parse(argv, OPTIONS);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CLIError);
      expect((caught as CLIError).message).toBe(message);
      expect((caught as CLIError).exitCode).toBe(2);
    }
  });

  it("defineCommand prints the usage on --help and runs with typed values otherwise", async () => {
    const seen: unknown[] = [];
    const run = defineCommand({
      usage: "usage: demo [--days D]",
      options: OPTIONS,
      async run({ values }) {
        seen.push(values.days);
        return 0;
      },
    });
    const help = captureIo();
    expect(await run(["--help"], help.io)).toBe(0);
    expect(help.text().stdout).toBe("usage: demo [--days D]\n");
    expect(await run(["--days", "3"], captureIo().io)).toBe(0);
    expect(seen).toEqual([3]);
  });

  it("defineCommand refuses an argument to a command that takes options only, before it runs", async () => {
    let ran = 0;
    const run = defineCommand({
      usage: "usage: demo [--days D]",
      options: OPTIONS,
      positionals: "none",
      async run() {
        ran++;
        return 0;
      },
    });
    await expect(run(["--days", "3", "extra"], captureIo().io)).rejects.toMatchObject({
      message: 'unexpected argument "extra"\nusage: demo [--days D]',
      exitCode: 2,
    });
    expect(ran).toBe(0);
    expect(await run(["--days", "3"], captureIo().io)).toBe(0);
    expect(ran).toBe(1);
  });
});
