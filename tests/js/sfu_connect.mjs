// Let livekit-client's own signalling code connect to an SFU URL and print which paths it
// asked for and where it ended, as JSON. What the proxy answers is given on the command
// line (rtclint's answer model predicts it); the library decides what to ask next.
//
//   node sfu_connect.mjs '{"url": "wss://sfu.example.com", "answers": {"/rtc/v1": {"ws": "fail"},
//                          "/rtc/v1/validate": {"status": 404, "body": ""}, "/rtc": {"ws": "livekit"}}}'
//
// answers[path].ws: "livekit" (the websocket upgrade succeeds) or "fail" (it does not);
// answers[path].status/body: the answer to a plain GET (the validate request). A path the
// library asks for that is not in `answers` fails the run: the test must predict it.
//
// SignalClient is internal to the bundle, so the bundle is loaded unchanged from a copy with
// one line added that exports it (in a temporary folder whose node_modules is ours).
// The retry with the old path is RTCEngine.join's (`ConnectionErrorReason.ServiceNotFound`
// → `join(…, useV0Path = true)`), which needs WebRTC; this script makes that one decision the
// way RTCEngine does and lets SignalClient do everything else.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const { url, answers } = JSON.parse(process.argv[2]);
const asked = [];
let opened = null;

function answerFor(target) {
  const p = new URL(target).pathname;
  asked.push(p);
  if (!(p in answers)) {
    console.log(JSON.stringify({ error: "unpredicted", path: p, asked }));
    process.exit(3);
  }
  return [p, answers[p]];
}

class StandInWebSocket extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;

  constructor(target) {
    super();
    this.url = target;
    this.readyState = 0;
    const [p, answer] = answerFor(target);
    setTimeout(() => {
      if (answer.ws === "livekit") {
        this.readyState = 1;
        opened = p;
        this.onopen?.(new Event("open"));
        finish(null);
      } else {
        this.readyState = 3;
        this.dispatchEvent(new Event("error"));
        const close = new Event("close");
        close.code = 1006;
        close.wasClean = false;
        this.dispatchEvent(close);
      }
    }, 0);
  }

  send() {}

  close() {
    this.readyState = 3;
  }
}

globalThis.WebSocket = StandInWebSocket;
// what a browser would have (node 20 has no navigator): Chrome, where v1 is the default path
globalThis.navigator ??= { userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36" };
globalThis.fetch = async (target) => {
  const [, answer] = answerFor(typeof target === "string" ? target : target.url);
  return new Response(answer.body ?? "", { status: answer.status });
};

function finish(reason) {
  console.log(JSON.stringify({ asked, opened, error: reason }));
  process.exit(0);
}

const bundle = path.join(here, "node_modules", "livekit-client", "dist", "livekit-client.esm.mjs");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "rtclint-lk-"));
fs.symlinkSync(path.join(here, "node_modules"), path.join(scratch, "node_modules"));
const copy = path.join(scratch, "livekit-client-internals.mjs");
fs.writeFileSync(copy, fs.readFileSync(bundle, "utf8") + "\nexport { SignalClient as __SignalClient };\n");
let lk;
try {
  lk = await import(pathToFileURL(copy).href);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
lk.setLogLevel?.("silent");

const options = { autoSubscribe: true, adaptiveStream: false, websocketTimeout: 2000, maxRetries: 0 };

async function join(useV0Path) {
  const client = new lk.__SignalClient(false);
  try {
    await client.join(url, "token", options, undefined, useV0Path);
    return null;
  } catch (e) {
    return e;
  }
}

let failure = await join(false);
if (failure?.reason === lk.ConnectionErrorReason.ServiceNotFound) {
  failure = await join(true); // RTCEngine.join: retry on the old /rtc path
}
finish(failure ? lk.ConnectionErrorReason[failure.reason] ?? String(failure) : "no-error");
