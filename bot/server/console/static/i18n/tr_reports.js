// Türkçe: strings of the console's reports area. Same keys in en_reports.js.
export default {
  "reports.heading": "Raporlar",
};
