// English: strings of the console's supervision area. Same keys in tr_supervision.js.
export default {
};
