// Public surface of the per-account profiles.
export { ActiveHours } from "./activity.js";
export {
  AccountProfile,
  BURST,
  CappedCounter,
  hashKey,
  IntCounter,
  IP_TYPE_INDEX,
  LINK_BAND,
  LINK_IP,
  LINK_SCAFFOLD,
  LINK_UA,
  Releases,
  SESSION_GAP_MS,
} from "./profile.js";
export { countriesAt, impliedOffset, offsetDistance } from "./timezone.js";
