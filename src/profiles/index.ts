// Public surface of the per-account profiles.
export { ActiveHours } from "./activity.js";
export {
  AccountProfile,
  type Announce,
  type AnnouncedKind,
  BURST,
  contentCluster,
  FLEET_WINDOW_MS,
  fleetKey,
  fleetKeyAt,
  fleetParts,
  hashKey,
  PAIR_MAX,
  Releases,
  readingTally,
  surgeKey,
  surgeParts,
  TALLY_KINDS,
  Tally,
  type TallyKind,
  TallyView,
  textKey,
} from "./profile.js";
export { countriesAt, impliedOffset, offsetDistance, zoneContradiction } from "./timezone.js";
