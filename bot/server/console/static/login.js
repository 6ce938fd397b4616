// The sign-in page: login and password, the server's refusal in words.
import { html, useState } from "./vendor/htm-preact-standalone.module.js";

export function Login({ t, error, actions }) {
  const [busy, setBusy] = useState(false);

  const submit = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    actions.login(form.get("login"), form.get("password")).finally(() => setBusy(false));
  };

  return html`
    <main class="login">
      <form class="login-card" onSubmit=${submit} aria-labelledby="login-heading">
        <p class="brand">${t("app.title")}</p>
        <h1 id="login-heading">${t("login.heading")}</h1>
        <p class="muted">${t("login.intro")}</p>
        ${error && html`<p class="alert" role="alert">${t(`error.${error.code}`, withMinutes(error))}</p>`}
        <label for="login-name">${t("login.login")}</label>
        <input id="login-name" name="login" autocomplete="username" required autofocus />
        <label for="login-password">${t("login.password")}</label>
        <input id="login-password" name="password" type="password"
          autocomplete="current-password" required />
        <button type="submit" class="primary" disabled=${busy}>
          ${busy ? t("login.busy") : t("login.submit")}
        </button>
        <button type="button" class="link" onClick=${actions.toggleLanguage}
          aria-label=${t("header.language_label")}>${t("header.language")}</button>
      </form>
    </main>
  `;
}

// A lockout is said in minutes, as a person would: "15 dakika", not "900 saniye".
function withMinutes(error) {
  const seconds = Number(error.retry_after);
  return Number.isFinite(seconds) ? { ...error, retry_minutes: Math.max(1, Math.ceil(seconds / 60)) } : error;
}
