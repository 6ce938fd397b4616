// English: strings of the console's player area. Same keys in tr_player.js.
export default {
};
