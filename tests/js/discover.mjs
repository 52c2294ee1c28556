// Run matrix-js-sdk's own client discovery against a proxy started by the tests on
// loopback, and print what the client concludes as JSON.
//
//   node discover.mjs '{"domain": "example.com", "hosts": {"example.com": 40123}}'
//
// Every https request for a host in `hosts` goes to 127.0.0.1:<port> with that Host
// header and SNI name (the certificate is the test's self-signed one, so it is not
// verified). `/_matrix/client/versions` is answered here: the homeserver is not under
// test, only the well-known the proxy serves. Requests for other hosts fail like an
// unreachable server would.
import https from "node:https";

import { AutoDiscovery, AutoDiscoveryAction } from "matrix-js-sdk/lib/autodiscovery.js";
import { isLivekitTransportConfig } from "matrix-js-sdk/lib/matrixrtc/LivekitTransport.js";
import { SUPPORTED_MATRIX_VERSIONS } from "matrix-js-sdk/lib/version-support.js";
import { logger } from "matrix-js-sdk/lib/logger.js";

const RTC_FOCI = "org.matrix.msc4143.rtc_foci";
const { domain, hosts } = JSON.parse(process.argv[2]);
const requests = [];

logger.setLevel?.("silent"); // the SDK logs expected failures; keep stdout pure JSON

function standInVersions() {
  const body = JSON.stringify({ versions: SUPPORTED_MATRIX_VERSIONS });
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
}

function toHeaders(raw) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

function loopbackFetch(resource, options = {}) {
  const url = new URL(resource);
  if (url.pathname === "/_matrix/client/versions") return Promise.resolve(standInVersions());
  const port = hosts[url.host] ?? hosts[url.hostname];
  if (port === undefined || url.protocol !== "https:") {
    return Promise.reject(new TypeError(`fetch failed: ${url.origin} is not served by the test`));
  }
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        path: url.pathname + url.search,
        method: options.method ?? "GET",
        headers: { host: url.host, origin: "https://app.element.io" },
        servername: url.hostname,
        rejectUnauthorized: false,
        signal: options.signal,
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          requests.push({
            url: url.href,
            status: res.statusCode,
            content_type: res.headers["content-type"] ?? null,
            access_control_allow_origin: res.headers["access-control-allow-origin"] ?? null,
          });
          const empty = [101, 204, 205, 304].includes(res.statusCode);
          resolve(new Response(empty ? null : body, { status: res.statusCode, headers: toHeaders(res.headers) }));
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

AutoDiscovery.setFetchFn(loopbackFetch);

const wellKnownUrl = `https://${domain}/.well-known/matrix/client`;
const fetched = await AutoDiscovery.fetchWellKnownObject(wellKnownUrl);
// What a MatrixClient caches as its client well-known (and Element Call reads rtc_foci from).
const raw = await AutoDiscovery.getRawClientConfig(domain);
// The full validation a client runs at login.
const clientConfig = await AutoDiscovery.findClientConfig(domain);

const foci = raw?.[RTC_FOCI];
const entries = Array.isArray(foci) ? foci : [];
const isTransport = (entry) => entry !== null && typeof entry === "object" && isLivekitTransportConfig(entry);
console.log(
  JSON.stringify({
    well_known_url: wellKnownUrl,
    action: fetched.action,
    success: fetched.action === AutoDiscoveryAction.SUCCESS,
    reason: fetched.reason ?? null,
    raw,
    homeserver_state: clientConfig["m.homeserver"]?.state ?? null,
    homeserver_error: clientConfig["m.homeserver"]?.error ?? null,
    rtc_foci_is_array: Array.isArray(foci),
    rtc_foci: entries,
    first_focus_is_livekit_transport: entries.length > 0 && isTransport(entries[0]),
    livekit_service_urls: entries.filter(isTransport).map((e) => e.livekit_service_url),
    requests,
  }),
);
// The SDK's 5 s request timeouts are still pending timers: exit now instead of waiting.
process.exit(0);
