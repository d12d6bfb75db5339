// The helpers every server shares: listen() with one-line errors, the origin of an address,
// closing a server with keep-alive connections open, and serving a fetch-style handler.
import { createServer } from "node:http";
import { Agent, request } from "undici";
import { describe, expect, it } from "vitest";
import { closeServer, decodeSegment, fetchListener, ListenError, listen, originOf } from "./index.js";

describe("servers", () => {
  it("listen names a port in use; originOf brackets IPv6; closeServer ends kept-alive connections", async () => {
    const a = createServer((_req, res) => res.end("ok"));
    const addr = await listen(a, 0, "127.0.0.1");
    expect(originOf(addr)).toBe(`http://127.0.0.1:${addr.port}`);
    expect(originOf({ address: "::1", family: "IPv6", port: 8080 })).toBe("http://[::1]:8080");
    const b = createServer();
    const err = await listen(b, addr.port, "127.0.0.1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListenError);
    expect((err as ListenError).message).toMatch(/the port is in use/);
    // a keep-alive connection stays open after its answer: closeServer must not wait for it
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    const r = await request(originOf(addr), { dispatcher: agent });
    expect(await r.body.text()).toBe("ok");
    await closeServer(a);
    expect(a.listening).toBe(false);
    await agent.close();
  });

  it("fetchListener serves a fetch handler: method, headers, streamed body, status, cookies", async () => {
    const server = createServer(
      fetchListener(async (req) => {
        const body = await req.text();
        const h = new Headers({ "x-echo": req.headers.get("x-in") ?? "" });
        h.append("set-cookie", "a=1; Path=/");
        h.append("set-cookie", "b=2; Path=/");
        return new Response(`${req.method} ${new URL(req.url).pathname} ${body}`, {
          status: 201,
          headers: h,
        });
      }),
    );
    const addr = await listen(server, 0, "127.0.0.1");
    try {
      const r = await request(`${originOf(addr)}/p?q=1`, {
        method: "POST",
        headers: { "x-in": "hi" },
        body: "payload",
      });
      expect(r.statusCode).toBe(201);
      expect(r.headers["x-echo"]).toBe("hi");
      expect(r.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; Path=/"]);
      expect(await r.body.text()).toBe("POST /p payload");
      const head = await request(`${originOf(addr)}/h`, { method: "HEAD" });
      expect(head.statusCode).toBe(201);
      expect(await head.body.text()).toBe("");
    } finally {
      await closeServer(server);
    }
  });
});

describe("decodeSegment", () => {
  it("decodes escapes and reports malformed ones as undefined", () => {
    expect(decodeSegment("indicator--a%2Fb")).toBe("indicator--a/b");
    expect(decodeSegment("plain")).toBe("plain");
    expect(decodeSegment("bad%E0%A4%A")).toBeUndefined();
    expect(decodeSegment("%")).toBeUndefined();
  });
});
