// Public surface of campaign assembly.
export {
  CONTROL_KINDS,
  communities,
  type Edge,
  eachEdgeAmong,
  edgesAmong,
  KIND_WEIGHT,
} from "./attribute.js";
