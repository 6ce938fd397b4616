// How the views name a player and a wait: the name the bot knew, or a short id; m:ss.
export function who(t, item) {
  const id = item ? item.sender_id : "";
  const tag = t("people.player", { id: id.length > 8 ? id.slice(-6) : id });
  return item && item.player ? `${item.player} · ${tag}` : tag;
}

export function clock(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(whole / 60);
  const rest = String(whole % 60).padStart(2, "0");
  return minutes >= 60 ? `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}
