// Public surface of campaign assembly.
export {
  type BehaviourSummary,
  behaviourGap,
  CONTROL_KINDS,
  communities,
  type Edge,
  eachEdgeAmong,
  edgesAmong,
  KIND_WEIGHT,
  mergeAlike,
  summariseBehaviour,
} from "./attribute.js";
