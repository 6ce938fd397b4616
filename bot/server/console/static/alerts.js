// A new chat: a short beep (WebAudio, after the first click on the page) and a count
// in the tab's title, so an agent on another tab notices.
let audio = null;

export function beep() {
  try {
    audio = audio || new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.25);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.25);
  } catch (error) {
    // no sound available: the title badge still tells
  }
}

export function titleBadge(title, count) {
  document.title = count > 0 ? `(${count}) ${title}` : title;
}
