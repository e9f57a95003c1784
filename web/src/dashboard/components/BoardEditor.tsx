// Editing a board: rename it; add, remove, move and resize its widgets on
// the grid. The board on screen is the draft; saving stores it with PUT
// (docs/api.md, "Boards"), and a refusal shows the server's message, which
// names the field ("widgets[2]: overlaps widgets[0] ('live')").
import { useState } from "preact/hooks";

import {
  api, ApiError, type Board, type BoardPeriod, type Layout, type Phase, type Widget, type WidgetType,
} from "../api";
import { useApp } from "../context";
import { family, phaseLabel, widgetTitle } from "../widgets/common";
import { Notice, type Message } from "./Status";

const TYPES: readonly WidgetType[] = ["tiles", "line", "bars", "phases", "totals", "output", "table"];
const MAX_HEIGHT = 20; // board_schema.cpp: h 1..20
const ALL_STEMS = ["W", "rW", "V", "A", "PF", "Fr", "Wh", "rWh", "T", "OUT"];
// What a type may show and over which periods (docs/api.md, "Boards").
const STEMS: Partial<Record<WidgetType, string[]>> = {
  tiles: ALL_STEMS, line: ALL_STEMS, table: ALL_STEMS, bars: ["W", "rW"],
  phases: ALL_STEMS.filter((s) => s !== "T" && s !== "OUT"),
};
const CALENDAR: BoardPeriod[] = ["hour", "day", "week", "month", "year"];
const PERIODS: Partial<Record<WidgetType, BoardPeriod[]>> = {
  line: ["live", ...CALENDAR], bars: CALENDAR, totals: CALENDAR, table: CALENDAR,
};
const PHASES: Phase[] = [1, 2, 3, "total"];

// `list` with `item` in or out, in the order of `order`.
function toggle<T>(list: readonly T[], item: T, on: boolean, order: readonly T[]): T[] {
  const next = new Set(list);
  if (on) next.add(item);
  else next.delete(item);
  return order.filter((x) => next.has(x));
}

// A new widget of `type` with the fields its type requires.
export function newWidget(type: WidgetType, board: Board, phases: number): Widget {
  const all: Phase[] = phases === 1 ? [1] : [1, 2, 3, "total"];
  const each: Phase[] = phases === 1 ? [1] : [1, 2, 3];
  const ids = new Set(board.widgets.map((w) => w.id));
  let n = 1;
  while (ids.has(`${type}${n}`)) n++;
  const y = Math.max(0, ...board.widgets.map((w) => w.y + w.h));
  const base: Widget = { id: `${type}${n}`, type, x: 0, y, w: board.columns, h: 4 };
  switch (type) {
    case "tiles":
      return { ...base, quantities: ["W", "V", "A"], phases: all };
    case "line":
      return { ...base, quantities: ["W"], phases: all, period: "live" };
    case "bars":
      return { ...base, quantities: ["W", "rW"], phases: each, period: "day" };
    case "phases":
      return { ...base, quantities: ["V", "A", "W", "PF"] };
    case "totals":
      return { ...base, phases: all, period: "day" };
    case "output":
      return base;
    case "table":
      return { ...base, quantities: ["W", "V"], phases: each, period: "day" };
  }
}

type Props = {
  devid: string;
  layout: Layout;
  phases: number;
  draft: Board;
  setDraft: (b: Board) => void;
  onSaved: () => void;
  onCancel: () => void;
};

export function BoardEditor({ devid, layout, phases, draft, setDraft, onSaved, onCancel }: Props) {
  const { tr } = useApp();
  const [type, setType] = useState<WidgetType>("tiles");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);

  const change = (id: string, f: (w: Widget) => Widget) =>
    setDraft({ ...draft, widgets: draft.widgets.map((w) => (w.id === id ? f(w) : w)) });
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const cols = draft.columns;

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await api.saveBoard(devid, layout, draft);
      setMessage({ kind: "success", text: tr.t("editor.saved") });
      onSaved();
    } catch (err) {
      const why = err instanceof ApiError && err.message ? err.message : tr.t("error.generic");
      setMessage({ kind: "error", text: tr.t("editor.refused", { error: why }) });
    }
    setBusy(false);
  };

  const moves: [string, (w: Widget) => Widget][] = [
    ["editor.left", (w) => ({ ...w, x: clamp(w.x - 1, 0, cols - w.w) })],
    ["editor.right", (w) => ({ ...w, x: clamp(w.x + 1, 0, cols - w.w) })],
    ["editor.up", (w) => ({ ...w, y: Math.max(0, w.y - 1) })],
    ["editor.down", (w) => ({ ...w, y: w.y + 1 })],
    ["editor.narrower", (w) => ({ ...w, w: Math.max(1, w.w - 1) })],
    ["editor.wider", (w) => ({ ...w, w: Math.min(cols, w.w + 1), x: clamp(w.x, 0, cols - Math.min(cols, w.w + 1)) })],
    ["editor.shorter", (w) => ({ ...w, h: Math.max(1, w.h - 1) })],
    ["editor.taller", (w) => ({ ...w, h: Math.min(MAX_HEIGHT, w.h + 1) })],
  ];

  return (
    <form class="card editor" onSubmit={save} aria-labelledby="editor-title">
      <h2 id="editor-title">{tr.t("editor.edit")}</h2>
      <div class="editor-top">
        <div class="field">
          <label for="board-name">{tr.t("editor.name")}</label>
          <input id="board-name" value={draft.name} maxLength={60} required
            onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
        </div>
        <div class="field editor-add">
          <label for="widget-type">{tr.t("editor.type")}</label>
          <div class="editor-add-row">
            <select id="widget-type" value={type} onChange={(e) => setType(e.currentTarget.value as WidgetType)}>
              {TYPES.map((t) => (
                <option key={t} value={t}>{tr.t(`widget.${t}`)}</option>
              ))}
            </select>
            <button type="button" class="button"
              onClick={() => setDraft({ ...draft, widgets: [...draft.widgets, newWidget(type, draft, phases)] })}>
              {tr.t("editor.add")}
            </button>
          </div>
        </div>
      </div>
      <ul class="editor-list">
        {[...draft.widgets].sort((a, b) => a.y - b.y || a.x - b.x).map((w) => (
          <li key={w.id}>
            <fieldset class="editor-widget" data-edit={w.id}>
              <legend>
                {widgetTitle(tr, w)}{" "}
                <span class="muted small">{tr.t("editor.place", { x: w.x + 1, y: w.y + 1, w: w.w, h: w.h })}</span>
              </legend>
              <div class="editor-buttons">
                {moves.map(([key, f]) => (
                  <button type="button" class="button button-small" key={key} onClick={() => change(w.id, f)}>
                    {tr.t(key)}
                  </button>
                ))}
                <button type="button" class="button button-small button-danger"
                  onClick={() => setDraft({ ...draft, widgets: draft.widgets.filter((x) => x.id !== w.id) })}>
                  {tr.t("editor.remove")}
                </button>
              </div>
              <div class="editor-settings">
                {w.period && PERIODS[w.type] && (
                  <div class="field">
                    <label for={`${w.id}-period`}>{tr.t("board.period")}</label>
                    <select id={`${w.id}-period`} value={w.period}
                      onChange={(e) => change(w.id, (x) => ({ ...x, period: e.currentTarget.value as BoardPeriod }))}>
                      {(PERIODS[w.type] ?? []).map((p) => (
                        <option key={p} value={p}>{tr.t(`period.${p}`)}</option>
                      ))}
                    </select>
                  </div>
                )}
                {w.quantities && (
                  <fieldset class="field checks">
                    <legend>{tr.t("device.quantity")}</legend>
                    {(STEMS[w.type] ?? ALL_STEMS).map((stem) => (
                      <label key={stem} class="check">
                        <input type="checkbox" checked={w.quantities?.includes(stem)}
                          onChange={(e) => change(w.id, (x) => ({
                            ...x, quantities: toggle(x.quantities ?? [], stem, e.currentTarget.checked, ALL_STEMS),
                          }))} />
                        {tr.t(`quantity.${family(stem).name}`)}
                      </label>
                    ))}
                  </fieldset>
                )}
                {w.phases && (
                  <fieldset class="field checks">
                    <legend>{tr.t("totals.phase")}</legend>
                    {PHASES.slice(0, phases === 1 ? 1 : 4).map((p) => (
                      <label key={p} class="check">
                        <input type="checkbox" checked={w.phases?.includes(p)}
                          onChange={(e) => change(w.id, (x) => ({
                            ...x, phases: toggle(x.phases ?? [], p, e.currentTarget.checked, PHASES),
                          }))} />
                        {phaseLabel(tr, p === "total" ? null : p)}
                      </label>
                    ))}
                  </fieldset>
                )}
              </div>
            </fieldset>
          </li>
        ))}
      </ul>
      <Notice message={message} id="editor-message" />
      <div class="actions">
        <button type="submit" class="button-primary button-inline" disabled={busy}>
          {busy ? tr.t("status.working") : tr.t("editor.save")}
        </button>
        <button type="button" class="button" onClick={onCancel} disabled={busy}>
          {tr.t("editor.cancel")}
        </button>
      </div>
    </form>
  );
}
