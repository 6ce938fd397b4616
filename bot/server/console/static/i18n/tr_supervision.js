// Türkçe: strings of the console's supervision area. Same keys in en_supervision.js.
export default {
};
