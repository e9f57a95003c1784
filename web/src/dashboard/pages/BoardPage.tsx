// A device's board at /devices/<ID>/boards/<pc|mobile>?period=&date=: the
// stored board's grid of widgets over one calendar period of the device's
// time zone. The period and the date live in the URL, so a view can be
// bookmarked and back and forward step through the views.
import type { ComponentType } from "preact";
import { useMemo, useRef, useState } from "preact/hooks";

import { api, LAYOUTS, type Board, type Layout, type Widget, type WidgetType } from "../api";
import { BoardEditor } from "../components/BoardEditor";
import { boardHref } from "../components/Boards";
import { DataAge, OnlineBadge } from "../components/DeviceCard";
import { DeviceUnavailable } from "../components/DeviceUnavailable";
import { Link } from "../components/Link";
import { PageTitle } from "../components/PageTitle";
import { Loading, Notice, type Message } from "../components/Status";
import { useApp } from "../context";
import {
  formatDay, isPeriod, parseDay, PERIODS, range, shift, STEP, today, type Day, type Period,
} from "../periods";
import { navigate } from "../router";
import { usePolled } from "../usePolled";
import { Bars } from "../widgets/Bars";
import { ViewContext, widgetTitle, type View, type WidgetProps } from "../widgets/common";
import { Line } from "../widgets/Line";
import { OutputSwitch } from "../widgets/OutputSwitch";
import { Phases } from "../widgets/Phases";
import { readiness, ReadyContext, type Readiness } from "../widgets/ready";
import { Table } from "../widgets/Table";
import { Tiles } from "../widgets/Tiles";
import { Totals } from "../widgets/Totals";

const WIDGETS: Record<WidgetType, ComponentType<WidgetProps>> = {
  tiles: Tiles, line: Line, bars: Bars, phases: Phases, totals: Totals, output: OutputSwitch, table: Table,
};

// Live values are asked for this often while the tab is visible.
const LIVE_SECONDS = 10;

export function BoardPage({ devid, layout, query }: { devid: string; layout: Layout; query: URLSearchParams }) {
  const { tr, profile } = useApp();
  const device = usePolled(() => api.device(devid), LIVE_SECONDS, [devid]);
  const boards = usePolled(() => api.boards(devid), 3600, [devid]);
  // The board being edited: what the grid shows until it is saved or dropped.
  const [draft, setDraft] = useState<Board | null>(null);
  const [note, setNote] = useState<Message>(null);
  const d = device.data;
  const stored = boards.data?.[layout];
  const board = draft ?? stored;
  const zone = d?.timezone || "UTC";
  // The first view's readiness (widgets/ready.ts): the widgets of a type
  // this app draws, as the board was when it arrived.
  const ready = useRef<Readiness | null>(null);
  if (board && !ready.current) ready.current = readiness(board.widgets.filter((w) => WIDGETS[w.type]).length);

  // Without a period in the URL: the board's first calendar period, else a day.
  const firstPeriod = board?.widgets.map((w) => w.period).find((p) => isPeriod(p));
  const period: Period = isPeriod(query.get("period")) ? (query.get("period") as Period) : firstPeriod ?? "day";
  const day: Day = parseDay(query.get("date")) ?? today(zone, Date.now());
  const span = useMemo(() => range(period, day, zone), [period, formatDay(day), zone]);

  const go = (p: Period, next: Day) => navigate(`${boardHref(devid, layout)}?period=${p}&date=${formatDay(next)}`);

  if (device.error || boards.error) return <DeviceUnavailable error={device.error ?? boards.error} />;
  if (!d || !boards.data) return <Loading label={tr.t("status.loading")} />;
  const deviceHref = `/devices/${encodeURIComponent(devid)}`;
  const title = `${d.name} · ${stored?.name ?? tr.t(`boards.${layout}`)}`;
  if (!board) {
    return (
      <>
        <p class="crumb"><Link href={deviceHref}>{d.name}</Link></p>
        <PageTitle title={title} />
        <section class="card empty">
          <p class="empty-title">{tr.t("boards.none")}</p>
          <p class="muted">{tr.t("boards.noneText")}</p>
          <Link href={deviceHref} class="button button-link">{tr.t("device.boardsTitle")}</Link>
        </section>
      </>
    );
  }

  const view: View = {
    device: d, zone, period, day, from: span.from, to: span.to, step: STEP[period],
    apikey: profile?.api_key ?? "", reloadDevice: device.reload,
  };
  const now = Date.now() / 1000;
  const widgets = [...board.widgets].sort((a, b) => a.y - b.y || a.x - b.x);
  const isCurrent = span.from <= now && now < span.to;

  return (
    <ViewContext.Provider value={view}>
      <p class="crumb"><Link href={deviceHref}>{d.name}</Link></p>
      <div class="board-head">
        <PageTitle title={title} />
        <div class="board-meta">
          <OnlineBadge online={d.online} />
          <DataAge device={d} now={now} />
          <nav class="layout-switch" aria-label={tr.t("device.boardsTitle")}>
            {LAYOUTS.map((l) => (
              <Link key={l} href={`${boardHref(devid, l)}?period=${period}&date=${formatDay(day)}`}
                class="nav-link" current={l === layout}>
                {tr.t(`boards.${l}`)}
              </Link>
            ))}
          </nav>
        </div>
      </div>
      <form class="card board-toolbar" onSubmit={(e) => e.preventDefault()} aria-label={tr.t("board.period")}>
        <fieldset class="period-choice">
          <legend class="visually-hidden">{tr.t("board.period")}</legend>
          <div class="segmented">
            {PERIODS.map((p) => (
              <label key={p} class="segment">
                <input type="radio" name="period" value={p} checked={p === period} onChange={() => go(p, day)} />
                <span>{tr.t(`period.${p}`)}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <div class="date-step">
          <button type="button" class="button icon-button" onClick={() => go(period, shift(period, day, -1))}
            aria-label={tr.t("board.previous")}>
            <span aria-hidden="true">‹</span>
          </button>
          <label class="visually-hidden" for="board-date">{tr.t("board.date")}</label>
          <input id="board-date" type="date" value={formatDay(day)} required
            onChange={(e) => {
              const next = parseDay(e.currentTarget.value);
              if (next) go(period, next);
            }} />
          <button type="button" class="button icon-button" onClick={() => go(period, shift(period, day, 1))}
            aria-label={tr.t("board.next")}>
            <span aria-hidden="true">›</span>
          </button>
          {!isCurrent && (
            <button type="button" class="button" onClick={() => go(period, today(zone, Date.now()))}>
              {tr.t("board.today")}
            </button>
          )}
        </div>
        <p class="period-text" aria-live="polite" id="period-text">
          {tr.t("board.range", { range: tr.dateRange(span.from, span.to - 1, zone), zone })}
        </p>
      </form>
      {draft ? (
        <BoardEditor devid={devid} layout={layout} phases={d.phases} draft={draft} setDraft={setDraft}
          onSaved={() => {
            setNote({ kind: "success", text: tr.t("editor.saved") });
            setDraft(null);
            boards.reload();
          }}
          onCancel={() => setDraft(null)} />
      ) : (
        <div class="board-edit">
          <button type="button" class="button" onClick={() => {
            setNote(null);
            setDraft(structuredClone(board));
          }}>
            {tr.t("editor.edit")}
          </button>
          <Notice message={note} id="board-message" />
        </div>
      )}
      <div class={`board-grid board-${layout}`} style={{ gridTemplateColumns: `repeat(${board.columns}, minmax(0, 1fr))` }}>
        <ReadyContext.Provider value={ready.current}>
          {widgets.map((w) => (
            <WidgetFrame key={w.id} widget={w} />
          ))}
        </ReadyContext.Provider>
      </div>
    </ViewContext.Provider>
  );
}

function WidgetFrame({ widget }: { widget: Widget }) {
  const { tr } = useApp();
  const Body = WIDGETS[widget.type];
  const id = `widget-${widget.id}`;
  return (
    <section class={`card widget widget-${widget.type}`} data-widget={widget.id} aria-labelledby={id}
      style={{ gridColumn: `${widget.x + 1} / span ${widget.w}`, gridRow: `${widget.y + 1} / span ${widget.h}` }}>
      <h2 id={id}>{widgetTitle(tr, widget)}</h2>
      {Body ? <Body widget={widget} /> : null}
    </section>
  );
}
