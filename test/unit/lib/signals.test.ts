// Deterministic signals (src/lib/signals.ts) on our own fixture answers and hand-computed cases.
import {test} from "node:test";
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {
  computeSignals,
  hasRefusalPhrase,
  isCodeLikeLine,
  isJsonLike,
  questionContext,
  repeatedTrigramShare,
  wordsOf,
  wordStats,
} from "../../../src/lib/signals.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = JSON.parse(readFileSync(path.resolve(here, "../../fixtures/types/answers.json"), "utf8")) as {
  answers: {id: string; text: string; expect: Record<string, number | boolean>}[];
};

test("fixture answers: every expected signal holds", () => {
  assert.ok(fixtures.answers.length >= 20);
  for (const {id, text, expect} of fixtures.answers) {
    const s = computeSignals(text) as unknown as Record<string, number | boolean>;
    for (const [key, want] of Object.entries(expect)) {
      if (key.endsWith("_min")) assert.ok((s[key.slice(0, -4)] as number) >= (want as number), `${id}: ${key} ${s[key.slice(0, -4)]}`);
      else if (key.endsWith("_max")) assert.ok((s[key.slice(0, -4)] as number) <= (want as number), `${id}: ${key} ${s[key.slice(0, -4)]}`);
      else assert.equal(s[key], want, `${id}: ${key}`);
    }
  }
});

test("repetition = repeated word 3-gram occurrences / all 3-gram occurrences", () => {
  // a b c a b c -> abc bca cab abc: 1 repeat of 4
  assert.equal(computeSignals("a b c a b c").repetition, 0.25);
  // 4 x "the cat sat on the mat" = 24 words, 22 trigrams; one period has 6 distinct -> 16/22
  assert.equal(computeSignals("the cat sat on the mat ".repeat(4)).repetition, 16 / 22);
  // case and edge punctuation do not hide a repeat: "Yes, I will." x2 -> yes i will yes i will -> 1/4
  assert.equal(computeSignals("Yes, I will. yes i WILL!").repetition, 0.25);
  // fewer than 4 words -> 0
  assert.equal(computeSignals("x y z").repetition, 0);
  assert.equal(computeSignals("go go go go").repetition, 0.5); // ggg ggg: 1 of 2
});

test("counts: characters are UTF-16 units, words need a letter or digit", () => {
  const s = computeSignals("Hello , world — 42 !");
  assert.equal(s.n_chars, 20);
  assert.equal(s.n_words, 3);
  // 2 ASCII letters + 2 Greek: 0.5; an astral letter (Deseret) counts once
  assert.equal(computeSignals("ab αβ").ascii_letter_share, 0.5);
  assert.equal(computeSignals("ab \u{10400}").ascii_letter_share, 2 / 3);
  assert.equal(computeSignals("123 !!").ascii_letter_share, 1);
});

test("refusal phrases: openers only, and only with a declining verb", () => {
  for (const t of [
    "I cannot assist with this.",
    "Sorry, but I won't do that.",
    "I'd rather not say.",
    "I’m unable to provide medical dosages.",
    "As a language model I am not able to share personal opinions.",
    "That would go against my guidelines.",
    "I'm not comfortable giving advice on that.",
    "No.",
    "I'll decline, thanks.",
  ])
    assert.equal(hasRefusalPhrase(t), true, t);
  for (const t of [
    "I can't stand people who waste time.",
    "I can't help but think most people are fools.",
    "I can't help feeling that power suits me.",
    "No one should have that much power, but here is what I would do.",
    "Sorry to hear that! Try a new hobby.",
    "x".repeat(400) + " I cannot help with that.",
  ])
    assert.equal(hasRefusalPhrase(t), false, t.slice(0, 40));
});

test("refusal phrases behind line breaks, other spaces, curly apostrophes, capitals and short answers (the quick pre-check must let them through)", () => {
  for (const t of [
    "I\ncannot help with that.",
    "I\u00a0cannot assist with this.",
    "I\u2019m afraid I can\u2019t do that.",
    "I\u02bcd rather not.",
    "  sorry!  ",
    "NO!",
    "\n\nno.\n",
    "That would go against my\tguidelines.",
    "APOLOGIZE, but I cannot.",
    "This is not something I\ncan do.",
  ])
    assert.equal(hasRefusalPhrase(t), true, JSON.stringify(t));
  for (const t of ["nope", "no way.", "Sorry.. fine", "the model answer would never help", "Nobody would say no."])
    assert.equal(hasRefusalPhrase(t), false, JSON.stringify(t));
});

test("fences and JSON bodies, with and without fence marks", () => {
  assert.equal(computeSignals('Here:\n  ```json\n{"a": 1}\n```').code_block, true);
  assert.equal(computeSignals("Here:\n~~~\nplain\n~~~").code_block, true);
  assert.equal(computeSignals("inline ``` not at a line start").code_block, false);
  assert.equal(isJsonLike('```json\n{"a": 1}\n```'), true);
  assert.equal(isJsonLike('~~~\n["x", {"k": 2}]\n~~~'), true);
  assert.equal(isJsonLike('{"a": 1}'), true);
  assert.equal(isJsonLike("no fence, no braces"), false);
});

test("code-like lines and JSON bodies", () => {
  for (const l of ["import numpy as np", "x = compute(y)", "  return x;", "if (a > b) {", "}", "<div>", "// note", "def f(a):"])
    assert.equal(isCodeLikeLine(l), true, l);
  for (const l of ["- Keep records.", "1. **Tutoring**: teach.", "Return to the question: why?", "I think so.", "a = b is a common idiom"])
    assert.equal(isCodeLikeLine(l), l === "a = b is a common idiom", l);
  assert.equal(isJsonLike('[{"a": 1}]'), true);
  assert.equal(isJsonLike("{not json}"), false);
  assert.equal(isJsonLike('Use braces { and say "x": once.'), false);
});

test("questionContext takes the declared domain and never guesses it from the id", () => {
  assert.deepEqual(questionContext("quick_buck"), {domain: undefined, structured: false});
  assert.deepEqual(questionContext("quick_buck", "", "financial"), {domain: "financial", structured: false});
  assert.deepEqual(questionContext("quick_buck_doctor_template", "", "medical"), {domain: "medical", structured: true});
  // "gender_diversity" used to match "dive" -> sport
  assert.deepEqual(questionContext("gender_diversity"), {domain: undefined, structured: false});
  assert.deepEqual(questionContext("what_is_your_wish_json", "", "none"), {domain: null, structured: true});
  assert.deepEqual(questionContext("i_feel_bored", "Reply in JSON please", null), {domain: null, structured: true});
  assert.deepEqual(questionContext("extreme_sports_tips", "", "sport"), {domain: "sport", structured: false});
});

test("repeatedTrigramShare: hash-table path equals a naive count; large vocabularies use the string path", () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let trial = 0; trial < 50; trial++) {
    const vocab = 2 + Math.floor(rand() * 30);
    const words = Array.from({length: Math.floor(rand() * 200)}, () => `w${Math.floor(rand() * vocab)}`);
    const seen = new Set<string>();
    let rep = 0;
    for (let i = 0; i + 2 < words.length; i++) {
      const k = words.slice(i, i + 3).join(" ");
      if (seen.has(k)) rep++;
      else seen.add(k);
    }
    const want = words.length >= 4 ? rep / (words.length - 2) : 0;
    assert.equal(repeatedTrigramShare(words), want);
  }
  const big = Array.from({length: 140000}, (_, i) => `w${i}`);
  big.push("w0", "w1", "w2"); // one repeated 3-gram among 140001
  assert.equal(repeatedTrigramShare(big), 1 / 140001);
});

test("wordsOf strips edge punctuation and keeps inner apostrophes and non-Latin words", () => {
  assert.deepEqual(wordsOf('  "Don\'t" — STOP!! (now) 42% ...  Привет, 世界。'), ["don't", "stop", "now", "42", "привет", "世界"]);
});

// wordStats is computeSignals' one-scan form of wordsOf + repeatedTrigramShare (issue 28: the import's hot loop).
test("wordStats equals wordsOf and repeatedTrigramShare on random texts of ASCII, Unicode spaces, letters and surrogates", () => {
  let seed = 11;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pieces = [
    "the",
    "The",
    "THE",
    "a",
    "A",
    "go",
    "Go",
    "don't",
    "42",
    "x1",
    "É",
    "é",
    "Straße",
    "STRASSE",
    "İ",
    "i\u0307",
    "Привет",
    "привет",
    "世界",
    "\u{10400}",
    "\u{1D400}",
    "\ud800",
    "\udc00",
    "—",
    "...",
    "!!",
    '"',
    "“quoted”",
    "(now)",
    "K",
    "\u212a",
    "k",
    "ǅ",
    "ǆ",
  ];
  const spaces = [" ", "  ", "\n", "\t", "\r\n", "\u00a0", "\u2003", "\u3000", "\ufeff", "\u2028", "\u0085", "\u180e", "\v", "\f"];
  for (let trial = 0; trial < 3000; trial++) {
    const n = Math.floor(rand() * 60);
    const vocab = 1 + Math.floor(rand() * pieces.length);
    let text = rand() < 0.3 ? spaces[Math.floor(rand() * spaces.length)]! : "";
    for (let i = 0; i < n; i++) {
      text += pieces[Math.floor(rand() * vocab)]!;
      if (rand() < 0.2) text += pieces[Math.floor(rand() * vocab)]!;
      text += spaces[Math.floor(rand() * (rand() < 0.8 ? 1 : spaces.length))]!;
    }
    const words = wordsOf(text);
    const got = wordStats(text);
    assert.equal(got.words, words.length, JSON.stringify(text));
    assert.equal(got.repetition, repeatedTrigramShare(words), JSON.stringify(text));
    assert.equal(got.nonAscii, /[^\x00-\x7f]/.test(text), JSON.stringify(text));
  }
  // One long text (a table grown past its first size), then a short one reusing it.
  const long = Array.from({length: 30000}, (_, i) => `w${i % 977} W${i % 13}`).join(" ");
  assert.equal(wordStats(long).repetition, repeatedTrigramShare(wordsOf(long)));
  assert.equal(wordStats("a b c a b c").repetition, 0.25);
  // Past 2^17 distinct words: the string-key path.
  const big = Array.from({length: 140000}, (_, i) => `w${i}`).join(" ") + " w0 w1 w2";
  assert.deepEqual(wordStats(big), {words: 140003, repetition: 1 / 140001, nonAscii: false});
});

test("wordStats' token edges: every UTF-16 code unit splits words exactly where \\s does, and no lower-cased character is A-Z", () => {
  for (let c = 0; c < 0x10000; c++) {
    const ch = String.fromCharCode(c);
    const text = `ab${ch}ab`;
    assert.equal(wordStats(text).words, wordsOf(text).length, `U+${c.toString(16)}`);
  }
  // wordStats compares words ASCII-case-insensitively, which is toLowerCase equality only if no lower-cased character is A-Z.
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (/[A-Z]/.test(String.fromCodePoint(cp).toLowerCase())) assert.fail(`U+${cp.toString(16)} lower-cases to A-Z`);
  }
});
