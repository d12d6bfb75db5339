// Public surface of the per-account profiles.
export { ActiveHours } from "./activity.js";
export {
  AccountProfile,
  BURST,
  CappedCounter,
  contentCluster,
  FLEET_WINDOW_MS,
  fleetKey,
  fleetKeyAt,
  fleetParts,
  hashKey,
  IP_TYPE_INDEX,
  LINK_BAND,
  LINK_IP,
  LINK_SCAFFOLD,
  LINK_UA,
  PAIR_MAX,
  Releases,
  releaseId,
  SESSION_GAP_MS,
  TALLY_KINDS,
  Tally,
  type TallyKind,
  TallyView,
  textKey,
} from "./profile.js";
export { countriesAt, impliedOffset, offsetDistance, zoneContradiction } from "./timezone.js";
