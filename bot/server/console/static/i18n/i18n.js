// The console's strings: one catalogue per language, Turkish by default.
// Each area of the console keeps its strings in its own pair of files.
import trBase from "./tr.js";
import enBase from "./en.js";
import trPlayer from "./tr_player.js";
import enPlayer from "./en_player.js";
import trSupervision from "./tr_supervision.js";
import enSupervision from "./en_supervision.js";
import trReports from "./tr_reports.js";
import enReports from "./en_reports.js";

export const LANGUAGES = {
  tr: { ...trBase, ...trPlayer, ...trSupervision, ...trReports },
  en: { ...enBase, ...enPlayer, ...enSupervision, ...enReports },
};
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
