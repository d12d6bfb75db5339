#!/usr/bin/env node
// The distillguard command. The TypeScript is compiled to dist/ by `npm install`
// (the prepare script) or `npm run build`.
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  console.error(
    "distillguard: not built yet; run `npm install` (or `npm run build`) in the repository first",
  );
  process.exit(2);
}
const { main } = await import(entry.href);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
