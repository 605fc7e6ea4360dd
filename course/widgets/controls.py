"""Controls a screen reader can name: the course's sliders.

ipywidgets' sliders draw their handle as a ``div`` with ``role="slider"`` and no accessible name (the
description beside it is not tied to it; noUiSlider's ``handleAttributes`` are not exposed), which axe
reports as a serious WCAG 2.1 failure (aria-input-field-name). ``Slider`` is a native
``<input type="range">`` named by its ``<label>``, with a number box to type an exact value (as the
readout of an ipywidgets slider allows). The browser gives it keyboard operation (arrows, Page Up/Down,
Home, End) and announces ``aria-valuetext``, the value as the readout shows it.
"""

from __future__ import annotations

import math

import anywidget
import traitlets

_ESM = """
function render({ model, el }) {
  const id = "kap-slider-" + Math.random().toString(36).slice(2);
  el.classList.add("kap-slider");
  // Keys pressed in the slider are for the slider, not for JupyterLab: no notebook shortcuts, and the
  // notebook's own handlers (which cancel arrow keys) never see them.
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  const own = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End", "Enter"];
  el.addEventListener("keydown", (event) => { if (own.includes(event.key)) event.stopPropagation(); });
  const label = Object.assign(document.createElement("label"), { htmlFor: id, className: "kap-slider-label" });
  const range = Object.assign(document.createElement("input"), { type: "range", id, className: "kap-slider-range" });
  const exact = Object.assign(document.createElement("input"), { type: "number", step: "any",
                                                                 className: "kap-slider-exact" });
  el.append(label, range, exact);
  const log = () => model.get("log");
  const toValue = (position) => (log() ? 10 ** position : position);
  const toPosition = (value) => (log() ? Math.log10(value) : value);
  const text = (value) => value.toFixed(model.get("decimals"));
  const show = () => {
    const description = model.get("description"), value = model.get("value");
    label.textContent = description;
    el.style.setProperty("--kap-label-width", model.get("label_width"));
    Object.assign(range, { min: model.get("min"), max: model.get("max"), step: model.get("step") });
    range.value = toPosition(value);
    range.setAttribute("aria-valuetext", text(value));
    exact.value = text(value);
    exact.min = toValue(model.get("min"));
    exact.max = toValue(model.get("max"));
    exact.setAttribute("aria-label", description + ": type a value");
  };
  const send = (value) => { model.set("value", value); model.save_changes(); };
  range.addEventListener("input", () => send(toValue(Number(range.value))));
  // A typed value counts when the trainee presses Enter or leaves the box.
  const commit = () => {
    const typed = Number(exact.value);
    if (exact.value === "" || !Number.isFinite(typed)) { show(); return; }
    const low = toValue(model.get("min")), high = toValue(model.get("max"));
    const value = Math.min(high, Math.max(low, typed));
    if (value !== model.get("value")) send(value); else show();
  };
  exact.addEventListener("change", commit);
  exact.addEventListener("keydown", (event) => { if (event.key === "Enter") commit(); });
  model.on("change", show);
  show();
  return () => model.off("change", show);
}
export default { render };
"""

_CSS = """
.kap-slider { display: flex; align-items: center; gap: 8px; margin: 2px 0; min-height: 32px; }
.kap-slider-label { flex: 0 0 var(--kap-label-width); text-align: right; color: var(--jp-widgets-label-color, #222);
                    font-size: var(--jp-widgets-font-size, 13px); }
.kap-slider-range { flex: 0 0 260px; accent-color: #0072B2; }
.kap-slider-exact { width: 6.5em; font-size: var(--jp-widgets-font-size, 13px); }
"""


class Slider(anywidget.AnyWidget):
    """A slider with a label a screen reader announces and a box for an exact value.

    ``min``, ``max`` and ``step`` are in value units; with ``log=True`` they are powers of ten (the
    slider moves the exponent, as ipywidgets' ``FloatLogSlider`` does). ``decimals`` is how the value
    is shown and announced."""

    _esm = _ESM
    _css = _CSS
    value = traitlets.Float().tag(sync=True)
    min = traitlets.Float(0).tag(sync=True)
    max = traitlets.Float(100).tag(sync=True)
    step = traitlets.Float(1).tag(sync=True)
    log = traitlets.Bool(False).tag(sync=True)
    decimals = traitlets.Int(2).tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    label_width = traitlets.Unicode("150px").tag(sync=True)

    def __init__(self, value, min, max, step, description: str, **kwargs):
        if not description:
            raise ValueError("A slider needs a description: it is its label for sighted and screen-reader users.")
        if not min < max or step <= 0:
            raise ValueError(f"A slider needs min < max and a positive step (got {min}, {max}, {step}).")
        super().__init__(min=min, max=max, step=step, description=description, **kwargs)
        self.value = value

    @traitlets.validate("value")
    def _within_range(self, proposal):
        low, high = (10**self.min, 10**self.max) if self.log else (self.min, self.max)
        value = proposal["value"]
        if math.isnan(value):
            raise traitlets.TraitError(f"{self.description}: the value must be a number.")
        return min(high, max(low, value))


class IntegerSlider(Slider):
    """A ``Slider`` of whole numbers."""

    value = traitlets.Int().tag(sync=True)
    decimals = traitlets.Int(0).tag(sync=True)

    @traitlets.validate("value")
    def _within_range(self, proposal):
        return int(min(self.max, max(self.min, round(proposal["value"]))))
