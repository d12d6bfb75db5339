// Public surface of the cross-account evidence.
export {
  CONTENT_KINDS,
  type Group,
  GroupIndex,
  type GroupKind,
  groupStrength,
  isFreeMail,
  MAX_GROUP,
  specificity,
  type MemberStatus,
} from "./groups.js";
