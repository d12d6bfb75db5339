// Follow-up laundering (issue 18): a chain of independent problems pasted as follow-ups
// into one conversation must read as a chain of tasks, not as the most human account
// there is; a person's conversation keeps its credit.
import { describe, expect, it } from "vitest";
import type { AccountProfile } from "../profiles/index.js";
import { acct, type Ex, H, opts, profileOf, T0 } from "./_test-helpers.js";
import { FEATURES } from "./features.js";

const feature = (name: string, p: AccountProfile): number => {
  const f = FEATURES.find((x) => x.name === name);
  if (!f) throw new Error(`no feature ${name}`);
  return f.value(p, opts);
};

// distinct problems, as a benchmark's items are: each brings its own vocabulary
const PROBLEMS = [
  "Janet's ducks lay sixteen eggs daily. She eats three for breakfast every morning and bakes muffins for friends with four more. She sells the remainder at the farmers' market for two dollars each. How much does she make every day?",
  "A robe takes two bolts of blue fiber and half that much white fiber. How many bolts in total does it take to finish one robe?",
  "Write a Python function that returns the longest palindromic substring of a given string, with a docstring and complexity analysis.",
  "Which planet in our solar system has the strongest magnetic field, and what generates it inside the planet?",
  "Translate into French: the committee postponed yesterday's meeting because several members were travelling abroad.",
  "Explain why the Treaty of Westphalia is considered the foundation of modern state sovereignty in European history.",
  "A rectangular garden measures twelve metres by eighteen metres. A gravel path one metre wide surrounds it. What is the area of the path?",
  "Summarise the main causes of inflation according to monetarist economists, contrasting them with Keynesian explanations.",
  "Implement binary search over a sorted integer array in Rust, returning an Option with the index when the target exists.",
  "Photosynthesis converts light energy into chemical energy. Describe the light-dependent reactions inside chloroplast thylakoids.",
  "Toulouse trains leave every forty minutes starting at six; Bordeaux trains every fifty minutes starting at seven. When do departures first coincide?",
  "Compose a limerick about a forgetful astronaut who misplaces her helmet aboard the orbiting station.",
];

describe("follow-up laundering", () => {
  it("reads problems pasted as follow-ups as new tasks, and caps the credit for conversing", () => {
    const chain: Ex[] = [];
    let history: { user: string; assistant: string }[] = [];
    PROBLEMS.forEach((prompt, i) => {
      chain.push({ account: "chain", ts: T0 + i * 0.2 * H, prompt, history });
      history = [
        ...history,
        { user: prompt, assistant: "There are several steps to this; the total works out." },
      ].slice(-3);
    });
    const laundered = profileOf(acct("chain"), chain);
    expect(laundered.itemFollowUps).toBe(PROBLEMS.length - 1);
    expect(laundered.distinctOpenings).toBe(PROBLEMS.length);
    expect(feature("items_in_conversations", laundered)).toBeGreaterThan(0.7);
    expect(feature("conversational_follow_ups", laundered)).toBe(0);

    // a person's conversations: follow-ups about the answer they got
    const talk: Ex[] = [];
    const topics = ["sourdough starter", "bike chain", "tomato seedlings", "guitar strings", "kitchen drain"];
    topics.forEach((topic, k) => {
      const first = `how do I look after a ${topic}?`;
      const answer = `Looking after a ${topic} is mostly routine: check the ${topic} weekly, keep the ${topic} clean, and replace worn parts of the ${topic} early.`;
      talk.push({ account: "person", ts: T0 + k * 24 * H, prompt: first });
      const turns = ["how often is weekly, exactly?", "what counts as worn?", "and keep it clean with what?"];
      for (const [j, t] of turns.entries())
        talk.push({
          account: "person",
          ts: T0 + k * 24 * H + (j + 1) * 60_000,
          prompt: t,
          history: [{ user: first, assistant: answer }],
        });
    });
    const person = profileOf(acct("person"), talk);
    expect(person.itemFollowUps).toBe(0);
    expect(feature("items_in_conversations", person)).toBe(0);
    // credit for conversing, capped
    expect(feature("conversational_follow_ups", person)).toBe(0.5);
  });

  it("gives history credit for use seen in the provider's log, not for the account's age", () => {
    const old = acct("old", { created_at: new Date(T0 - 900 * 24 * H).toISOString() });
    const quiet: Ex[] = Array.from({ length: 30 }, (_, i) => ({
      account: "old",
      ts: T0 + i * 6 * H,
      prompt: `question number ${i} about my garden`,
    }));
    expect(feature("established_account", profileOf(old, quiet))).toBe(0);
    const long: Ex[] = Array.from({ length: 30 }, (_, i) => ({
      account: "old",
      ts: T0 + i * 3 * 24 * H,
      prompt: `question number ${i} about my garden`,
    }));
    expect(feature("established_account", profileOf(old, long))).toBe(1);
  });

  it("counts every follow-up about a conversation as a turn of it, repeated wording included", () => {
    // a person who asks twenty questions and says the same "go on" after each
    const person: Ex[] = [];
    const stream: Ex[] = [];
    PROBLEMS.concat(PROBLEMS.map((q) => `${q} Answer briefly.`)).forEach((prompt, i) => {
      const ts = T0 + i * H;
      person.push({ account: "person", ts, prompt });
      person.push({
        account: "person",
        ts: ts + 60_000,
        prompt: "go on",
        history: [{ user: prompt, assistant: "The first part of the answer is this." }],
      });
      stream.push({ account: "stream", ts, prompt });
    });
    const oneShot = (ex: Ex[]): number =>
      feature("one_shot_prompts", profileOf(acct(ex[0]?.account ?? ""), ex));
    // half its turns open a request: the repeated follow-up does not make it a one-shot asker
    expect(oneShot(person)).toBeLessThan(0.55);
    expect(oneShot(stream)).toBeGreaterThan(0.85);
  });
});
