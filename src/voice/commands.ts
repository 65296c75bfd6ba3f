/**
 * The spoken command vocabulary: the voice counterpart of the offline command
 * model (src/model/command-model.ts). The local recogniser only knows these
 * phrases (a JSGF grammar built from this table: open vocabulary does not work
 * with pocketsphinx), and a recognised phrase becomes its slash command, so a
 * call works with no model and no account at all.
 */
const NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

interface Phrase {
  /** The phrase in JSGF (alternatives with |, <num> for a number word). */
  grammar: string;
  /** Matches the recognised words; returns the slash command, or null to pass the words on as they are. */
  match: RegExp;
  command: (m: RegExpExecArray) => string | null;
}

const num = `(${NUMBERS.join("|")})`;
const n = (word: string | undefined) => NUMBERS.indexOf(word ?? "");

const PHRASES: Phrase[] = [
  { grammar: "(list | show) my files", match: /^(list|show) my files$/, command: () => "/ls" },
  { grammar: "run <num> times <num>", match: new RegExp(`^run ${num} times ${num}$`), command: (m) => `/run ${n(m[1])} * ${n(m[2])}` },
  { grammar: "run <num> plus <num>", match: new RegExp(`^run ${num} plus ${num}$`), command: (m) => `/run ${n(m[1])} + ${n(m[2])}` },
  { grammar: "run the shell listing", match: /^run the shell listing$/, command: () => "/sh ls -la" },
  { grammar: "show (the | my) audit", match: /^show (the|my) audit$/, command: () => "/audit" },
  { grammar: "show my tiers", match: /^show my tiers$/, command: () => "/tiers" },
  { grammar: "list my schedules", match: /^list my schedules$/, command: () => "/schedules" },
  { grammar: "help", match: /^help$/, command: () => "/help" },
  // Answers to an approval question are words, matched by the call's fixed rules (src/voice/approval.ts).
  { grammar: "approve | reject | yes | no | okay", match: /^(approve|reject|yes|no|okay)$/, command: () => null }
];

/** The JSGF grammar the local recogniser decodes against. */
export function voiceGrammar(): string {
  return [
    "#JSGF V1.0;",
    "grammar steward;",
    `<num> = ${NUMBERS.join(" | ")};`,
    `public <utterance> = ${PHRASES.map((p) => `(${p.grammar})`).join(" | ")};`
  ].join("\n");
}

/** The slash command a recognised phrase stands for, or null (said as it is). */
export function commandFor(utterance: string): string | null {
  const words = utterance
    .toLowerCase()
    .replace(/[^a-z ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  for (const phrase of PHRASES) {
    const m = phrase.match.exec(words);
    if (m) return phrase.command(m);
  }
  return null;
}
