// The console's strings: one catalogue per language, Turkish by default.
import tr from "./tr.js";
import en from "./en.js";

export const LANGUAGES = { tr, en };
export const DEFAULT_LANGUAGE = "tr";

/** A translator for `lang`: t("queue.waited", {time: "1:05"}); an unknown key shows itself. */
export function translator(lang) {
  const catalogue = LANGUAGES[lang] || LANGUAGES[DEFAULT_LANGUAGE];
  return (key, values = {}) => {
    const text = catalogue[key] ?? LANGUAGES[DEFAULT_LANGUAGE][key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : ""));
  };
}

/** The catalogue's label for a code (a reason, skill, resolution), or the code itself. */
export function labelled(t, prefix, code) {
  const key = `${prefix}.${code}`;
  const text = t(key);
  return text === key ? code : text;
}
