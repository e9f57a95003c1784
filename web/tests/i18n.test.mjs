// The catalogues of both sites: i18n/ (the Dashboard) and i18n/device/ (the
// device's site), each complete, consistent and really translated.
//
//   node --test tests/i18n.test.mjs        (ctest web.i18n)
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "i18n");
const languages = JSON.parse(await readFile(path.join(dir, "languages.json"), "utf8"));
const SITES = [
  { name: "dashboard", dir },
  { name: "device", dir: path.join(dir, "device") },
];

// The manual's cover, in its order and with its codes (ua cz gr ee se are not BCP 47).
const MANUAL = "en ua sk cz de it hu fr es pt nl pl bg ro da sl gr ru lt lv ee se fi tr th".split(" ");
const ENDONYMS = {
  en: "English", uk: "Українська", sk: "Slovenčina", cs: "Čeština", de: "Deutsch", it: "Italiano",
  hu: "Magyar", fr: "Français", es: "Español", pt: "Português", nl: "Nederlands", pl: "Polski",
  bg: "Български", ro: "Română", da: "Dansk", sl: "Slovenščina", el: "Ελληνικά", ru: "Русский",
  lt: "Lietuvių", lv: "Latviešu", et: "Eesti", sv: "Svenska", fi: "Suomi", tr: "Türkçe", th: "ไทย",
};
// Strings that may equal English in a translation: units, names, codes.
const SAME_AS_ENGLISH_OK = /^(OK|PIN|API|ID \{id\}|maic|E-mail|Online|Offline|Status|Start|Profil|Login|Design|System|Minimum|\{[a-z]+\})$/;
const SCRIPTS = { th: /\p{Script=Thai}/u, ru: /\p{Script=Cyrillic}/u, uk: /\p{Script=Cyrillic}/u,
                  bg: /\p{Script=Cyrillic}/u, el: /\p{Script=Greek}/u };

const texts = (entry) => (typeof entry === "string" ? [entry] : Object.values(entry));
const placeholders = (entry) =>
  [...new Set(texts(entry).flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();

test("the 25 languages of the manual's cover, each by its own name", async () => {
  assert.deepEqual(languages.map((l) => l.manual), MANUAL);
  for (const { tag, name } of languages) {
    assert.equal(name, ENDONYMS[tag], tag);
    assert.equal(Intl.getCanonicalLocales(tag)[0], tag, `${tag} is a BCP 47 tag`);
  }
  for (const site of SITES) {
    const files = (await readdir(site.dir)).filter((f) => f.endsWith(".json") && f !== "languages.json").sort();
    assert.deepEqual(files, languages.map((l) => `${l.tag}.json`).sort(), site.name);
  }
});

for (const site of SITES) {
const load = async (tag) => JSON.parse(await readFile(path.join(site.dir, `${tag}.json`), "utf8"));
const en = await load("en");

for (const { tag } of languages.filter((l) => l.tag !== "en")) {
  test(`${site.name} ${tag}: every key of en, no other, same placeholders, translated`, async () => {
    const catalogue = await load(tag);
    assert.deepEqual(Object.keys(catalogue).sort(), Object.keys(en).sort());
    const categories = new Intl.PluralRules(tag).resolvedOptions().pluralCategories;
    let same = 0;
    for (const [key, english] of Object.entries(en)) {
      const entry = catalogue[key];
      assert.equal(typeof entry, typeof english, `${tag} ${key}: string or plural forms as in en`);
      if (typeof entry === "object") {
        for (const c of categories) assert.equal(typeof entry[c], "string", `${tag} ${key}: plural form "${c}"`);
        assert.deepEqual(Object.keys(entry).filter((c) => !categories.includes(c)), [], `${tag} ${key}: extra forms`);
      }
      assert.deepEqual(placeholders(entry), placeholders(english), `${tag} ${key}: placeholders`);
      for (const s of texts(entry)) assert.ok(s.trim() !== "", `${tag} ${key}: empty`);
      if (JSON.stringify(entry) === JSON.stringify(english) && !SAME_AS_ENGLISH_OK.test(texts(english)[0])) same++;
    }
    const total = Object.keys(en).length;
    assert.ok(same <= total * 0.05, `${tag}: ${same} of ${total} strings are the English ones`);
    const script = SCRIPTS[tag];
    if (script) {
      const written = Object.values(catalogue).flatMap(texts).filter((s) => script.test(s)).length;
      assert.ok(written >= total * 0.9, `${tag}: only ${written} of ${total} strings in its own script`);
    }
  });
}

test(`${site.name}: en's plural forms cover English's categories`, () => {
  for (const [key, entry] of Object.entries(en)) {
    if (typeof entry === "object") assert.deepEqual(Object.keys(entry).sort(), ["one", "other"], key);
  }
});
}
