// Which of a homeserver's RTC transports Element Call 0.26.1 uses, decided by matrix-js-sdk's
// own predicate: Element Call's RtcTransportAutoDiscovery takes
// `transportList.find(isLivekitTransportConfig)` of what `_unstable_getRTCTransports()` returns
// (the test checks that line in the installed Element Call's sources).
//
//   node transports.mjs '[{"type": "livekit", "url": "wss://…"}, …]'
//   → {"accepted": [false, …], "chosen": 1}   (chosen: null when none is usable)
import { isLivekitTransportConfig } from "matrix-js-sdk/lib/matrixrtc/LivekitTransport.js";

const transports = JSON.parse(process.argv[2]);
const accepted = transports.map((t) => isLivekitTransportConfig(t));
const chosen = transports.find(isLivekitTransportConfig);
console.log(JSON.stringify({ accepted, chosen: chosen === undefined ? null : transports.indexOf(chosen) }));
