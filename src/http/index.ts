// Public surface of the HTTP helpers shared by the servers (gateway, dashboard, TAXII, mock upstream, scale-out).
export { type FetchHandler, fetchListener, readBodyText } from "./fetch.js";
export { closeServer, ListenError, listen, originOf } from "./listen.js";
export { decodeSegment } from "./path.js";
