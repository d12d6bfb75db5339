// Messages between the gateway's request thread (ThreadScorer) and its scoring worker.
import type { DecisionCount } from "../store/index.js";
import type { LiveScorerOptions, StandingUpdate } from "./scoring.js";

/** What the worker is started with (structured-cloned: data only, no callbacks). */
export interface WorkerInit {
  readonly options: Omit<LiveScorerOptions, "onStandings" | "onCampaigns" | "onError">;
}

export type ToScorer =
  | {
      readonly t: "lines";
      readonly lines: readonly string[];
      /** policy decisions since the last message */
      readonly decisions?: readonly DecisionCount[];
    }
  | {
      readonly t: "call";
      readonly id: number;
      readonly op: "checkpoint" | "link" | "save" | "signup" | "close";
      readonly arg?: unknown;
      readonly regions?: readonly string[];
    };

export type FromScorer =
  | { readonly t: "ready"; readonly observed: number }
  | { readonly t: "failed"; readonly message: string }
  | { readonly t: "standings"; readonly updates: readonly StandingUpdate[] }
  | { readonly t: "campaigns"; readonly campaignOf: ReadonlyMap<string, string> }
  | { readonly t: "error"; readonly what: string; readonly message: string }
  | { readonly t: "result"; readonly id: number; readonly value?: unknown; readonly error?: string };
