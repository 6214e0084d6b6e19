// Inntak's own behaviour. The content security policy allows no inline script or event
// handler attributes, so what the templates need is wired up here from data attributes.
"use strict";

// A form marked data-submit-once is sent once: a second click while the first request is on
// its way would create the same person, referral or place twice.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) {
    return;
  }
  if (form.dataset.sent) {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
});
