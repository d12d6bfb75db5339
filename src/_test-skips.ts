// A Vitest reporter, beside the default one: lists every skipped test with its name at the
// end of a run. Each conditional test names what it needs in its title ("(needs
// ../shared/datasets)", "(needs dist/: npm run build)"), so a skip is never silent.
import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

export default class SkipReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const m of modules)
      for (const t of m.children.allTests("skipped"))
        lines.push(`  ${relative(process.cwd(), m.moduleId)} > ${t.fullName}`);
    if (lines.length === 0) return;
    process.stdout.write(`\n${lines.length} skipped, each naming what it needs:\n${lines.join("\n")}\n`);
  }
}
