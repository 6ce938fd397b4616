// Türkçe: strings of the console's player area. Same keys in en_player.js.
export default {
};
