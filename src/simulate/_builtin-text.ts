// Built-in text, so that the simulator runs anywhere. Small grammars whose output
// varies in wording, topic and length; real prompts replace them with --prompts.
import type { Rng } from "./_rng.js";

const TOPICS = [
  "sourdough starter",
  "a job interview",
  "learning Spanish",
  "my cat's diet",
  "a trip to Lisbon",
  "budgeting",
  "marathon training",
  "houseplants",
  "a wedding toast",
  "the French revolution",
  "black holes",
  "climate change",
  "a cover letter",
  "sleep problems",
  "buying a used car",
  "investing in index funds",
  "a birthday party",
  "chess openings",
  "photosynthesis",
  "the stock market",
  "a landlord dispute",
  "meal prep",
  "guitar chords",
  "a short story",
  "Roman history",
  "quantum computing",
  "my resume",
  "a difficult coworker",
  "home insurance",
  "vegan recipes",
  "the Pythagorean theorem",
  "a podcast intro",
  "moving to Canada",
  "knitting",
  "a product launch",
  "social media strategy",
  "a haiku",
  "the Cold War",
  "a fantasy novel",
  "dog training",
  "tax deductions",
  "a research abstract",
  "Excel formulas",
  "a LinkedIn post",
  "meditation",
  "electric cars",
  "a eulogy",
  "a business plan",
  "negotiating salary",
  "writing a poem",
  "learning to swim",
  "kids' science projects",
];
const ASKS = [
  "Can you help me with {t}?",
  "I need some advice about {t}.",
  "Write something short about {t}.",
  "What should I know about {t}?",
  "Give me three ideas for {t}.",
  "Explain {t} like I'm five.",
  "how do i get started with {t}",
  "Any tips on {t}? I'm a beginner.",
  "Summarize the key points of {t}.",
  "I'm stuck on {t}, what would you do?",
  "Make a checklist for {t}.",
  "quick question about {t}",
  "Could you draft an email about {t}?",
  "What are the pros and cons of {t}?",
  "tell me a fun fact about {t}",
];
const FOLLOW_UPS = [
  "Can you make it shorter?",
  "Thanks! What about the second point?",
  "Make it more formal.",
  "Hmm, that doesn't sound right. Are you sure?",
  "Can you give an example?",
  "ok and what if I don't have time for that",
  "Translate that into Spanish.",
  "Nice. Add a bit of humour.",
  "Why?",
  "Can you expand on the last part?",
  "Perfect, now a version for my boss.",
  "What would you recommend instead?",
  "thanks, one more thing",
];
const LANGS = ["TypeScript", "Python", "Go", "Rust", "Java", "Ruby", "C#", "Kotlin"];
const CODE_THINGS = [
  "the login handler",
  "the CSV importer",
  "our retry logic",
  "the pagination in the users API",
  "the cache layer",
  "the flaky integration test",
  "the date parsing util",
  "the websocket reconnect",
  "the billing webhook",
  "the search endpoint",
  "the migration script",
  "the React form validation",
  "the config loader",
  "the CLI parser",
];
const CODE_ASKS = [
  "Fix the bug in {c}: it fails when the input is empty.",
  "Add unit tests for {c}.",
  "Refactor {c} to remove the duplication.",
  "Why does {c} time out under load? Investigate and fix it.",
  "Implement rate limiting in {c}.",
  "Update {c} to the new API and make the tests pass.",
  "Add logging to {c} and handle the error cases.",
  "The build is failing after my change to {c}. Can you look?",
  "Port {c} to async/await.",
];
const TOOL_NAMES = [
  "read_file",
  "write_file",
  "edit_file",
  "bash",
  "grep",
  "list_dir",
  "run_tests",
  "git_diff",
];
const FILES = [
  "src/index.ts",
  "src/api/users.ts",
  "lib/cache.py",
  "cmd/main.go",
  "src/lib.rs",
  "tests/test_api.py",
  "app/models/order.rb",
  "src/components/Form.tsx",
  "internal/retry/retry.go",
  "package.json",
  "README.md",
];

const SUBJECTS = ["Alice", "Ben", "Chen", "Dara", "Emil", "Farah", "Gus", "Hana", "Ivan", "Jo"];
const ITEMS = ["apples", "marbles", "books", "stickers", "pencils", "cookies", "coins", "tickets"];

export interface MathItem {
  readonly question: string;
  readonly answer: string;
}

/** Grade-school style word problems with their answers. */
export function mathProblem(rng: Rng): MathItem {
  const who = rng.pick(SUBJECTS);
  const item = rng.pick(ITEMS);
  const a = rng.int(3, 90);
  const b = rng.int(2, 12);
  const c = rng.int(1, 30);
  switch (rng.int(0, 3)) {
    case 0:
      return {
        question: `${who} has ${a} ${item} and buys ${b} packs of ${c} more. How many ${item} does ${who} have now?`,
        answer: String(a + b * c),
      };
    case 1:
      return {
        question: `A shop sells ${item} at $${b} each. ${who} spends $${b * c} on them and gives away ${Math.min(c, rng.int(1, 9))}. How many are left?`,
        answer: String(c - Math.min(c, rng.int(1, 9))),
      };
    case 2:
      return {
        question: `${who} reads ${c} pages a day for ${b} days, then ${a} pages on the last day. How many pages in total?`,
        answer: String(c * b + a),
      };
    default:
      return { question: `Solve for x: ${b}x + ${c} = ${b * a + c}.`, answer: String(a) };
  }
}

export function chatOpener(rng: Rng): string {
  return rng.pick(ASKS).replace("{t}", rng.pick(TOPICS));
}

export function chatFollowUp(rng: Rng): string {
  return rng.pick(FOLLOW_UPS);
}

export function codingTask(rng: Rng): string {
  const ask = rng.pick(CODE_ASKS).replace("{c}", rng.pick(CODE_THINGS));
  return rng.chance(0.4) ? `${ask} We use ${rng.pick(LANGS)}.` : ask;
}

export function toolNames(rng: Rng, n: number): string[] {
  return rng.shuffle([...TOOL_NAMES]).slice(0, n);
}

export function fileName(rng: Rng): string {
  return rng.pick(FILES);
}

const CODE_LINES = [
  "export function handler(req, res) {",
  "  const user = await db.users.find(req.params.id);",
  "  if (!user) return res.status(404).end();",
  "def parse_rows(rows):",
  "    return [r.strip() for r in rows if r]",
  "func (c *Client) Do(ctx context.Context) error {",
  "  for attempt := 0; attempt < max; attempt++ {",
  "fn main() -> Result<(), Error> {",
  "  let cfg = Config::load()?;",
  "  expect(result).toEqual([]);",
  "class OrderService:",
  "    def total(self): return sum(i.price for i in self.items)",
];

export function codeSnippet(rng: Rng, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(rng.pick(CODE_LINES));
  return out.join("\n");
}

const SENTENCES = [
  "Here is a clear way to think about it.",
  "The short answer is that it depends on your goals.",
  "First, consider what you already have in place.",
  "A common mistake is to try to do everything at once.",
  "In practice, most people find a simple routine works best.",
  "Let me walk through the main options.",
  "This approach trades a little speed for much better reliability.",
  "You can adjust the details to suit your situation.",
  "The key idea is to break the problem into smaller parts.",
  "Keep in mind the constraints you mentioned.",
  "That said, there are a few exceptions worth knowing.",
  "To summarise, start small and iterate.",
  "The evidence on this is mixed, but the consensus leans one way.",
  "Step 1: identify what is being asked.",
  "Step 2: write down the known quantities.",
  "Step 3: combine them and check the result.",
  "I changed the function so that it handles the empty case.",
  "The test now passes locally.",
  "Historically, this developed over several decades.",
  "Here is a version you can copy and adapt.",
];

// Response prose comes from a fixed pool built once (its own seed), in length buckets,
// with each entry's JSON encoding precomputed: responses are the bulk of a log's bytes
// and the detector reads their token counts, not their wording.
const PROSE_LENGTHS = [60, 120, 200, 280, 360, 480, 700];
const PROSE_VARIANTS = 400;
let prosePool: string[][] | undefined;
const proseJsonCache = new Map<string, Uint8Array>();

function buildProsePool(): string[][] {
  let state = 0x2545f491;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const pick = (): string => SENTENCES[Math.floor(next() * SENTENCES.length)] ?? "";
  return PROSE_LENGTHS.map((len) =>
    Array.from({ length: PROSE_VARIANTS }, () => {
      let s = pick();
      while (s.length < len) s += (next() < 0.15 ? "\n\n" : " ") + pick();
      proseJsonCache.set(s, Buffer.from(JSON.stringify(s)));
      return s;
    }),
  );
}

/** Response prose of about `tokens` tokens, capped so that files stay a sensible size. */
export function prose(rng: Rng, tokens: number, capChars = 400): string {
  prosePool ??= buildProsePool();
  const target = Math.min(capChars, Math.max(20, tokens * 4));
  let b = 0;
  while (b < PROSE_LENGTHS.length - 1 && (PROSE_LENGTHS[b + 1] ?? 0) <= target) b++;
  return rng.pick(prosePool[b] ?? []);
}

/** UTF-8 bytes of a pooled prose string's JSON encoding, or undefined for other strings. */
export function pooledJson(s: string): Uint8Array | undefined {
  return proseJsonCache.get(s);
}

// --- distillation-side text ---

const COT_SYSTEMS = [
  "You are an AI assistant. User will give you a task. Your goal is to complete the task as faithfully as you can. While performing the task think step-by-step and justify your steps.",
  "You are a helpful assistant who always explains its reasoning in full detail before giving the final answer.",
  "You are an expert tutor. Show every intermediate step of your reasoning explicitly and completely.",
  "You are an AI assistant. You will be given a task. You must generate a detailed and long answer.",
  "Think carefully and write out your complete chain of thought, then state the answer.",
];

export function cotSystem(rng: Rng): string {
  return rng.pick(COT_SYSTEMS);
}

const SENSITIVE = [
  "the 1989 Tiananmen Square protests",
  "Taiwan's political status",
  "Xinjiang detention camps",
  "the Dalai Lama",
  "Hong Kong's 2019 protests",
  "criticism of the head of state",
  "press censorship",
  "the Great Firewall",
  "Falun Gong",
  "the Cultural Revolution's death toll",
  "Tibetan independence",
  "the Umbrella Movement",
];

export function sensitiveTopic(rng: Rng): string {
  return rng.pick(SENSITIVE);
}

const INSTRUCTION_VERBS = [
  "Write",
  "Explain",
  "List",
  "Describe",
  "Compare",
  "Classify",
  "Summarize",
  "Generate",
  "Rewrite",
  "Translate",
];
const INSTRUCTION_OBJECTS = [
  "a product description for noise-cancelling headphones",
  "the difference between TCP and UDP",
  "five uses of baking soda",
  "the causes of the First World War",
  "a limerick about a programmer",
  "the following sentence into passive voice",
  "these animals into mammals and reptiles",
  "the plot of Hamlet",
  "a tweet announcing a bakery opening",
  "how vaccines train the immune system",
  "three interview questions for a data analyst",
  "the main idea of supply and demand",
  "a recipe that uses leftover rice",
  "a motivational quote about persistence",
];

export function genericInstruction(rng: Rng): { instruction: string; input: string } {
  const instruction = `${rng.pick(INSTRUCTION_VERBS)} ${rng.pick(INSTRUCTION_OBJECTS)}.`;
  return { instruction, input: rng.chance(0.3) ? rng.pick(SENTENCES) : "" };
}

const CODE_INSTR = [
  "Write a function that returns the n-th Fibonacci number",
  "Implement a LRU cache with get and put",
  "Write a SQL query that finds the top 3 customers by revenue",
  "Create a REST endpoint that validates an email address",
  "Write a function to check whether a string is a palindrome",
  "Implement binary search over a sorted array",
  "Write a regex-free tokenizer for arithmetic expressions",
  "Merge two sorted linked lists",
  "Detect a cycle in a directed graph",
  "Serialize and deserialize a binary tree",
  "Parse a CSV line that may contain quoted commas",
];

export function codeInstruction(rng: Rng): string {
  return `${rng.pick(CODE_INSTR)} in ${rng.pick(LANGS)}.`;
}

const TOOL_TASKS = [
  "Find the current population of {x} using the search tool and compute its growth rate.",
  "Use the calculator to convert 350 {x} into metric units.",
  "Look up the weather in {x} and suggest what to wear.",
  "Search Wikipedia for {x} and summarise the result in two sentences.",
  "Book the cheapest flight to {x} next Friday.",
];
const PLACES = ["Lagos", "Osaka", "Quito", "Tallinn", "Perth", "Denver", "Cairo", "Hanoi", "Porto", "Kraków"];

export function toolTask(rng: Rng): string {
  return rng.pick(TOOL_TASKS).replace("{x}", rng.pick(PLACES));
}

const IMAGE_ASKS = [
  "Describe this image in exhaustive detail.",
  "Extract all text from this screenshot and return it as markdown.",
  "What does this chart show? List every data point.",
  "Transcribe the handwritten notes in this photo.",
  "Convert this UI mockup into HTML and CSS.",
  "Identify every object in this picture and its position.",
];

export function imageAsk(rng: Rng): string {
  return rng.pick(IMAGE_ASKS);
}

const CONSUMER_IMAGE_ASKS = [
  "what plant is this?",
  "Can you read the label on this?",
  "is this rash something to worry about",
  "What's wrong with my code in this screenshot?",
  "Rate my outfit lol",
  "What breed is my dog?",
];

export function consumerImageAsk(rng: Rng): string {
  return rng.pick(CONSUMER_IMAGE_ASKS);
}
