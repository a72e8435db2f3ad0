// The "Brief printen" button of the invitation letter (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-letter");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
});
