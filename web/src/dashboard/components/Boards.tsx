// A device's two boards (manual §12): the offer of both pre-configured
// boards after adding a device, and the list on the device's page with a
// way to create or re-create either from its preset.
import { useState } from "preact/hooks";

import { api, LAYOUTS, type Boards, type Layout } from "../api";
import { useApp } from "../context";
import { Link } from "./Link";
import { Notice, type Message } from "./Status";

export function boardHref(devid: string, layout: Layout): string {
  return `/devices/${encodeURIComponent(devid)}/boards/${layout}`;
}

// Asked once, right after the device was added: "yes" stores both presets.
export function BoardsOffer({ devid, name, onDone }: { devid: string; name: string; onDone: () => void }) {
  const { tr } = useApp();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const [created, setCreated] = useState(false);

  const accept = async () => {
    setBusy(true);
    try {
      for (const layout of LAYOUTS) await api.preset(devid, layout);
      setCreated(true);
      setMessage({ kind: "success", text: tr.t("boards.created") });
    } catch {
      setMessage({ kind: "error", text: tr.t("error.generic") });
    }
    setBusy(false);
  };

  return (
    <section class="card offer" aria-labelledby="offer-title">
      <h2 id="offer-title">{tr.t("boards.offerTitle", { name })}</h2>
      <p class="muted">{tr.t("boards.offerText")}</p>
      <Notice message={message} id="offer-message" />
      {created ? (
        <div class="actions">
          {LAYOUTS.map((layout) => (
            <Link key={layout} href={boardHref(devid, layout)} class="button button-link">
              {tr.t(`boards.${layout}`)}
            </Link>
          ))}
          <button type="button" class="button" onClick={onDone}>
            {tr.t("boards.close")}
          </button>
        </div>
      ) : (
        <div class="actions">
          <button type="button" class="button-primary button-inline" onClick={accept} disabled={busy}>
            {busy ? tr.t("status.working") : tr.t("boards.accept")}
          </button>
          <button type="button" class="button" onClick={onDone} disabled={busy}>
            {tr.t("boards.decline")}
          </button>
        </div>
      )}
    </section>
  );
}

// The device page's list: each layout opens, or is created, or re-created.
export function BoardsList({ devid, boards, onChange }: { devid: string; boards: Boards; onChange: () => void }) {
  const { tr } = useApp();
  const [busy, setBusy] = useState<Layout | null>(null);
  const [message, setMessage] = useState<Message>(null);

  const create = async (layout: Layout) => {
    if (boards[layout] && !window.confirm(tr.t("boards.confirmRecreate"))) return;
    setBusy(layout);
    try {
      await api.preset(devid, layout);
      setMessage({ kind: "success", text: tr.t("boards.createdOne", { board: tr.t(`boards.${layout}`) }) });
      onChange();
    } catch {
      setMessage({ kind: "error", text: tr.t("error.generic") });
    }
    setBusy(null);
  };

  return (
    <>
      <ul class="board-list">
        {LAYOUTS.map((layout) => {
          const board = boards[layout];
          return (
            <li key={layout} class="board-item" data-layout={layout}>
              <span class={`board-icon board-icon-${layout}`} aria-hidden="true" />
              <div class="board-text">
                {board ? (
                  <Link href={boardHref(devid, layout)}>{tr.t(`boards.${layout}`)}</Link>
                ) : (
                  <span>{tr.t(`boards.${layout}`)}</span>
                )}
                <span class="muted small">
                  {board
                    ? tr.t("boards.widgets", { count: board.widgets.length })
                    : tr.t("boards.none")}
                </span>
              </div>
              <button type="button" class="button" onClick={() => void create(layout)} disabled={busy !== null}
                aria-label={tr.t(board ? "boards.recreateOne" : "boards.createOne", { board: tr.t(`boards.${layout}`) })}>
                {busy === layout ? tr.t("status.working") : board ? tr.t("boards.recreate") : tr.t("boards.create")}
              </button>
            </li>
          );
        })}
      </ul>
      <Notice message={message} id="boards-message" />
    </>
  );
}
