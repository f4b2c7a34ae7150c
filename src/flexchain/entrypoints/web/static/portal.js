// The portal's own script, an enhancement like htmx itself (every page works without it).

// A download link (<a download>) stays a plain link: boosted, htmx would fetch the file and
// swap it into the page. Marked before htmx looks at each element, on load and after swaps.
document.addEventListener("htmx:beforeProcessNode", function (event) {
  var element = event.target;
  if (element.tagName === "A" && element.hasAttribute("download")) {
    element.setAttribute("hx-boost", "false");
  }
});

// A page outside the portal that a boosted link or form ends on (the login page, when the
// session has ended) is loaded whole instead of being swapped into a portal page.
document.addEventListener("htmx:beforeSwap", function (event) {
  var url = new URL(event.detail.xhr.responseURL || window.location.href);
  if (url.origin === window.location.origin && url.pathname.indexOf("/portal") !== 0) {
    event.detail.shouldSwap = false;
    window.location.assign(url.href);
  }
});

// A refused form comes back with "Nothing was saved" at its top: move the keyboard's focus
// there (screen readers announce it as an alert), whether the page was swapped or loaded.
function focusFormAlert() {
  var alert = document.getElementById("form-alert");
  if (alert) {
    alert.focus();
  }
}
document.addEventListener("htmx:afterSettle", focusFormAlert);
document.addEventListener("DOMContentLoaded", focusFormAlert);
