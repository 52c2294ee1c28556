// Which `rtc_foci` entry an older Element Call (0.19.1–0.23) uses, decided by its own code:
// the class RtcTransportAutoDiscovery as published in the npm package's source map
// (`sourcesContent` of src/state/CallViewModel/localMember/RtcTransportAutoDiscovery.ts),
// compiled here with TypeScript's transpileModule and run against matrix-js-sdk's
// AutoDiscovery.getRawClientConfig, the well-known fetcher Element Call's LocalTransport.ts
// hands it. Only the well-known is served: the tests ask about the well-known half.
//
//   node older_foci.mjs '{"package": "element-call-embedded-0.22.0",
//                         "cases": [{"domain": "example.com", "status": 200, "body": "{…}",
//                                    "embedded": true}, …]}'
//   → {"source": "<path in the source map>", "chosen": [<transport or null>, …]}
//
// `embedded: true` is a widget (no access token: the class skips the transports endpoint);
// `false` is the standalone app whose homeserver has no transports (the endpoint says `[]`).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

import ts from "typescript";
import { AutoDiscovery } from "matrix-js-sdk/lib/autodiscovery.js";
import { logger } from "matrix-js-sdk/lib/logger.js";

const SOURCE = "src/state/CallViewModel/localMember/RtcTransportAutoDiscovery.ts";
// The one module of Element Call's own the class imports at run time: a retry wrapper.
// The stand-in runs the operation once (the tests' homeserver answers at once).
const STAND_INS = {
  "../../../utils/matrix.ts": "export async function doNetworkOperationWithRetry(op) { return await op(); }",
};
const require = createRequire(import.meta.url);
const { package: pkg, cases } = JSON.parse(process.argv[2]);

logger.setLevel?.("silent"); // the SDK logs expected failures; keep stdout pure JSON
// The class logs each step it tries: to stderr, where a failing test shows it.
const toStderr = (...args) => console.error(...args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))));
const stepLog = { debug: toStderr, info: toStderr, warn: toStderr, error: toStderr, getChild: () => stepLog };

function publishedSource() {
  const assets = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "dist", "assets");
  for (const name of fs.readdirSync(assets).filter((n) => n.endsWith(".js.map")).sort()) {
    const map = JSON.parse(fs.readFileSync(path.join(assets, name), "utf8"));
    const i = map.sources.findIndex((s) => s.endsWith(SOURCE));
    if (i >= 0 && map.sourcesContent?.[i]) return { where: map.sources[i], text: map.sourcesContent[i] };
  }
  throw new Error(`${pkg} ships no ${SOURCE} in its source maps`);
}

function compiled(text, scratch) {
  const js = ts.transpileModule(text, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  return js.replace(/from "([^"]+)"/g, (_, spec) => {
    if (spec in STAND_INS) {
      const file = path.join(scratch, `stand-in-${Object.keys(STAND_INS).indexOf(spec)}.mjs`);
      fs.writeFileSync(file, STAND_INS[spec]);
      return `from "${pathToFileURL(file).href}"`;
    }
    if (spec.startsWith(".")) throw new Error(`unexpected run-time import ${spec}: the class changed`);
    return `from "${pathToFileURL(require.resolve(spec)).href}"`; // bare: this folder's node_modules
  });
}

async function load() {
  const { where, text } = publishedSource();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "rtclint-ec-"));
  try {
    const file = path.join(scratch, "RtcTransportAutoDiscovery.mjs");
    fs.writeFileSync(file, compiled(text, scratch));
    return { where, module: await import(pathToFileURL(file).href) };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function serve(domain, status, body) {
  AutoDiscovery.setFetchFn((resource) => {
    const url = new URL(resource);
    if (url.href !== `https://${domain}/.well-known/matrix/client`) {
      return Promise.reject(new TypeError(`fetch failed: ${url.href} is not served by the test`));
    }
    const headers = { "content-type": "application/json" };
    return Promise.resolve(new Response(body, { status, headers }));
  });
}

const { where, module } = await load();
const chosen = [];
for (const { domain, status, body, embedded } of cases) {
  serve(domain, status ?? 200, body);
  const client = embedded
    ? { getDomain: () => domain, getAccessToken: () => null }
    : { getDomain: () => domain, getAccessToken: () => "token", _unstable_getRTCTransports: async () => [] };
  const discovery = new module.RtcTransportAutoDiscovery({
    client,
    resolvedConfig: {}, // no config.json URL: what the well-known gives is all there is
    wellKnownFetcher: AutoDiscovery.getRawClientConfig.bind(AutoDiscovery),
    logger: stepLog,
  });
  chosen.push((await discovery.discoverPreferredTransport()) ?? null);
}
console.log(JSON.stringify({ source: where, chosen }));
process.exit(0); // the SDK's request timeouts are pending timers
