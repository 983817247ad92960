import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, type Translate, useLocale } from "../client/i18n.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { Avatar } from "../components/Avatar.tsx";
import { Dialog } from "../components/Dialog.tsx";
import { DepartmentOptions, DepartmentTree } from "../components/DepartmentTree.tsx";
import { PersonCard } from "../components/PersonCard.tsx";
import type { DepartmentView, PersonCard as Card, PublicUser } from "../lib/protocol.ts";

export interface DirectoryProps {
  me: PublicUser;
  lang: Lang;
}

/** Ids of `id` and every department under it. */
function subtree(all: DepartmentView[], id: string): Set<string> {
  const out = new Set([id]);
  for (let grew = true; grew;) {
    grew = false;
    for (const d of all) {
      if (d.parentId && out.has(d.parentId) && !out.has(d.id)) grew = !!out.add(d.id);
    }
  }
  return out;
}

/** The admin's rename or move form for one department. */
function EditDepartment(props: {
  t: Translate;
  all: DepartmentView[];
  mode: "rename" | "move";
  dept: DepartmentView;
  onSave: (patch: { name?: string; parentId?: string | null }) => void;
  onClose: () => void;
}) {
  const { t, dept } = props;
  const submit = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    if (props.mode === "rename") props.onSave({ name: String(f.get("name")).trim() });
    else props.onSave({ parentId: String(f.get("parent")) || null });
  };
  return (
    <Dialog
      title={`${t(props.mode === "rename" ? "dir_dept_rename" : "dir_dept_move")}: ${dept.name}`}
      closeLabel={t("dir_dept_cancel")}
      onClose={props.onClose}
    >
      <form class="pp-form" onSubmit={submit}>
        {props.mode === "rename"
          ? (
            <label>
              {t("dir_dept_name")}
              <input name="name" required maxLength={100} defaultValue={dept.name} />
            </label>
          )
          : (
            <label>
              {t("dir_dept_parent")}
              <select name="parent" defaultValue={dept.parentId ?? ""}>
                <option value="">{t("dir_dept_top")}</option>
                <DepartmentOptions all={props.all} exclude={subtree(props.all, dept.id)} />
              </select>
            </label>
          )}
        <button type="submit" class="primary">{t("dir_dept_save")}</button>
      </form>
    </Dialog>
  );
}

/** The admin's form on a card: the person's department and title. */
function Placement(props: {
  t: Translate;
  all: DepartmentView[];
  card: Card;
  onSave: (input: { departmentId: string | null; title: string }) => Promise<void>;
}) {
  const { t, card } = props;
  const saved = useSignal(false);
  return (
    <form
      class="pp-form dir-place"
      aria-label={t("dir_place")}
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.target as HTMLFormElement);
        saved.value = false;
        await props.onSave({
          departmentId: String(f.get("department")) || null,
          title: String(f.get("title")).trim(),
        });
        saved.value = true;
      }}
    >
      <h3>{t("dir_place")}</h3>
      <label>
        {t("dir_card_department")}
        <select name="department" defaultValue={card.user.departmentId ?? ""}>
          <option value="">{t("dir_no_department")}</option>
          <DepartmentOptions all={props.all} />
        </select>
      </label>
      <label>
        {t("dir_card_title")}
        <input name="title" maxLength={100} defaultValue={card.user.title ?? ""} />
      </label>
      <button type="submit">{t("dir_place_save")}</button>
      {saved.value && <span role="status" class="pp-status">{t("dir_place_saved")}</span>}
    </form>
  );
}

/** What the page shows: departments, people found, the open card; loaded from the API. */
function useDirectoryData(t: Translate) {
  const depts = useSignal<DepartmentView[] | null>(null);
  const people = useSignal<PublicUser[] | null>(null);
  const selected = useSignal<string | null>(null);
  const q = useSignal("");
  const card = useSignal<Card | null>(null);
  const error = useSignal("");
  const now = useSignal(Date.now());
  const fail = (e: unknown) => error.value = errorText(t, e);
  const loadDepts = async () => {
    try {
      depts.value = (await api<{ items: DepartmentView[] }>("GET", "/api/v1/departments")).items;
    } catch (e) {
      fail(e);
    }
  };
  const loadPeople = async () => {
    const p = new URLSearchParams();
    if (q.value.trim()) p.set("q", q.value.trim());
    if (selected.value) p.set("departmentId", selected.value);
    try {
      people.value = (await api<{ items: PublicUser[] }>("GET", `/api/v1/directory?${p}`)).items;
    } catch (e) {
      fail(e);
    }
  };
  const openCard = async (id: string) => {
    error.value = "";
    try {
      card.value = (await api<{ card: Card }>("GET", `/api/v1/directory/${id}`)).card;
      now.value = Date.now();
    } catch (e) {
      fail(e);
    }
  };
  useEffect(() => {
    loadDepts();
  }, []);
  useEffect(() => {
    const h = setTimeout(loadPeople, q.value ? 200 : 0);
    return () => clearTimeout(h);
  }, [q.value, selected.value]);
  return { depts, people, selected, q, card, error, now, fail, loadDepts, loadPeople, openCard };
}

type DirectoryData = ReturnType<typeof useDirectoryData>;

/** What people do on the page: the admin's department edits, and Message from a card. */
function useDirectoryActions(t: Translate, d: DirectoryData) {
  const run = async (f: () => Promise<unknown>) => {
    d.error.value = "";
    try {
      await f();
      await Promise.all([d.loadDepts(), d.loadPeople()]);
      return true;
    } catch (e) {
      d.fail(e);
      return false;
    }
  };
  const addDept = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = new FormData(form);
    const body = { name: String(f.get("name")).trim(), parentId: String(f.get("parent")) || null };
    if (await run(() => api("POST", "/api/v1/departments", body))) form.reset();
  };
  const deleteDept = async (dept: DepartmentView) => {
    if (!confirm(t("dir_dept_delete_confirm", { name: dept.name }))) return;
    const full = dept.people > 0 || (d.depts.value ?? []).some((x) => x.parentId === dept.id);
    if (full && !confirm(t("dir_dept_delete_moveup", { name: dept.name }))) return;
    const path = `/api/v1/departments/${dept.id}${full ? "?moveUp=1" : ""}`;
    if (await run(() => api("DELETE", path)) && d.selected.value === dept.id) {
      d.selected.value = null;
    }
  };
  const message = async (userId: string) => {
    try {
      const r = await api<{ conversation: { id: string } }>("POST", "/api/v1/conversations", {
        kind: "direct",
        userId,
      });
      location.href = `/c/${r.conversation.id}`;
    } catch (e) {
      d.fail(e);
    }
  };
  return { run, addDept, deleteDept, message };
}

/** The left column: the tree, and for admins the edit switch and the add form. */
function TreePanel(props: {
  t: Translate;
  admin: boolean;
  d: DirectoryData;
  editing: boolean;
  onEditing: (on: boolean) => void;
  onEdit: (mode: "rename" | "move", dept: DepartmentView) => void;
  onDelete: (dept: DepartmentView) => void;
  onAdd: (e: Event) => void;
}) {
  const { t, admin, d, editing } = props;
  const all = d.depts.value ?? [];
  return (
    <aside class="dir-tree" aria-label={t("dir_departments")}>
      <div class="dir-tree-head">
        <h2>{t("dir_departments")}</h2>
        {admin && (
          <button
            type="button"
            class="linkish"
            aria-pressed={editing}
            onClick={() => props.onEditing(!editing)}
          >
            {editing ? t("dir_done") : t("dir_edit_tree")}
          </button>
        )}
      </div>
      {d.depts.value === null ? <p class="muted">{t("dir_loading")}</p> : (
        <>
          <DepartmentTree
            t={t}
            all={all}
            selected={d.selected.value}
            editing={editing}
            onSelect={(id) => d.selected.value = id}
            onRename={(dept) => props.onEdit("rename", dept)}
            onMove={(dept) => props.onEdit("move", dept)}
            onDelete={props.onDelete}
          />
          {!all.length && (
            <p class="muted">{admin ? t("dir_no_departments_admin") : t("dir_no_departments")}</p>
          )}
        </>
      )}
      {admin && (editing || !all.length) && (
        <form class="pp-form dir-add" aria-label={t("dir_dept_add")} onSubmit={props.onAdd}>
          <label>
            {t("dir_dept_name")}
            <input name="name" required maxLength={100} />
          </label>
          <label>
            {t("dir_dept_parent")}
            <select name="parent" defaultValue={d.selected.value ?? ""}>
              <option value="">{t("dir_dept_top")}</option>
              <DepartmentOptions all={all} />
            </select>
          </label>
          <button type="submit" class="primary">{t("dir_dept_add")}</button>
        </form>
      )}
    </aside>
  );
}

/** The right column: the search box and the people found. */
function PeoplePanel(props: { t: Translate; d: DirectoryData }) {
  const { t, d } = props;
  const deptName = new Map((d.depts.value ?? []).map((x) => [x.id, x.name]));
  const people = d.people.value;
  return (
    <section class="dir-people">
      <input
        type="search"
        class="dir-search"
        aria-label={t("dir_search")}
        placeholder={t("dir_search")}
        value={d.q.value}
        onInput={(e) => d.q.value = (e.target as HTMLInputElement).value}
      />
      {people === null
        ? <p class="muted">{t("dir_loading")}</p>
        : people.length === 0
        ? <p class="muted">{t("dir_no_people")}</p>
        : (
          <ul class="dir-list">
            {people.map((u) => (
              <li key={u.id}>
                <button type="button" class="dir-person" onClick={() => d.openCard(u.id)}>
                  <Avatar id={u.id} name={u.name} avatar={u.avatar} />
                  <span class="dir-person-text">
                    <span class="dir-person-name">
                      {u.name}
                      {u.status && (
                        <span class="dir-status muted">
                          {" "}
                          {u.status.emoji} {u.status.text}
                        </span>
                      )}
                    </span>
                    <span class="muted">
                      {[u.title, u.departmentId ? deptName.get(u.departmentId) : ""]
                        .filter(Boolean).join(" · ") || u.email}
                    </span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}

/** The directory: departments to browse, people to search, a card per person. */
export default function Directory(props: DirectoryProps) {
  const { t, lang } = useLocale(props.lang);
  const admin = props.me.role === "admin";
  const d = useDirectoryData(t);
  const act = useDirectoryActions(t, d);
  const editing = useSignal(false);
  const edit = useSignal<{ mode: "rename" | "move"; dept: DepartmentView } | null>(null);
  const all = d.depts.value ?? [];
  const card = d.card.value;
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="directory" />
      <main class="admin-main dir-page">
        <h1>{t("dir_title")}</h1>
        {d.error.value && <p class="error" role="alert">{d.error.value}</p>}
        <div class="dir-layout">
          <TreePanel
            t={t}
            admin={admin}
            d={d}
            editing={editing.value}
            onEditing={(on) => editing.value = on}
            onEdit={(mode, dept) => edit.value = { mode, dept }}
            onDelete={act.deleteDept}
            onAdd={act.addDept}
          />
          <PeoplePanel t={t} d={d} />
        </div>
        {card && (
          <Dialog
            title={card.user.name}
            closeLabel={t("dir_card_close")}
            onClose={() => d.card.value = null}
          >
            <PersonCard t={t} lang={lang} card={card} now={d.now.value}>
              {card.user.id !== props.me.id && (
                <button
                  type="button"
                  class="primary"
                  onClick={() => act.message(card.user.id)}
                >
                  {t("dir_message")}
                </button>
              )}
              {admin && (
                <Placement
                  key={card.user.id}
                  t={t}
                  all={all}
                  card={card}
                  onSave={async (input) => {
                    const path = `/api/v1/directory/${card.user.id}`;
                    if (await act.run(() => api("PUT", path, input))) {
                      await d.openCard(card.user.id);
                    }
                  }}
                />
              )}
            </PersonCard>
          </Dialog>
        )}
        {edit.value && (
          <EditDepartment
            t={t}
            all={all}
            mode={edit.value.mode}
            dept={edit.value.dept}
            onClose={() => edit.value = null}
            onSave={async (patch) => {
              const path = `/api/v1/departments/${edit.value!.dept.id}`;
              if (await act.run(() => api("PATCH", path, patch))) edit.value = null;
            }}
          />
        )}
      </main>
    </div>
  );
}
