// English: strings of the console's reports area. Same keys in tr_reports.js.
export default {
  "reports.heading": "Reports",
};
