// Public surface of the cross-account evidence.

export { densestBlock, HandoffWatch, lockstepPairs, type Pair } from "./coordination.js";
export {
  CONTENT_KINDS,
  type Group,
  GroupIndex,
  type GroupIndexPart,
  type GroupKind,
  groupStrength,
  isFreeMail,
  MAX_GROUP,
  type MemberStatus,
  specificity,
} from "./groups.js";
