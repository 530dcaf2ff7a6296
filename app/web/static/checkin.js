/* Vigil check-in page: the °C/°F toggle updates the hint beside the temperature box, and after a
   refused submit the focus goes to the list of answers to check. The form works without it. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  var hint = document.getElementById("temperature-hint");
  var unitLabel = document.getElementById("temperature-unit");
  if (!hint) { return; }
  function update(unit) {
    hint.textContent = hint.getAttribute(unit === "F" ? "data-hint-f" : "data-hint-c");
    if (unitLabel) { unitLabel.textContent = unit === "F" ? "°F" : "°C"; }
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[name=temperature_unit]"), function (radio) {
    radio.addEventListener("change", function () { if (radio.checked) { update(radio.value); } });
  });
}());
