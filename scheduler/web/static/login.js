// The login page: says why the last attempt failed (/login?failed=...).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const why = {
    token: "That token was not accepted: it is unknown, revoked or expired.",
    empty: "Enter a token.",
    server: "The scheduler could not check the token; try again.",
  }[new URLSearchParams(location.search).get("failed")];
  if (why) {
    const p = document.getElementById("login-error");
    p.textContent = why;
    p.hidden = false;
  }
});
