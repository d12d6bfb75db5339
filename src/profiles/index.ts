// Public surface of the per-account profiles.
export { AccountProfile, CappedCounter, IP_TYPE_INDEX, ipPrefix } from "./profile.js";
