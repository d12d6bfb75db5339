// A command's standard output and error captured as text, for CLI tests.
import { PassThrough } from "node:stream";

export function captureIo(): {
  io: { stdout: PassThrough; stderr: PassThrough };
  text: () => { stdout: string; stderr: string };
} {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d) => {
    stdout += String(d);
  });
  err.on("data", (d) => {
    stderr += String(d);
  });
  return { io: { stdout: out, stderr: err }, text: () => ({ stdout, stderr }) };
}
