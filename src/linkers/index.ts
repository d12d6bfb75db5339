// Public surface of the cross-account evidence.

export { densestBlock, HandoffWatch, lockstepPairs, type Pair } from "./coordination.js";
export { fingerprint, mutualNeighbours, type NeighbourEdge, standardise } from "./fingerprint.js";
export { FLEET_MIN, FLEET_RATIO, FLEET_SHARE, FLEET_Z, FleetTiming } from "./fleet.js";
export {
  CONTENT_KINDS,
  type Group,
  type GroupCensus,
  GroupIndex,
  type GroupIndexPart,
  type GroupKind,
  groupStandOut,
  groupStrength,
  isFreeMail,
  type MemberStatus,
  type Members,
  othersMeanRank,
  specificity,
} from "./groups.js";
export { ORG_SPREAD_MIN, OrgSpread } from "./org-spread.js";
export { ContentSurge, SURGE_ACCOUNTS, SURGE_RATIO, type SurgeCell } from "./surge.js";
