// Public surface of the per-account profiles.
export { ActiveHours } from "./activity.js";
export {
  AccountProfile,
  type Announce,
  type AnnouncedKind,
  BURST,
  CappedCounter,
  contentCluster,
  FLEET_WINDOW_MS,
  fleetKey,
  fleetKeyAt,
  fleetParts,
  hashKey,
  IP_TYPE_INDEX,
  PAIR_MAX,
  Releases,
  releaseId,
  SESSION_GAP_MS,
  surgeKey,
  surgeParts,
  TALLY_KINDS,
  Tally,
  type TallyKind,
  TallyView,
  textKey,
} from "./profile.js";
export { countriesAt, impliedOffset, offsetDistance, zoneContradiction } from "./timezone.js";
